from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings

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
