from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings

from . import services
from .fakes import FakeEngine, FakeTagger
from .harness import serve_in_thread


@dataclass
class FakeServer:
    url: str
    engine: FakeEngine
    settings: Settings


def fake_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, talk_event_seconds=0.5, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def fake_server(tmp_path: Path) -> Iterator[FakeServer]:
    """The real app under uvicorn, with the fake engine and tagger."""
    settings = fake_settings(tmp_path / "data")
    engine = FakeEngine()
    with serve_in_thread(create_app(settings, engine=engine, tagger=FakeTagger())) as url:
        yield FakeServer(url, engine, settings)


# --- a real PostgreSQL and a real Redis (tests/server/services.py) -------------------------------


def _services_or_skip() -> None:
    absent = services.missing()
    if absent:
        # In CI scripts/system-deps.sh installs them, and conftest fails any skip there.
        pytest.skip(f"not installed: {', '.join(absent)} (Debian: postgresql redis-server)")


@pytest.fixture(scope="session")
def postgres() -> Iterator[services.Postgres]:
    _services_or_skip()
    pg = services.Postgres()
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[services.RedisServer]:
    _services_or_skip()
    server = services.RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: services.RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SECONDEAR_TEST_DATABASE=pg every test here gets a fresh PostgreSQL database (by the
    environment, so servers started as subprocesses use it too); otherwise SQLite in data_dir."""
    if os.environ.get("SECONDEAR_TEST_DATABASE") == "pg":
        pg: services.Postgres = request.getfixturevalue("postgres")
        monkeypatch.setenv("SECONDEAR_DATABASE_URL", pg.new_database())
