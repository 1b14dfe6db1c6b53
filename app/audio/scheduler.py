"""One decode queue and one worker thread for every track of every call in the process.

Whisper on two cores decodes one thing at a time at best, so there is exactly one worker and
a policy for what it takes next (`JobQueue.pop`): finals before partials (confirmed finals
before speculative ones); calls in turn, and the tracks of a call in turn; only the newest
partial of a track waits (an older one is stale by definition), and none is queued while the
oldest job has waited more than `partial_max_lag`; cancelled jobs are skipped. Finals are never
dropped.

The policy lives in the event loop, so it needs no lock: the worker thread only runs
`Transcriber.transcribe` (CTranslate2 releases the GIL while it computes). Jobs are immutable;
`job.cancelled` and `job.confirmed` are read here, and changed only by the processor that planned
them (`jobs.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from app.audio.asr import Transcriber, Transcription
from app.audio.jobs import DecodeJob

log = logging.getLogger(__name__)

TrackKey = tuple[str, str]  # (call id, track)
Done = Callable[[DecodeJob, Transcription | None], None]
# A track's partials may use at most 1/PARTIAL_DUTY of the worker's time: under load (slower
# decodes) they come less often by themselves.
PARTIAL_DUTY = 4.0


class Scheduler(Protocol):
    """What the speech engine needs from a scheduler: this module's `DecodeScheduler` (one
    process) or `app.scale.remote.RemoteScheduler` (decode workers over Redis)."""

    stats: SchedulerStats

    async def start(self) -> None: ...
    async def aclose(self) -> None: ...
    def submit(self, key: TrackKey, job: DecodeJob, done: Done) -> None: ...
    def remove_track(self, key: TrackKey) -> None: ...
    @property
    def queue_lag(self) -> float: ...


@dataclass
class PartialGate:
    """Back-pressure for partials, all tracks together: partials give way first, finals never.

    The per-track duty above bounds each track, not their sum: four calls are eight tracks, whose
    partials alone could keep the decoder busy, and a final that arrives waits behind a partial
    already decoding. So, over the last `window` seconds, partials may use at most `share` of the
    decoder's time; and once a final had to wait more than `final_wait` for its decode to begin,
    no partial is queued or started for `hold` seconds. The clock is the caller's (tested with a
    scripted timeline).
    """

    share: float = 0.3
    window: float = 10.0
    final_wait: float = 0.5
    hold: float = 4.0
    _spent: deque[tuple[float, float]] = field(default_factory=deque)
    """(when it ended, seconds) of the recent partial decodes."""
    _hold_until: float = float("-inf")

    def allows(self, now: float) -> bool:
        """Whether a partial may be queued, or started, now."""
        if now < self._hold_until:
            return False
        while self._spent and self._spent[0][0] < now - self.window:
            self._spent.popleft()
        return sum(seconds for _, seconds in self._spent) < self.share * self.window

    def partial_decoded(self, now: float, seconds: float) -> None:
        self._spent.append((now, seconds))

    def final_started(self, now: float, waited: float) -> None:
        """A final's decode begins after waiting `waited` seconds in the queue."""
        if waited > self.final_wait:
            self._hold_until = max(self._hold_until, now + self.hold)


@dataclass(eq=False)
class Entry:
    key: TrackKey
    job: DecodeJob
    done: Done
    submitted: float


@dataclass
class SchedulerStats:
    """Counters since start; decode seconds are wall time in the worker."""

    pending: int = 0
    finals: int = 0
    partials: int = 0
    dropped_partials: int = 0
    cancelled: int = 0
    final_seconds: float = 0.0
    partial_seconds: float = 0.0
    max_final_wait: float = 0.0
    """Longest a final waited in the queue before its decode began."""
    skipped_speculations: int = 0
    """Speculative finals not queued because other finals were waiting or running."""
    wasted: int = 0
    """Decodes whose result was no longer wanted when they finished (speech went on)."""


@dataclass
class JobQueue:
    """The pick policy, with no threads and no clock of its own (tested on its own)."""

    _finals: dict[TrackKey, deque[Entry]] = field(default_factory=dict)
    _partials: dict[TrackKey, Entry] = field(default_factory=dict)
    _calls: deque[str] = field(default_factory=deque)
    _tracks: dict[str, deque[str]] = field(default_factory=dict)

    def push(self, entry: Entry) -> list[Entry]:
        """Queue `entry`; return the entries it makes stale (dropped partials of its track)."""
        call, track = entry.key
        if call not in self._tracks:
            self._tracks[call] = deque()
            self._calls.append(call)
        if track not in self._tracks[call]:
            self._tracks[call].append(track)
        stale: list[Entry] = []
        old = self._partials.pop(entry.key, None)
        if old is not None:
            stale.append(old)
        if entry.job.kind == "partial":
            self._partials[entry.key] = entry
        else:
            self._finals.setdefault(entry.key, deque()).append(entry)
        return stale

    def pop(self) -> Entry | None:
        """The next entry to decode, or None when nothing waits."""
        # Confirmed finals first, then speculative ones (their endpoint may still not come),
        # then partials.
        for kind in ("confirmed", "final", "partial"):
            for _ in range(len(self._calls)):
                call = self._calls[0]
                tracks = self._tracks[call]
                for _ in range(len(tracks)):
                    track = tracks[0]
                    entry = self._take(kind, (call, track))
                    if entry is not None:
                        tracks.rotate(-1)
                        self._calls.rotate(-1)
                        self._forget_idle(call)
                        return entry
                    tracks.rotate(-1)
                self._calls.rotate(-1)
        return None

    def remove(self, key: TrackKey) -> list[Entry]:
        """Take every entry of a track out (the track was aborted)."""
        out = list(self._finals.pop(key, ()))
        partial = self._partials.pop(key, None)
        if partial is not None:
            out.append(partial)
        self._forget_idle(key[0])
        return out

    def oldest(self) -> float | None:
        """When the longest-waiting entry was submitted."""
        times = [q[0].submitted for q in self._finals.values() if q]
        times += [e.submitted for e in self._partials.values()]
        return min(times) if times else None

    def has_finals(self) -> bool:
        return any(self._finals.values())

    def __len__(self) -> int:
        return sum(len(q) for q in self._finals.values()) + len(self._partials)

    def _take(self, kind: str, key: TrackKey) -> Entry | None:
        if kind in ("confirmed", "final"):
            queue = self._finals.get(key)
            if queue and (kind == "final" or queue[0].job.confirmed):
                entry = queue.popleft()
                if not queue:
                    del self._finals[key]
                return entry
            return None
        return self._partials.pop(key, None)

    def _forget_idle(self, call: str) -> None:
        tracks = self._tracks.get(call)
        if tracks is None:
            return
        for track in list(tracks):
            key = (call, track)
            if key not in self._finals and key not in self._partials:
                tracks.remove(track)
        if not tracks:
            del self._tracks[call]
            self._calls.remove(call)


