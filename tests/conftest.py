"""Fixtures shared across test folders: where the repo and the shared data are, one tagger."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`<repo root>/../shared/data`; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tagger():  # type: ignore[no-untyped-def]
    """The real tagger, loaded once per test session (spaCy takes about a second)."""
    from nlp.pipeline import Tagger

    return Tagger.load()
