"""Call ownership: one process at a time runs a call's pipeline.

A lease per call in Redis (`SET key me NX PX ttl`), renewed three times per TTL while the process
lives. When the process dies the lease runs out and the next process a client reconnects to takes
the call over from the database (the store has everything announced and the audio clock). A
process that finds its lease taken (it was cut off from Redis longer than the TTL) lets the call
go: its sockets are told to reconnect, and they reach the new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.scale import wire

log = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
# Renew if the key still holds our name; else report it lost. Atomic, so a lease another process
# took is never extended by us.
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class OwnedElsewhere(Exception):
    """Another live process runs this call."""


def lease_key(call_id: str) -> str:
    return f"{wire.PREFIX}:owner:{call_id}"


class CallLeases:
    def __init__(self, redis: aioredis.Redis, owner: str, *, ttl: float = LEASE_SECONDS) -> None:
        self.redis = redis
        self.owner = owner
        self.ttl_ms = int(ttl * 1000)
        self.ttl = ttl
        self.held: set[str] = set()
        self.on_lost: Callable[[str], None] = lambda _call_id: None
        self._task: asyncio.Task[None] | None = None

    async def acquire(self, call_id: str, wait: float | None = None) -> bool:
        """Take (or keep) the lease of a call, waiting up to `wait` seconds (default: one TTL, so a
        dead owner's lease runs out meanwhile). True when this process owns the call."""
        key = lease_key(call_id)
        deadline = asyncio.get_running_loop().time() + (self.ttl + 0.5 if wait is None else wait)
        while True:
            try:
                if await self.redis.set(key, self.owner, nx=True, px=self.ttl_ms):
                    self._hold(call_id)
                    return True
                holder = await self.redis.get(key)
                if (
                    holder is not None
                    and (holder.decode() if isinstance(holder, bytes) else holder) == self.owner
                ):
                    self._hold(call_id)
                    return True
            except (RedisError, OSError) as exc:
                # No Redis, no way to know: run the call here rather than stall it (a gap at most).
                log.warning(
                    "call %s: Redis unavailable for the ownership lease (%s); running it here", call_id, exc
                )
                self._hold(call_id)
                return True
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.25)

    async def holder(self, call_id: str) -> str | None:
        """The process that owns the call now (None: nobody; raises when Redis cannot say)."""
        value = await self.redis.get(lease_key(call_id))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def release(self, call_id: str) -> None:
        self.held.discard(call_id)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.eval(_RELEASE, 1, lease_key(call_id), self.owner)

    def _hold(self, call_id: str) -> None:
        self.held.add(call_id)
        if self._task is None:
            self._task = asyncio.create_task(self._renew_loop(), name="secondear-leases")

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            for call_id in list(self.held):
                key = lease_key(call_id)
                try:
                    renewed = await self.redis.eval(_RENEW, 1, key, self.owner, self.ttl_ms)
                    if not renewed:
                        # Expired while Redis was away (or Redis restarted empty): take it back if free.
                        renewed = await self.redis.set(key, self.owner, nx=True, px=self.ttl_ms)
                except (RedisError, OSError):
                    continue  # Redis is away: keep running; the lease is settled when it is back
                if not renewed:
                    log.warning("call %s: another process took it over; letting it go", call_id)
                    self.held.discard(call_id)
                    self.on_lost(call_id)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for call_id in list(self.held):
            await self.release(call_id)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()
