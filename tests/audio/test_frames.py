"""PCM16 frame checks and conversions."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.frames import FrameError, PcmReader, check_frame, float_to_pcm16, pcm16_to_float


@pytest.mark.parametrize("ms", [10, 20, 100, 500])
def test_frames_accepts_whole_frames_in_range(ms: int) -> None:
    check_frame(b"\0\0" * (16 * ms))


@pytest.mark.parametrize(
    ("size", "message"),
    [(641, "whole 16-bit samples"), (2, "10 to 500 ms"), (16002 * 2, "10 to 500 ms")],
    ids=["odd", "too-short", "too-long"],
)
def test_frames_refuses_bad_frames_with_a_sentence(size: int, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        check_frame(b"\0" * size)


def test_frames_round_trip_and_clipping() -> None:
    x = np.array([0.0, 0.5, -0.5, 1.5, -1.5], dtype=np.float32)
    back = pcm16_to_float(float_to_pcm16(x))
    assert back == pytest.approx([0.0, 0.5, -0.5, 32767 / 32768, -1.0], abs=1e-4)


def test_frames_reader_keeps_an_odd_byte_for_the_next_call() -> None:
    data = float_to_pcm16(np.linspace(-0.5, 0.5, 11, dtype=np.float32))
    reader = PcmReader()
    parts = [reader.read(data[:3]), reader.read(data[3:8]), reader.read(data[8:])]
    assert [len(p) for p in parts] == [1, 3, 7]
    assert np.concatenate(parts) == pytest.approx(pcm16_to_float(data))
