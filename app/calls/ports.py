"""What a live call needs from the speech engine and the detectors, as protocols.

The real ones are `app.audio.engine.SpeechEngine` and `nlp.pipeline.Tagger`; the tests plug
in fakes (tests/server/fakes.py) with the same shape, so the server logic is tested without
decoding audio.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from app.audio.events import Event
from nlp.types import Speaker, Tag, Utterance

EventHandler = Callable[[Event], Awaitable[None] | None]


class LiveTrackLike(Protocol):
    def feed(self, pcm: bytes) -> None: ...
    def flush(self) -> None: ...
    async def finish(self) -> None: ...
    def abort(self) -> None: ...


class SpeechEngineLike(Protocol):
    async def start(self) -> None: ...
    async def aclose(self) -> None: ...
    def open_track(
        self, call_id: str, track: Speaker, on_event: EventHandler, *, start_at: float = 0.0
    ) -> LiveTrackLike: ...
    @property
    def queue_lag(self) -> float: ...


class TaggerLike(Protocol):
    def tag(self, utterance: Utterance) -> Tag: ...
