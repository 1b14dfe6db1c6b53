"""Recordings as people have them: video containers, "stereo" files that hold one mix, and
files with no audio at all."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.audio.errors import RecordingError
from app.audio.offline import load_recording, one_channel


def _tone(seconds: float, hz: float) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _video(path, audio: np.ndarray | None, *, container: str, vcodec: str, acodec: str):
    """A short video file written with PyAV: a few grey frames, and `audio` as its sound track."""
    import av

    with av.open(str(path), mode="w", format=container) as out:
        video = out.add_stream(vcodec, rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = None
        if audio is not None:
            sound = out.add_stream(acodec, rate=48000)
            sound.layout = "mono"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 128, dtype=np.uint8), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, 10)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None and audio is not None:
            resampler = av.AudioResampler(format=sound.format.name, layout="mono", rate=48000)
            pcm = (audio * 32767).astype(np.int16)[None, :]
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = 16000
            for resampled in resampler.resample(frame) + resampler.resample(None):
                for packet in sound.encode(resampled):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return path


@pytest.mark.parametrize(
    ("suffix", "container", "vcodec", "acodec"),
    [
        (".mp4", "mp4", "mpeg4", "aac"),
        (".mkv", "matroska", "mpeg4", "aac"),
        (".webm", "webm", "libvpx", "libopus"),
    ],
)
def test_offline_files_video_gives_its_sound_track(tmp_path, suffix, container, vcodec, acodec):
    import av

    if vcodec not in av.codecs_available or acodec not in av.codecs_available:
        pytest.fail(f"PyAV's FFmpeg has no {vcodec}/{acodec} encoder")
    sound = _tone(1.0, 440)
    path = _video(tmp_path / f"call{suffix}", sound, container=container, vcodec=vcodec, acodec=acodec)
    audio = load_recording(path)
    assert isinstance(audio, np.ndarray)  # one mixed channel
    assert abs(len(audio) / 16000 - 1.0) < 0.1
    assert 0.1 < float(np.sqrt(np.mean(audio**2))) < 0.4


def test_offline_files_video_without_sound_is_a_clear_error(tmp_path):
    path = _video(tmp_path / "silent.mp4", None, container="mp4", vcodec="mpeg4", acodec="aac")
    with pytest.raises(RecordingError, match=r"silent\.mp4 holds no audio"):
        load_recording(path)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("a", "a", "mix"),  # Zoom and phones write one mix on both sides
        ("a", "silence", "a"),  # one side recorded nobody
        ("silence", "b", "b"),
        ("a", "b", "two"),  # one person a side: two tracks
    ],
)
def test_offline_files_stereo_that_holds_one_channel(left, right, expected):
    sounds = {"a": _tone(1.0, 300), "b": _tone(1.0, 510) * 0.8, "silence": np.zeros(16000, dtype=np.float32)}
    out = one_channel(sounds[left], sounds[right])
    if expected == "two":
        assert out is None
    else:
        assert out is not None
        want = sounds["a"] if expected in ("mix", "a") else sounds["b"]
        np.testing.assert_allclose(out, want, atol=1e-6)
