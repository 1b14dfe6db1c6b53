"""Fakes with the shape of the speech engine and the tagger, so the server is tested without
decoding audio: speech is any 10 ms block louder than a threshold, and each speech segment's
final text is taken, in order, from a script per track."""

from __future__ import annotations

import asyncio
import math
import re
from collections import deque
from collections.abc import Iterable

import numpy as np

from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted
from app.calls.ports import EventHandler
from nlp.types import Flag, FlagHit, Speaker, Tag, Utterance

RATE = 16000
BLOCK = RATE // 100


def tone(seconds: float, freq: float = 220.0, amp: float = 0.3) -> bytes:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    return (amp * 32767 * np.sin(2 * math.pi * freq * t)).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * RATE))


def frames(pcm: bytes, ms: int = 100) -> list[bytes]:
    size = RATE * ms // 1000 * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


class FakeTrack:
    def __init__(
        self, engine: FakeEngine, call_id: str, track: Speaker, on_event: EventHandler, start_at: float
    ) -> None:
        self.engine, self.call_id, self.track, self.on_event = engine, call_id, track, on_event
        self.clock = start_at
        self.speaking = False
        self._start = 0.0
        self._last_voiced = 0.0
        self._carry = b""
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._deliver = asyncio.get_running_loop().create_task(self._run())
        self.aborted = False

    async def _run(self) -> None:
        while (event := await self._queue.get()) is not None:
            try:
                result = self.on_event(event)
                if result is not None:
                    await result
            except Exception as exc:  # the real engine logs and goes on, too
                self.engine.errors.append(exc)

    def feed(self, pcm: bytes) -> None:
        data = self._carry + pcm
        whole = len(data) - len(data) % (BLOCK * 2)
        self._carry = data[whole:]
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32) / 32768
        for i in range(0, len(samples), BLOCK):
            block = samples[i : i + BLOCK]
            loud = float(np.sqrt(np.mean(block**2))) > 0.01
            t0 = self.clock
            self.clock += len(block) / RATE
            if loud:
                if not self.speaking:
                    self.speaking = True
                    self._start = t0
                    self._queue.put_nowait(SpeechStarted(self.track, t0))
                self._last_voiced = self.clock
            elif self.speaking and self.clock - self._last_voiced >= self.engine.endpoint:
                self._end()
            if self.speaking and self.engine.partials and loud and int(self.clock * 10) % 10 == 0:
                self._queue.put_nowait(Partial(self.track, "…", self._start, self.clock))

    def _end(self) -> None:
        self.speaking = False
        start, end = self._start, self._last_voiced
        self._queue.put_nowait(SpeechEnded(self.track, end, start))
        text = self.engine.next_text(self.call_id, self.track)
        if text:
            self._queue.put_nowait(Final(self.track, text, start, end, ()))

    def flush(self) -> None:
        if self.speaking:
            self._end()

    async def finish(self) -> None:
        self.flush()
        self._queue.put_nowait(None)
        await self._deliver

    def abort(self) -> None:
        self.aborted = True
        self._deliver.cancel()


class FakeEngine:
    """`SpeechEngine`'s shape. `script(call_id, track, texts)` sets the finals a track will say."""

    def __init__(self, endpoint: float = 0.3, partials: bool = False) -> None:
        self.endpoint = endpoint
        self.partials = partials
        self.scripts: dict[tuple[str, Speaker], deque[str]] = {}
        self.default_text = "mm"
        self.tracks: list[FakeTrack] = []
        self.errors: list[BaseException] = []
        self.started = False

    def script(self, call_id: str, track: Speaker, texts: Iterable[str]) -> None:
        self.scripts.setdefault((call_id, track), deque()).extend(texts)

    def next_text(self, call_id: str, track: Speaker) -> str:
        queue = self.scripts.get((call_id, track))
        return queue.popleft() if queue else self.default_text

    async def start(self) -> None:
        self.started = True

    async def aclose(self) -> None:
        for track in self.tracks:
            track.abort()

    def open_track(
        self, call_id: str, track: Speaker, on_event: EventHandler, *, start_at: float = 0.0
    ) -> FakeTrack:
        live = FakeTrack(self, call_id, track, on_event, start_at)
        self.tracks.append(live)
        return live

    @property
    def queue_lag(self) -> float:
        return 0.0


CLOSED = re.compile(r"^(do|did|does|is|are|was|were|have|has|can|could|would|will)\b", re.I)


class FakeTagger:
    """Closed questions by their first word; workarounds and pains by a keyword."""

    def tag(self, utterance: Utterance) -> Tag:
        text = utterance.text.strip()
        if utterance.speaker == "interviewer" and text.endswith("?"):
            if CLOSED.match(text):
                hit = FlagHit(Flag.CLOSED_QUESTION, "fake.closed", text, "That question invites a yes or no.")
                return Tag("closed", (hit,), hit.message, "How do you handle this today?")
            return Tag("open")
        if utterance.speaker == "customer":
            hits = []
            if "spreadsheet" in text.lower():
                hits.append(FlagHit(Flag.WORKAROUND, "fake.workaround", "spreadsheet", "A workaround."))
            if "hate" in text.lower():
                hits.append(FlagHit(Flag.PAIN, "fake.pain", "hate", "A pain."))
            return Tag(None, tuple(hits))
        return Tag()
