"""The README documents every setting, and its two commands are the ones CI runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_readme_documents_every_setting(name: str) -> None:
    assert f"`SECONDEAR_{name.upper()}`" in (ROOT / "README.md").read_text()


def test_readme_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make run" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_settings_table_is_current() -> None:
    import subprocess
    import sys

    table = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    assert table in (ROOT / "README.md").read_text(), "run scripts/settings_table.py --readme"
