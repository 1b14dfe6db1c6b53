"""Fakes and scripted audio for speech-engine tests that run without the Whisper model.

`tone_track` scripts speech on a timeline (a modulated tone where speech is, silence elsewhere);
`LoudnessVad` calls a chunk speech when it is loud, so VAD timing is exact and known;
`ScriptedTranscriber` writes one word per half second of loud audio and can take its time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from app.audio.asr import DecodeRequest, RecognizedSegment, Transcription
from app.audio.events import Word
from app.audio.frames import SAMPLE_RATE, float_to_pcm16

SPEECH_LEVEL = 0.3


def tone_track(
    total: float, speech: list[tuple[float, float]], *, level: float = SPEECH_LEVEL, hz: float = 220.0
) -> np.ndarray:
    """`total` seconds of float audio with a syllable-like modulated tone inside each (start, end)."""
    out = np.zeros(int(total * SAMPLE_RATE), dtype=np.float32)
    for start, end in speech:
        lo, hi = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        t = np.arange(hi - lo) / SAMPLE_RATE
        # 4 Hz loudness swings, like syllables, never quite silent.
        envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
        out[lo:hi] = level * envelope * np.sin(2 * np.pi * hz * t)
    return out


def pcm(samples: np.ndarray) -> bytes:
    return float_to_pcm16(samples)


class LoudnessVad:
    """A chunk is speech (probability 1) when its RMS passes `threshold`."""

    def __init__(self, threshold: float = 0.01) -> None:
        self.threshold = threshold

    def probabilities(self, chunks: np.ndarray) -> np.ndarray:
        rms = np.sqrt(np.mean(np.square(chunks), axis=1))
        return (rms > self.threshold).astype(np.float32)


@dataclass
class ScriptedTranscriber:
    """One word ("w<second>") per half second of loud audio; optional decode time per call."""

    delay: float = 0.0
    partial_delay: float | None = None
    calls: list[tuple[str, float]] = field(default_factory=list)
    text: str | None = None
    """When set, every decode returns this text as one segment instead."""
    scores: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def transcribe(self, audio: np.ndarray, request: DecodeRequest) -> Transcription:
        with self.lock:
            self.calls.append((request.kind, len(audio) / SAMPLE_RATE))
        delay = self.delay if request.kind == "final" or self.partial_delay is None else self.partial_delay
        if delay:
            time.sleep(delay)
        duration = len(audio) / SAMPLE_RATE
        if self.text is not None:
            return (RecognizedSegment(self.text, 0.0, duration, **self.scores),)
        words: list[Word] = []
        step = SAMPLE_RATE // 2
        for lo in range(0, len(audio) - step + 1, step):
            if np.sqrt(np.mean(np.square(audio[lo : lo + step]))) > 0.02:
                start = lo / SAMPLE_RATE
                words.append(Word(f"w{start:.1f}", start, start + 0.4, 0.9))
        if not words:
            return ()
        return (
            RecognizedSegment(
                " ".join(w.text for w in words), words[0].start, words[-1].end, tuple(words), **self.scores
            ),
        )
