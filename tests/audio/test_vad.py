"""Streaming Silero gives the whole-file probabilities, whatever the block sizes."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.vad import CHUNK, SileroVad, loudness_db


def test_vad_streaming_equals_whole_file(speak) -> None:
    from faster_whisper.vad import get_vad_model

    audio = np.concatenate(
        [np.zeros(8000, np.float32), speak("How do you track your invoices today?", "en-us")]
    )
    audio = audio[: len(audio) // CHUNK * CHUNK]
    whole = get_vad_model()(audio).reshape(-1)
    vad = SileroVad()
    chunks = audio.reshape(-1, CHUNK)
    parts, k = [], 0
    for size in [1, 3, 16, 2, 40, 7] * 100:
        if k >= len(chunks):
            break
        parts.append(vad.probabilities(chunks[k : k + size]))
        k += size
    streamed = np.concatenate(parts)
    assert streamed.shape == whole.shape
    assert np.allclose(streamed, whole, atol=1e-5)
    assert whole[:10].max() < 0.2 and whole.max() > 0.8  # silence first, then speech


def test_vad_tracks_keep_separate_state(speak) -> None:
    audio = speak("We export everything to a spreadsheet.", "en-gb+f3")
    audio = audio[: len(audio) // CHUNK * CHUNK].reshape(-1, CHUNK)
    a, b = SileroVad(), SileroVad()
    first = a.probabilities(audio)
    b.probabilities(np.zeros_like(audio))  # another track's audio in between
    assert np.allclose(SileroVad().probabilities(audio), first)


def test_vad_loudness_db() -> None:
    t = np.arange(CHUNK) / 16000
    sine = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    levels = loudness_db(np.stack([sine, 0.1 * sine, np.zeros(CHUNK, np.float32)]))
    assert levels[0] == pytest.approx(-3.0, abs=0.1)
    assert levels[1] == pytest.approx(-23.0, abs=0.1)
    assert levels[2] == pytest.approx(-100.0)
