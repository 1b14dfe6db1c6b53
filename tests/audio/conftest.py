"""Shared fixtures for speech-engine tests: espeak-ng speech and the real Whisper model."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.audio.frames import SAMPLE_RATE, float_to_pcm16

Speak = Callable[[str, str], np.ndarray]

# An interview, interviewer and customer in turn, for speech made with `speak`.
INTERVIEW_LINES = [
    "How do you handle the invoices at the end of the month?",
    "We export everything to a spreadsheet and check it by hand.",
    "What happens when a number does not match?",
    "Then I call the supplier, which takes most of a morning.",
    "Tell me about the last time that happened.",
    "Last week, two invoices were wrong and I lost a whole day on it.",
    "Who else is involved when that happens?",
    "My manager signs off, but only after I have fixed everything.",
    "What did you try before the spreadsheet?",
    "We had a shared folder with scanned paper, which was even slower.",
    "How long does the whole check take you?",
    "About six hours a month, sometimes more in December.",
    "What would you do with that time?",
    "I would finally look at the supplier contracts properly.",
]


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Speak:
    """speak(text, voice) -> 16 kHz float speech from espeak-ng, trimmed of silence."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("espeak")
    cache: dict[tuple[str, str], np.ndarray] = {}

    def make(text: str, voice: str = "en-us+m3") -> np.ndarray:
        if (text, voice) not in cache:
            raw = folder / f"{len(cache)}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
            with wave.open(str(raw)) as w:
                rate = w.getframerate()
                audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
            # espeak speaks at 22.05 kHz: resample by interpolation (good enough for speech tests)
            n = int(len(audio) * SAMPLE_RATE / rate)
            audio = np.interp(np.arange(n) * rate / SAMPLE_RATE, np.arange(len(audio)), audio).astype(
                np.float32
            )
            loud = np.flatnonzero(np.abs(audio) > 0.01)
            cache[(text, voice)] = audio[loud[0] : loud[-1] + 1]
        return cache[(text, voice)]

    return make


@pytest.fixture(scope="session")
def whisper():  # type: ignore[no-untyped-def]
    from app.audio.asr import load_transcriber
    from app.settings import Settings

    return load_transcriber(Settings())


def place(total: float, clips: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """A track of `total` seconds with each clip starting at its time."""
    out = np.zeros(int(total * SAMPLE_RATE), dtype=np.float32)
    for at, clip in clips:
        lo = int(at * SAMPLE_RATE)
        out[lo : lo + len(clip)] += clip[: len(out) - lo]
    return out


def write_wav(path: Path, *channels: np.ndarray) -> Path:
    n = max(len(c) for c in channels)
    data = np.zeros((n, len(channels)), dtype=np.float32)
    for k, c in enumerate(channels):
        data[: len(c), k] = c
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(float_to_pcm16(data.reshape(-1)))
    return path
