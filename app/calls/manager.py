"""The live calls in this process: loaded from the store on first use, so a restarted server
picks a call up again the moment a socket for it reconnects."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from app.calls import recording
from app.calls.session import CallSession, LiveServices
from app.protocol import CloseCode
from app.scale.lease import CallLeases, OwnedElsewhere

if TYPE_CHECKING:
    from app.scale.commands import Commands
    from app.scale.fanout import EventFanout, EventRelays

log = logging.getLogger(__name__)


class CallManager:
    def __init__(self, services: LiveServices) -> None:
        self.services = services
        self._sessions: dict[str, CallSession] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._deleting: set[str] = set()
        self.started = time.time()
        # Set when processes share a Redis: a call runs only in the process holding its lease.
        self.leases: CallLeases | None = None
        # Also set then: the owner mirrors each call's events to Redis, other processes relay
        # them to their events sockets and forward call requests to the owner (app.scale).
        self.fanout: EventFanout | None = None
        self.relays: EventRelays | None = None
        self.commands: Commands | None = None

    def use_leases(self, leases: CallLeases) -> None:
        self.leases = leases
        leases.on_lost = self._lost

    async def get(self, call_id: str) -> CallSession | None:
        """The session of a call, loading it (and its history) on first use; None if unknown."""
        session = self._sessions.get(call_id)
        if session is not None:
            return session
        if call_id in self._deleting:
            return None
        lock = self._loading.setdefault(call_id, asyncio.Lock())
        async with lock:
            session = self._sessions.get(call_id)
            if session is None:
                store = self.services.store
                if self.leases is not None and not await self.leases.acquire(call_id):
                    raise OwnedElsewhere(call_id)
                history = await store.run(store.repo.history, call_id)
                if history is None:
                    if self.leases is not None:
                        await self.leases.release(call_id)
                    return None
                if history.call.recording:
                    # Chunks a killed server left as raw PCM become FLAC before new audio arrives.
                    await asyncio.to_thread(recording.seal_leftovers, self.services.recordings / call_id)
                session = CallSession(history, self.services)
                if self.fanout is not None:
                    session.hub.mirror = self.fanout.mirror(call_id)
                await session.recover(history)
                self._sessions[call_id] = session
        self._loading.pop(call_id, None)
        return session

    @property
    def queue_lag(self) -> float:
        """The speech engine's decode queue lag, in seconds (for /healthz)."""
        return self.services.engine.queue_lag

    def active(self) -> list[CallSession]:
        return list(self._sessions.values())

    async def end(self, call_id: str) -> CallSession | None:
        session = await self.get(call_id)
        if session is not None:
            await session.end()
        return session

    async def run_elsewhere(self, call_id: str) -> bool:
        """Whether another live process holds the call's lease (so only it may end or unload it).
        When Redis cannot say, the answer is yes: ending another process's live call is worse
        than ending an idle one a pass later."""
        if self.leases is None:
            return False
        try:
            holder = await self.leases.holder(call_id)
        except (RedisError, OSError):
            return True
        return holder is not None and holder != self.leases.owner

    def loaded(self, call_id: str) -> CallSession | None:
        """The call's session if it is in memory (never loads it)."""
        return self._sessions.get(call_id)

    def forget_if_idle(self, session: CallSession) -> None:
        """Drop an ended call from memory once no socket is attached to it."""
        if session.idle():
            session.detached_at = time.monotonic()
        if session.ended and session.idle() and self._sessions.get(session.id) is session:
            del self._sessions[session.id]
            if self.leases is not None:
                asyncio.get_running_loop().create_task(self.leases.release(session.id))

    def _lost(self, call_id: str) -> None:
        """Another process took this call over: drop it here; its sockets reconnect there."""
        session = self._sessions.pop(call_id, None)
        if session is None:
            return
        for track in session.tracks.values():
            if track.claim is not None:
                track.claim.close(CloseCode.RESTARTING, "This call moved to another server; reconnect.")
        asyncio.get_running_loop().create_task(session.close())

    async def unload(self, call_id: str, *, deleting: bool = False) -> None:
        """Close the call's session (its sockets are told the server let it go) and drop it.
        With `deleting`, the call cannot be loaded again until `deleted` is called."""
        if deleting:
            self._deleting.add(call_id)
        session = self._sessions.pop(call_id, None)
        if session is not None:
            await session.close(CloseCode.NO_CALL if deleting else CloseCode.ENDED, "The call was closed.")

    def deleted(self, call_id: str) -> None:
        self._deleting.discard(call_id)

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            try:
                await session.close()
            except Exception:
                log.exception("call %s: error while closing", session.id)
        for part in (self.commands, self.relays, self.fanout):
            if part is not None:
                await part.aclose()
        if self.leases is not None:
            await self.leases.aclose()
