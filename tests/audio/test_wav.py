"""Recordings given to `secondear analyze` that are not what they claim: the command says what is
wrong and exits 2, instead of writing an empty report."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import write_wav

from app.audio.wav import WavError, read_wav_header
from app.cli import main


@pytest.fixture
def good(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    return write_wav(tmp_path / "good.wav", (rng.standard_normal(32000) * 0.1).astype(np.float32))


def _patched(src: Path, dst: Path, offset: int, fmt: str, value: int, *, keep: int | None = None) -> Path:
    raw = bytearray(src.read_bytes())
    struct.pack_into(fmt, raw, offset, value)
    dst.write_bytes(bytes(raw[:keep]))
    return dst


def _data_size_offset(path: Path) -> int:
    return path.read_bytes().index(b"data") + 4


def test_wav_header_of_a_whole_file_is_read(good: Path) -> None:
    header = read_wav_header(good)
    assert header is not None and header.channels == 1 and header.sample_rate == 16000
    assert header.claimed_s == pytest.approx(2.0) and header.held_s == pytest.approx(2.0)
    assert read_wav_header(Path(__file__)) is None  # not a RIFF file: left to FFmpeg


def test_wav_header_claiming_more_than_the_file_holds(good: Path, tmp_path: Path) -> None:
    cut = _patched(good, tmp_path / "cut.wav", _data_size_offset(good), "<I", 10**9, keep=200)
    with pytest.raises(WavError, match=r"says 31250\.0 s of audio, but the file holds 0\.0 s"):
        read_wav_header(cut)


def test_wav_header_with_impossible_format(good: Path, tmp_path: Path) -> None:
    bad = _patched(good, tmp_path / "rate.wav", 24, "<I", 3)  # 3 Hz
    with pytest.raises(WavError, match="header is wrong"):
        read_wav_header(bad)
    bad = _patched(good, tmp_path / "byte_rate.wav", 28, "<I", 12345)
    with pytest.raises(WavError, match="inconsistent"):
        read_wav_header(bad)


def _random_file(path: Path, seed: int) -> Path:
    path.write_bytes(random.Random(seed).randbytes(200_000))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good, d: _random_file(d / "noise.bin", 0), "holds no audio"),
        (lambda good, d: _random_file(d / "noise.mp3", 1), "holds 0.00 s of audio that can be decoded"),
        (lambda good, d: _random_file(d / "noise.wav", 2), "cannot read audio from"),
        (
            lambda good, d: _patched(good, d / "cut.wav", _data_size_offset(good), "<I", 10**9, keep=300),
            "its WAV header says 31250.0 s of audio",
        ),
        (lambda good, d: _patched(good, d / "chan.wav", 22, "<H", 7), "its WAV header is inconsistent"),
    ],
)
@pytest.mark.parametrize("side", ["--interviewer", "--customer"])
def test_wav_analyze_says_what_is_wrong_and_exits_2(good, tmp_path, capsys, make, message, side) -> None:
    bad = make(good, tmp_path)
    other = "--customer" if side == "--interviewer" else "--interviewer"
    assert main(["analyze", side, str(bad), other, str(good)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("secondear analyze: error: ") and err.count("\n") == 1
    assert str(bad) in err and message in err
