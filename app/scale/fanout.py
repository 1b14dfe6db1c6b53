"""Live events shared between server processes: each call's events on a Redis Stream.

The process that owns a call (`lease.py`) stores every event it keeps, publishes it to its own
sockets, and appends it to `secondear:events:<call id>` (`EventFanout`). Any other process asked
for the call's events socket relays that stream (`EventRelays`): one reader per call, whatever
the number of sockets, into a local `Hub`, so a buddy's events socket no longer has to reach the
owner and the load balancer need not route `/events` by call id.

A Stream rather than Pub/Sub, because a Stream keeps a position:
- a relay takes the stream's last id *before* it reads the call from the database, then reads the
  stream from that id. The owner stores an event before it appends it, so every event is either
  in the database read or after that id: the replay and the live tail meet with no gap (Pub/Sub
  would lose what was published between the database read and the subscription);
- a relay whose Redis connection drops reads on from its last id when it is back, instead of
  silently missing what was published meanwhile (Pub/Sub delivers only to connected clients).
The stream is capped (`EVENTS_MAXLEN`, far more than a relay lags behind) and expires a day after
its last event, so finished calls leave nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.calls.hub import Hub, Subscriber
from app.protocol import Role
from app.scale import wire

log = logging.getLogger(__name__)

EVENTS_MAXLEN = 5000
EVENTS_TTL_SECONDS = 24 * 3600
# Events the owner could not append yet (Redis away) are kept up to this many; older ones are
# dropped: a relayed socket that misses them reconnects to a `state` from the database anyway.
OUTBOX_LIMIT = 10_000
RETRY_SECONDS = 0.5
READ_BLOCK_MS = 1000

Mirror = Callable[[str, str | None], None]
"""What a hub hands every event it publishes: the serialized event and its type."""


def events_stream(call_id: str) -> str:
    return f"{wire.PREFIX}:events:{call_id}"


class EventFanout:
    """The owner's side: append each published event to its call's stream, in order."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self._outbox: deque[tuple[str, str, str]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def mirror(self, call_id: str) -> Mirror:
        """The hook for a call's hub (`Hub.mirror`)."""

        def push(text: str, kind: str | None) -> None:
            self.push(call_id, text, kind)

        return push

    def push(self, call_id: str, text: str, kind: str | None) -> None:
        # Called from the publisher's critical section: never waits on Redis.
        if len(self._outbox) >= OUTBOX_LIMIT:
            self._outbox.popleft()
            self.dropped += 1
        self._outbox.append((call_id, text, kind or ""))
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._send_loop(), name="secondear-fanout")

    async def _send_loop(self) -> None:
        failing = False
        while True:
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            call_id, text, kind = self._outbox[0]
            key = events_stream(call_id)
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.xadd(key, {"kind": kind, "event": text}, maxlen=EVENTS_MAXLEN, approximate=True)
                    pipe.expire(key, EVENTS_TTL_SECONDS)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("cannot append live events to Redis (%s); retrying", exc)
                failing = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            failing = False
            self._outbox.popleft()

    async def aclose(self, flush_seconds: float = 2.0) -> None:
        """Send what is left (briefly: a stopping server must not hang on a dead Redis)."""
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(flush_seconds):
                    while self._outbox and not self._task.done():
                        await asyncio.sleep(0.05)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass(eq=False)
class RelayedCall:
    """One call's events read from its stream in this process, for every socket relaying it."""

    call_id: str
    last_id: str
    hub: Hub = field(default_factory=Hub)
    task: asyncio.Task[None] | None = None


class EventRelays:
    """The other processes' side: the events of calls owned elsewhere, relayed to local sockets."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self._calls: dict[str, RelayedCall] = {}
        self._starting: dict[str, asyncio.Lock] = {}

    async def join(self, call_id: str, role: Role) -> Subscriber:
        """Subscribe a socket to the call's relayed events. Call it *before* reading the call from
        the database: every event stored after that read comes through the subscription."""
        relay = self._calls.get(call_id)
        if relay is None:
            lock = self._starting.setdefault(call_id, asyncio.Lock())
            async with lock:
                relay = self._calls.get(call_id)
                if relay is None:
                    relay = RelayedCall(call_id, await self._last_id(call_id))
                    relay.task = asyncio.create_task(self._read(relay), name=f"secondear-relay-{call_id}")
                    self._calls[call_id] = relay
            self._starting.pop(call_id, None)
        return relay.hub.subscribe(role)

    def leave(self, call_id: str, sub: Subscriber) -> None:
        relay = self._calls.get(call_id)
        if relay is None:
            return
        relay.hub.unsubscribe(sub)
        if len(relay.hub) == 0:
            del self._calls[call_id]
            if relay.task is not None:
                relay.task.cancel()

    def cut(self, call_id: str, sub: Subscriber) -> None:
        relay = self._calls.get(call_id)
        if relay is not None:
            relay.hub.cut(sub)

    def __len__(self) -> int:
        return sum(len(r.hub) for r in self._calls.values())

    async def _last_id(self, call_id: str) -> str:
        """Where the stream ends now ("0-0" when empty); without Redis, its start."""
        try:
            last: Any = await self.redis.xrevrange(events_stream(call_id), count=1)
        except (RedisError, OSError) as exc:
            log.warning(
                "call %s: Redis unavailable to relay its events (%s); reading on when back", call_id, exc
            )
            return "0-0"
        return _text(last[0][0]) if last else "0-0"

    async def _read(self, relay: RelayedCall) -> None:
        key = events_stream(relay.call_id)
        failing = False
        while True:
            try:
                found: Any = await self.redis.xread({key: relay.last_id}, count=200, block=READ_BLOCK_MS)
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("call %s: lost Redis while relaying events (%s)", relay.call_id, exc)
                failing = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            failing = False
            for _stream, entries in found or ():
                for entry_id, fields in entries:
                    relay.last_id = _text(entry_id)
                    event = fields.get(b"event")
                    if event is None:
                        log.warning("call %s: an event without text on its stream; skipped", relay.call_id)
                        continue
                    relay.hub.publish(_text(event), kind=_text(fields.get(b"kind", b"")) or None)

    async def aclose(self) -> None:
        relays, self._calls = list(self._calls.values()), {}
        for relay in relays:
            relay.hub.close()
            if relay.task is not None:
                relay.task.cancel()
        await asyncio.gather(*(r.task for r in relays if r.task is not None), return_exceptions=True)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
