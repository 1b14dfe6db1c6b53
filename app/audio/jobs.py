"""A decode job: one piece of a track's audio to transcribe, as the stream processor plans it,
the scheduler queues it and the engine runs it.

The processor creates jobs and alone changes them (`cancelled` when the text is no longer
wanted, `confirmed` when a speculative final's endpoint comes); the scheduler only reads those
flags to skip or order jobs, and the engine hands each result back to the processor.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.audio.asr import DecodeKind, DecodeRequest, Transcription
from app.audio.frames import SAMPLE_RATE, Samples


@dataclass(eq=False)
class DecodeJob:
    """One piece of a track's audio to decode. Mutable: the processor cancels and confirms it."""

    kind: DecodeKind
    request: DecodeRequest
    audio: Samples
    offset: float
    """Call time of audio[0]."""
    piece: int
    """Which piece of the track (segments and forced splits are numbered in order)."""
    start: float
    """Call time the piece's speech starts."""
    end: float
    """Call time the piece's speech ends (for partials: the last audio heard)."""
    end_chunk: int
    speculative: bool = False
    cancelled: bool = False
    """Set by the processor when the result is no longer wanted; the scheduler then skips it."""
    confirmed: bool = True
    """False for a speculative final until its endpoint is confirmed."""
    result: Transcription | None = None
    trailing: bool = True
    """The piece ends where speech stopped (not at a forced split): its audio has a silent tail."""

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE
