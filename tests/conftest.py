"""Fixtures shared across test folders: where the repo and the shared data are, one tagger."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from nlp.pipeline import Tagger

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
def tagger() -> Tagger:
    """The rules alone, loaded once per test session (spaCy takes about a second).

    The detector tables test the rules (each rule's positive and negative examples); what the
    learned model makes of them is measured on labelled data with `shipped_tagger`.
    """
    from nlp.pipeline import Tagger

    return Tagger.load(use_model=False)


@pytest.fixture(scope="session")
def shipped_tagger() -> Tagger:
    """The tagger as shipped: rules plus the trained model (nlp/models/detectors.json)."""
    from nlp.pipeline import MODEL_FILE, Tagger

    assert MODEL_FILE.exists(), f"the trained model is missing: {MODEL_FILE} (run make train)"
    return Tagger.load()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may skip: CI installs every tool and has the shared data, so a skip there
    means a check silently did not run."""
    if not os.environ.get("CI") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; every check must run in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
