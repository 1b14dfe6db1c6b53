"""Fan-out of one call's events to its event sockets.

Each event is serialized once and queued for every subscriber. A subscriber that falls
too far behind (a stalled browser) is cut off rather than allowed to grow memory without
bound; its page reconnects and gets the `state` snapshot, so it loses nothing for good.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from app.db.repository import Role

# End-of-stream marker in a subscriber's queue; the reason tells the socket how to close.
OVERFLOW = "overflow"
CLOSED = "closed"
# Events the interviewer's socket does not get: the buddy's private flags, notes and ratings
# (docs/protocol.md: the interviewer receives whispers and nudges).
PRIVATE_FROM_INTERVIEWER = frozenset({"flag", "note", "rating"})


@dataclass(eq=False)
class Subscriber:
    role: Role
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    ended: str | None = None
    """Set (OVERFLOW or CLOSED) when no more events will come."""
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self) -> str | None:
        """The next serialized event, or None once the subscription is over."""
        while True:
            if not self.queue.empty():
                return self.queue.get_nowait()
            if self.ended is not None:
                return None
            self._wake.clear()
            await self._wake.wait()

    def _push(self, text: str) -> None:
        self.queue.put_nowait(text)
        self._wake.set()

    def _end(self, reason: str) -> None:
        if self.ended is None:
            self.ended = reason
        self._wake.set()


class Hub:
    def __init__(self, max_backlog: int = 2000) -> None:
        self.max_backlog = max_backlog
        self._subscribers: set[Subscriber] = set()
        self.mirror: Callable[[str, str | None], None] | None = None
        """Also handed every published event: with Redis, the call's owner appends them to the
        call's stream so other processes relay them (`app.scale.fanout`)."""

    def subscribe(self, role: Role) -> Subscriber:
        sub = Subscriber(role)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)
        sub._end(CLOSED)

    def publish(self, text: str, kind: str | None = None) -> None:
        if self.mirror is not None:
            self.mirror(text, kind)
        for sub in list(self._subscribers):
            if sub.role == "interviewer" and kind in PRIVATE_FROM_INTERVIEWER:
                continue
            if sub.queue.qsize() >= self.max_backlog:
                self._subscribers.discard(sub)
                sub._end(OVERFLOW)
            else:
                sub._push(text)

    def cut(self, sub: Subscriber) -> None:
        """Cut off a subscriber whose client stopped reading (its socket closes with 1013)."""
        self._subscribers.discard(sub)
        sub._end(OVERFLOW)

    def close(self) -> None:
        for sub in list(self._subscribers):
            self.unsubscribe(sub)

    def __len__(self) -> int:
        return len(self._subscribers)
