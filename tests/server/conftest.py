from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.deps import Live
from app.main import create_app
from app.settings import Settings

from . import services
from .fakes import FakeEngine, FakeTagger
from .harness import OWNER_TOKENS, Account, add_account, serve_in_thread

T = TypeVar("T")


@dataclass
class FakeServer:
    url: str
    engine: FakeEngine
    settings: Settings
    owner: Account
    """The member who creates the test's calls (harness.create_call, harness.member_client)."""


def fake_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, talk_event_seconds=0.5, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def fake_server(tmp_path: Path) -> Iterator[FakeServer]:
    """The real app under uvicorn, with the fake engine and tagger."""
    settings = fake_settings(tmp_path / "data")
    owner = add_account(settings.data_dir)
    engine = FakeEngine()
    with serve_in_thread(create_app(settings, engine=engine, tagger=FakeTagger())) as url:
        OWNER_TOKENS[url] = owner.token
        yield FakeServer(url, engine, settings, owner)


@dataclass
class LiveServer:
    """The real app under uvicorn with fakes, and a way into it: its `Live` and its event loop."""

    url: str
    live: Live
    loop: asyncio.AbstractEventLoop

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the server's event loop, where its calls live."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), self.loop))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    settings = fake_settings(tmp_path / "data", recording_chunk_seconds=0.5)
    owner = add_account(settings.data_dir)
    app = create_app(settings, engine=FakeEngine(), tagger=FakeTagger())
    loops: list[asyncio.AbstractEventLoop] = []

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            loops.append(asyncio.get_running_loop())
        await app(scope, receive, send)

    with serve_in_thread(asgi) as url:  # type: ignore[arg-type]
        OWNER_TOKENS[url] = owner.token
        yield LiveServer(url, app.state.live, loops[0])


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
