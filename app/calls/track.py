"""One track of a live call (the interviewer's microphone, or the customer's tab): who holds
it, how much audio it has (its clock), the speech engine's stream of it, and its recording."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.calls import recording
from app.calls.ports import LiveTrackLike
from app.protocol import SAMPLE_RATE, CloseCode
from nlp.types import Speaker


@dataclass(eq=False)
class AudioClaim:
    """An audio socket's hold on one track; the session asks it to close by setting `kick`."""

    track: Speaker
    last_seen: float = field(default_factory=time.monotonic)
    kick: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: CloseCode = CloseCode.NORMAL
    close_reason: str = ""

    def close(self, code: CloseCode, reason: str) -> None:
        if not self.kick.is_set():
            self.close_code, self.close_reason = code, reason
            self.kick.set()


@dataclass(eq=False)
class Track:
    name: Speaker
    received: int = 0
    """Samples held: the track's clock, which only audio advances."""
    persisted: int = 0
    """Samples whose count is stored: what a restarted server resumes from, and what is acked."""
    live: LiveTrackLike | None = None
    """The speech engine's stream of this track, open while audio comes."""
    claim: AudioClaim | None = None
    paused: bool = False
    mixed: bool = False
    """Both people on this one track (one microphone in the room): its speech is split by voice."""
    recorder: recording.TrackRecorder | None = None
    idle_flush: asyncio.TimerHandle | None = None
    """Flushes the open segment when the socket dropped and no reconnect came."""

    @classmethod
    def resume(
        cls,
        name: Speaker,
        received: int,
        recordings: Path | None,
        chunk_seconds: float,
        *,
        mixed: bool = False,
    ) -> Track:
        recorder = None if recordings is None else recording.TrackRecorder(recordings / name, chunk_seconds)
        return cls(name, received=received, persisted=received, recorder=recorder, mixed=mixed)

    @property
    def seconds(self) -> float:
        return self.received / SAMPLE_RATE

    def held(self) -> bool:
        """An audio socket is streaming this track (and has not been asked to close)."""
        return self.claim is not None and not self.claim.kick.is_set()

    def cancel_idle_flush(self) -> None:
        if self.idle_flush is not None:
            self.idle_flush.cancel()
            self.idle_flush = None

    def write(self, pcm: bytes) -> Path | None:
        """Advance the clock by `pcm` (already fed to `live`) and record it; a full recording
        chunk is closed and its path returned, to be sealed."""
        position = self.received
        self.received = position + len(pcm) // 2
        if self.recorder is None:
            return None
        self.recorder.write(position, pcm)
        return self.recorder.close() if self.recorder.full() else None

    def close_recording(self) -> Path | None:
        return None if self.recorder is None else self.recorder.close()
