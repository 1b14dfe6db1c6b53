"""The speech engine as the live server uses it: one model, one scheduler, many tracks.

`SpeechEngine` owns the Whisper model and the decode scheduler; `open_track()` gives a
`LiveTrack` per (call, track). Feeding a track runs the VAD inline (it is cheap) and queues
decodes; events reach the track's `on_event` in the event loop, in order.

A decode makes one round: the track's processor plans it (an immutable `DecodeJob`), the
`LiveTrack` submits it to the scheduler, and the scheduler's answer goes back to the processor
in one call (`resolve`), which returns the events it completes. The processor alone decides
what is still wanted; this module only carries jobs and results.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType

import numpy as np

from app.audio.asr import Transcriber, Transcription, final_request, load_transcriber
from app.audio.bleed import Loudness
from app.audio.events import Event
from app.audio.frames import SAMPLE_RATE
from app.audio.jobs import DecodeJob
from app.audio.scheduler import DecodeScheduler, Scheduler, SchedulerStats, TrackKey
from app.audio.stream import TextContext, TrackProcessor
from app.audio.vad import SileroVad, Vad
from app.settings import Settings
from nlp.types import Speaker

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], Awaitable[None] | None]


@dataclass
class _Call:
    # The customer's loudness, read by the interviewer track for mic-bleed checks. Closed until
    # a customer track opens, so an interviewer alone never waits for it.
    customer: Loudness = field(default_factory=Loudness)
    tracks: dict[Speaker, LiveTrack] = field(default_factory=dict)
    # What was said lately on either track: Whisper's context for the next final.
    context: TextContext = field(default_factory=TextContext)

    def __post_init__(self) -> None:
        self.customer.open = False


class SpeechEngine:
    """One per process: the shared model and decode scheduler for every call."""

    def __init__(
        self,
        settings: Settings,
        *,
        transcriber: Transcriber | None = None,
        vad_factory: Callable[[], Vad] = SileroVad,
    ) -> None:
        """`transcriber` and `vad_factory` replace Whisper and Silero (tests)."""
        self.settings = settings
        self._transcriber = transcriber
        self._vad_factory = vad_factory
        self._scheduler: Scheduler | None = None
        self._calls: dict[str, _Call] = {}

    async def start(self) -> None:
        """Load Whisper (in a thread, unless a transcriber was given) and start the worker."""
        if self._scheduler is not None:
            return
        if self.settings.redis_url and self._transcriber is None:
            # Decoding is done by `secondear worker` processes; this process only runs the VAD.
            from app.scale.remote import RemoteScheduler

            self._scheduler = RemoteScheduler(self.settings)
            await self._scheduler.start()
            return
        slots = 1  # a transcriber given from outside (tests) takes one decode at a time
        if self._transcriber is None:
            slots = self.settings.decode_slots
            self._transcriber = await asyncio.to_thread(load_transcriber, self.settings, slots)
            # The first decode is slower (allocations); pay for it before the first call does.
            warm = np.zeros(SAMPLE_RATE, dtype=np.float32)
            await asyncio.to_thread(self._transcriber.transcribe, warm, final_request(self.settings))
        self._scheduler = DecodeScheduler(
            self._transcriber, partial_max_lag=self.settings.partial_max_lag, slots=slots
        )
        await self._scheduler.start()

    async def aclose(self) -> None:
        for call in list(self._calls.values()):
            for track in list(call.tracks.values()):
                track.abort()
        self._calls.clear()
        if self._scheduler is not None:
            await self._scheduler.aclose()
            self._scheduler = None

    async def __aenter__(self) -> SpeechEngine:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @property
    def queue_lag(self) -> float:
        """Seconds the oldest waiting decode has waited."""
        return 0.0 if self._scheduler is None else self._scheduler.queue_lag

    @property
    def scheduler(self) -> Scheduler | None:
        return self._scheduler

    @property
    def stats(self) -> SchedulerStats:
        return SchedulerStats() if self._scheduler is None else self._scheduler.stats

    def open_track(
        self, call_id: str, track: Speaker, on_event: EventHandler, *, start_at: float = 0.0
    ) -> LiveTrack:
        """Start processing one track of a call; `start_at` is the call time its audio starts at."""
        if self._scheduler is None:
            raise RuntimeError("the speech engine is not started")
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = _Call(context=TextContext(self.settings.final_context_words))
        if track in call.tracks:
            raise ValueError(f"track {track} of call {call_id} is already open")
        if track == "customer":
            # The same Loudness across reconnects: the interviewer's processor holds it.
            processor = TrackProcessor(
                track,
                self.settings,
                vad=self._vad_factory(),
                start_at=start_at,
                loudness=call.customer,
                context=call.context,
            )
            call.customer.open = True
        else:
            processor = TrackProcessor(
                track,
                self.settings,
                vad=self._vad_factory(),
                start_at=start_at,
                reference=call.customer,
                context=call.context,
            )
        live = LiveTrack(self, self._scheduler, call_id, processor, on_event)
        call.tracks[track] = live
        return live

    def _forget(self, live: LiveTrack) -> None:
        call = self._calls.get(live.call_id)
        if call is None or call.tracks.get(live.track) is not live:
            return
        del call.tracks[live.track]
        if live.track == "customer":
            call.customer.open = False
        if not call.tracks:
            del self._calls[live.call_id]


class LiveTrack:
    """One track of a live call. Keep it across socket reconnects; `finish()` at the end."""

    def __init__(
        self,
        engine: SpeechEngine,
        scheduler: Scheduler,
        call_id: str,
        processor: TrackProcessor,
        on_event: EventHandler,
    ) -> None:
        self.call_id = call_id
        self.track: Speaker = processor.track
        self._engine = engine
        self._scheduler = scheduler
        self._processor = processor
        self._on_event = on_event
        self._key: TrackKey = (call_id, processor.track)
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        # Set while the processor awaits no decode: `finish()` waits for it.
        self._settled = asyncio.Event()
        self._settled.set()
        self._closed = False

    @property
    def clock(self) -> float:
        """Call time of the audio fed so far."""
        return self._processor.clock

    @property
    def speaking(self) -> bool:
        return self._processor.speaking

    def feed(self, pcm: bytes) -> None:
        """Take PCM16LE mono 16 kHz bytes of any length."""
        if self._closed:
            raise RuntimeError(f"track {self.track} of call {self.call_id} is finished")
        self._emit(self._processor.feed(pcm))
        self._submit()

    def flush(self) -> None:
        """End the open segment now (capture paused)."""
        if not self._closed:
            self._emit(self._processor.flush())
            self._submit()

    async def finish(self) -> None:
        """No more audio: flush, then return once every event of the track was delivered."""
        if self._closed:
            return
        self._emit(self._processor.finish())
        self._submit()
        await self._settled.wait()
        await self._events.join()
        self._close()

    def abort(self) -> None:
        """Stop now: waiting decodes are dropped and nothing more is delivered."""
        if self._closed:
            return
        self._processor.abort()
        self._scheduler.remove_track(self._key)
        self._settled.set()
        self._close()

    def _close(self) -> None:
        self._closed = True
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        self._engine._forget(self)

    def _submit(self) -> None:
        for job in self._processor.take_jobs():
            # `done` may come at once (a partial dropped under load): `_done` handles it then.
            self._scheduler.submit(self._key, job, self._done)
        self._settle()

    def _done(self, job: DecodeJob, result: Transcription | None) -> None:
        """The scheduler's answer, handed to the processor; resolving plans no new decode."""
        if self._closed:
            return
        self._emit(self._processor.resolve(job, result))
        self._settle()

    def _settle(self) -> None:
        if self._processor.awaiting:
            self._settled.clear()
        else:
            self._settled.set()

    def _emit(self, events: list[Event]) -> None:
        if not events or self._closed:
            return
        for event in events:
            self._events.put_nowait(event)
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(
                self._deliver(), name=f"secondear-events-{self.call_id}-{self.track}"
            )

    async def _deliver(self) -> None:
        while True:
            event = await self._events.get()
            try:
                outcome = self._on_event(event)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                log.exception("the event handler of %s/%s failed on %r", self.call_id, self.track, event)
            finally:
                self._events.task_done()
