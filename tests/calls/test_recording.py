"""Recorded tracks: a clip decodes only the chunks it needs, and only the part of them it needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.calls import recording

RATE = 16000


def _track(folder: Path, chunks: int, seconds: float) -> np.ndarray:
    """A track of `chunks` sealed FLAC chunks; each sample's value says where it is."""
    rec = recording.TrackRecorder(folder, seconds)
    total = int(chunks * seconds * RATE)
    ramp = ((np.arange(total) % 20000) - 10000).astype("<i2")
    step = int(seconds * RATE)
    for k in range(chunks):
        rec.write(k * step, ramp[k * step : (k + 1) * step].tobytes())
        path = rec.close()
        assert path is not None
        recording.seal(path)
    return ramp.astype(np.float32) / 32768.0


def test_recording_clip_reads_only_the_chunks_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = _track(tmp_path, chunks=30, seconds=2.0)
    decoded: list[tuple[str, int]] = []
    real_read = recording.sf.read

    def counting_read(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        audio, rate = real_read(path, *args, **kwargs)
        decoded.append((Path(path).name, len(audio)))
        return audio, rate

    monkeypatch.setattr(recording.sf, "read", counting_read)
    got = recording.read_range(tmp_path, 31.5, 32.5)  # across the chunks at 30 s and 32 s
    assert np.allclose(got, truth[int(31.5 * RATE) : int(32.5 * RATE)], atol=1e-4)
    assert decoded == [("000000480000.flac", 8000), ("000000512000.flac", 8000)]


def test_recording_range_with_gaps_raw_chunks_and_past_the_end(tmp_path: Path) -> None:
    rec = recording.TrackRecorder(tmp_path, 10.0)
    rec.write(RATE, (np.ones(RATE, "<i2") * 1000).tobytes())  # 1..2 s, left raw (a killed server)
    rec.close()
    got = recording.read_range(tmp_path, 0.5, 3.0)
    assert len(got) == int(2.5 * RATE)
    assert not got[: RATE // 2].any() and got[RATE // 2 : RATE + RATE // 2].min() > 0.03
    assert not got[RATE + RATE // 2 :].any()
