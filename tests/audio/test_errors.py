"""The speech engine's user errors reach the command line as one line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main


def test_errors_unreadable_recording_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEnot really audio at all" * 10)
    code = main(["analyze", "--interviewer", str(bad), "--customer", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("secondear analyze: error: ") and "bad.wav" in err
    assert "Traceback" not in err and err.count("\n") == 1