class DecodeScheduler:
    """Runs queued decode jobs on `slots` worker threads (the transcriber must take that many
    decodes at once); results come back in the event loop.

    Why more than one slot: a live final mostly waits behind the decode in progress, not for CPU.
    Two tiny.en decodes of one thread each finish in the time one decode of two threads takes
    (0.28 s each on 2 cores, measured), so two slots halve the wait."""

    def __init__(
        self,
        transcriber: Transcriber,
        *,
        clock: Callable[[], float] = time.monotonic,
        partial_max_lag: float = float("inf"),
        slots: int = 1,
    ) -> None:
        self._transcriber = transcriber
        self._slots = max(1, slots)
        self._partial_max_lag = partial_max_lag
        self._clock = clock
        self._queue = JobQueue()
        self._wake = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running: list[Entry] = []
        self._partial_cost = 0.0  # recent seconds per partial decode (moving average)
        self._last_partial: dict[TrackKey, float] = {}
        self.partial_gate = PartialGate()
        self.stats = SchedulerStats()

    async def start(self) -> None:
        if not self._tasks:
            self._executor = ThreadPoolExecutor(self._slots, thread_name_prefix="secondear-decode")
            self._tasks = [
                asyncio.create_task(self._run(), name=f"secondear-decode-{k}") for k in range(self._slots)
            ]

    async def aclose(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._executor is not None:
            # Waits for a decode in progress (at most a second or two) so the thread ends cleanly.
            await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
            self._executor = None

    def submit(self, key: TrackKey, job: DecodeJob, done: Done) -> None:
        """Queue a job; `done(job, result)` is called in the event loop (result None: dropped)."""
        now = self._clock()
        if job.kind == "partial" and (
            self.queue_lag > self._partial_max_lag
            or now - self._last_partial.get(key, -1e9) < PARTIAL_DUTY * self._partial_cost
            or not self.partial_gate.allows(now)
        ):
            # Behind already, or partials would take too much of the worker: this one would
            # only be stale by the time it is decoded. The track asks again later.
            self.stats.dropped_partials += 1
            done(job, None)
            return
        if job.kind == "final" and not job.confirmed and self._finals_busy():
            # Speculation only uses spare time: it must never delay another track's final.
            self.stats.skipped_speculations += 1
            done(job, None)
            return
        if job.kind == "partial":
            self._last_partial[key] = now
        for stale in self._queue.push(Entry(key, job, done, now)):
            self.stats.dropped_partials += 1
            stale.done(stale.job, None)
        self.stats.pending = len(self._queue)
        self._wake.set()

    def remove_track(self, key: TrackKey) -> None:
        """Forget a track's waiting jobs without calling their `done`."""
        self._queue.remove(key)
        self.stats.pending = len(self._queue)

    @property
    def queue_lag(self) -> float:
        """Seconds the oldest waiting job has waited (0 when none waits)."""
        oldest = self._queue.oldest()
        return 0.0 if oldest is None else max(0.0, self._clock() - oldest)

    def _finals_busy(self) -> bool:
        return any(e.job.kind == "final" for e in self._running) or self._queue.has_finals()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            entry = self._queue.pop()
            self.stats.pending = len(self._queue)
            if entry is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            job = entry.job
            if job.cancelled:
                self.stats.cancelled += 1
                entry.done(job, None)
                continue
            started = self._clock()
            if job.kind == "partial" and not self.partial_gate.allows(started):
                # Queued before the load came: by now a final would wait behind it.
                self.stats.dropped_partials += 1
                entry.done(job, None)
                continue
            if job.kind == "final":
                self.stats.max_final_wait = max(self.stats.max_final_wait, started - entry.submitted)
                self.partial_gate.final_started(started, started - entry.submitted)
            self._running.append(entry)
            result: Transcription | None
            try:
                result = await loop.run_in_executor(
                    self._executor, self._transcriber.transcribe, job.audio, job.request
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("decoding %s audio of %s failed", job.kind, entry.key)
                result = None
            finally:
                self._running.remove(entry)
            spent = self._clock() - started
            if job.kind == "final":
                self.stats.finals += 1
                self.stats.final_seconds += spent
            else:
                self.stats.partials += 1
                self.stats.partial_seconds += spent
                self._partial_cost = (
                    spent if not self._partial_cost else 0.7 * self._partial_cost + 0.3 * spent
                )
                self.partial_gate.partial_decoded(self._clock(), spent)
            if job.cancelled:
                self.stats.wasted += 1
            try:
                entry.done(job, result)
            except Exception:
                log.exception("delivering a decode result of %s failed", entry.key)
