"""The decode scheduler of a server whose decoding is done by `secondear worker` processes.

Same shape as `app.audio.scheduler.DecodeScheduler` (the speech engine cannot tell them apart):
`submit(key, job, done)` puts the job on the finals' or the partials' stream; the workers' answers
come back on this server's replies stream and reach `done` in the event loop.

What can go wrong and what happens then:
- a worker dies holding a job: another worker claims it (worker.py); the answer still comes here;
- Redis restarts and loses every stream: the connection is made again, and every final not yet
  answered is sent again (so is one unanswered for `decode_resend_seconds`); partials are dropped;
- two answers come for one job (a slow worker was taken over): the first one counts.
The server's own policy still applies before anything is sent: only the newest partial of a track,
none while finals lag; no speculative finals (a worker could not drop them once cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.audio.asr import Transcription
from app.audio.jobs import DecodeJob
from app.audio.scheduler import PARTIAL_DUTY, Done, SchedulerStats, TrackKey
from app.scale import wire
from app.settings import Settings

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 0.5
# An unanswered partial is given up after this long (a newer one is more useful anyway).
PARTIAL_GIVE_UP_SECONDS = 5.0


def process_id(role: str) -> str:
    """A name for this process that no other process shares (host, pid, random)."""
    return f"{role}-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(eq=False)
class Pending:
    key: TrackKey
    job: DecodeJob
    done: Done
    submitted: float
    sent: float = 0.0
    """When it was last put on a stream (0: not yet)."""
    message_id: bytes | str | None = None
    """Its id on the stream, to tell a job still queued from one Redis lost."""


class RemoteScheduler:
    def __init__(self, settings: Settings, *, server_id: str | None = None) -> None:
        assert settings.redis_url, "RemoteScheduler needs SECONDEAR_REDIS_URL"
        self.settings = settings
        self.server_id = server_id or process_id("server")
        self.replies = wire.replies_stream(self.server_id)
        self.redis: aioredis.Redis = aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=5
        )
        self.stats = SchedulerStats()
        self.connected = False
        self.reconnects = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, Pending] = {}
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._partial_cost = 0.0  # recent seconds per partial decode, as the workers report them
        self._last_partial: dict[TrackKey, float] = {}

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._send_loop(), name="secondear-remote-send"),
                asyncio.create_task(self._reply_loop(), name="secondear-remote-replies"),
                asyncio.create_task(self._watch_loop(), name="secondear-remote-watch"),
            ]

    async def aclose(self) -> None:
        self._closing = True
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            # redis-py may turn a cancelled read into a connection error; the loops then see
            # `_closing` and return. The timeout is a backstop, not the plan.
            await asyncio.wait(tasks, timeout=5)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()

    # --- the scheduler interface ----------------------------------------------------------------
    def submit(self, key: TrackKey, job: DecodeJob, done: Done) -> None:
        now = time.monotonic()
        if job.kind == "partial":
            behind = self.queue_lag > self.settings.partial_max_lag
            waiting = any(p.key == key and p.job.kind == "partial" for p in self._pending.values())
            # As in one process: a track's partials take at most 1/PARTIAL_DUTY of a decoder's time.
            too_soon = now - self._last_partial.get(key, -1e9) < PARTIAL_DUTY * self._partial_cost
            if behind or waiting or too_soon or not self.connected:
                # Stale by the time it would be decoded; the track asks again with newer audio.
                self.stats.dropped_partials += 1
                done(job, None)
                return
        elif not job.confirmed:
            # A speculative final is sent only once its endpoint is confirmed: a worker cannot see
            # that a job was cancelled after it left (speech went on), and would decode it anyway.
            self.stats.skipped_speculations += 1
            done(job, None)
            return
        if job.kind == "partial":
            self._last_partial[key] = now
        job_id = f"{self.server_id}:{next(self._ids)}"
        self._pending[job_id] = Pending(key, job, done, now)
        self._outbox.append(job_id)
        self.stats.pending = len(self._pending)
        self._wake.set()

    def remove_track(self, key: TrackKey) -> None:
        for job_id in [i for i, p in self._pending.items() if p.key == key]:
            del self._pending[job_id]
        self._last_partial.pop(key, None)
        self.stats.pending = len(self._pending)

    @property
    def queue_lag(self) -> float:
        """Seconds the oldest unanswered job of this server has waited."""
        if not self._pending:
            return 0.0
        return max(0.0, time.monotonic() - min(p.submitted for p in self._pending.values()))

    # --- the loops ------------------------------------------------------------------------------
    async def _send_loop(self) -> None:
        while not self._closing:
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            job_id = self._outbox[0]
            entry = self._pending.get(job_id)
            if entry is None or entry.job.cancelled:
                self._outbox.popleft()
                if entry is not None:
                    self._answer(job_id, None, 0.0)
                continue
            message = wire.WireJob(job_id, self.replies, entry.job.request, entry.job.audio, time.time())
            stream = wire.STREAMS[entry.job.kind]
            try:
                if entry.job.kind == "partial":
                    message_id = await self.redis.xadd(
                        stream, message.fields(), maxlen=wire.PARTIALS_MAXLEN, approximate=True
                    )
                else:
                    message_id = await self.redis.xadd(stream, message.fields())
            except (RedisError, OSError) as exc:
                if self._closing:
                    return
                self._lost(exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            entry.sent = time.monotonic()
            entry.message_id = message_id
            self._outbox.popleft()

    async def _reply_loop(self) -> None:
        last = "0"  # the stream is this process's own: everything on it is for us
        while not self._closing:
            try:
                if not self.connected:
                    await self.redis.ping()
                    # Redis may have restarted empty: what was sent and not answered is sent again.
                    self._on_connected()
                replies: Any = await self.redis.xread({self.replies: last}, count=100, block=1000)
            except (RedisError, OSError) as exc:
                if self._closing:
                    return
                self._lost(exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            for _stream, messages in replies:
                for message_id, fields in messages:
                    last = message_id.decode()
                    try:
                        reply = wire.WireResult.parse(fields)
                    except (KeyError, ValueError):
                        log.exception("an unreadable decode answer on %s", self.replies)
                        continue
                    self._answer(reply.id, reply.result, reply.seconds)
            with contextlib.suppress(RedisError, OSError):
                if replies:
                    await self.redis.xtrim(self.replies, maxlen=wire.REPLIES_MAXLEN, approximate=True)
                    await self.redis.expire(self.replies, wire.REPLIES_TTL_SECONDS)

    async def _watch_loop(self) -> None:
        """Send a final again when it went unanswered too long; give up on old partials."""
        while not self._closing:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for job_id, p in list(self._pending.items()):
                if not p.sent:
                    continue
                if p.job.kind == "partial" and now - p.sent > PARTIAL_GIVE_UP_SECONDS:
                    self.stats.dropped_partials += 1
                    self._answer(job_id, None, 0.0)
                elif p.job.kind == "final" and now - p.sent > self.settings.decode_resend_seconds:
                    await self._check_lost(job_id, p)

    # --- helpers --------------------------------------------------------------------------------
    def _answer(self, job_id: str, result: Transcription | None, seconds: float) -> None:
        entry = self._pending.pop(job_id, None)
        self.stats.pending = len(self._pending)
        if entry is None:
            return  # answered already (a job taken over from a slow worker), or its track is gone
        if result is not None:
            if entry.job.kind == "final":
                self.stats.finals += 1
                self.stats.final_seconds += seconds
            else:
                self.stats.partials += 1
                self.stats.partial_seconds += seconds
                self._partial_cost = (
                    seconds if not self._partial_cost else 0.7 * self._partial_cost + 0.3 * seconds
                )
            if entry.job.cancelled:
                self.stats.wasted += 1
        try:
            entry.done(entry.job, result)
        except Exception:
            log.exception("delivering a decode result of %s failed", entry.key)

    async def _check_lost(self, job_id: str, p: Pending) -> None:
        """A final unanswered for long: still on the stream means the workers are behind (sending
        it again would only add work); gone means Redis lost it, so it is sent again."""
        try:
            still = p.message_id is not None and bool(
                await self.redis.xrange(wire.FINALS, p.message_id, p.message_id)
            )
        except (RedisError, OSError):
            return  # the other loops notice and reconnect; resending happens then
        if still:
            p.sent = time.monotonic()
        else:
            log.warning("final %s was lost on the way (Redis restarted?): sending it again", job_id)
            self._resend(job_id)

    def _resend(self, job_id: str) -> None:
        entry = self._pending.get(job_id)
        if entry is not None and job_id not in self._outbox:
            entry.sent = 0.0
            self._outbox.append(job_id)
            self._wake.set()

    def _lost(self, exc: BaseException) -> None:
        if self.connected:
            log.warning("lost Redis (%s); reconnecting", exc)
        self.connected = False

    def _on_connected(self) -> None:
        if self.reconnects or any(p.sent for p in self._pending.values()):
            log.info("Redis is back: sending %d unanswered jobs again", len(self._pending))
        self.connected = True
        self.reconnects += 1
        for job_id, p in list(self._pending.items()):
            if p.job.kind == "partial" and p.sent:
                self.stats.dropped_partials += 1
                self._answer(job_id, None, 0.0)
            elif p.sent:
                self._resend(job_id)
