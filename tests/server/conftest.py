from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings

from .fakes import FakeEngine, FakeTagger
from .harness import OWNER_TOKENS, Account, add_account, serve_in_thread


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
