"""The sign-in rate limit: failed attempts counted per address and per account in a sliding
window. In memory, per server process: a restart forgets it, which only helps an attacker by
restarting the server, which they cannot."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class LoginLimits:
    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while times and times[0] < cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return deque()
        return times

    def blocked(self, address: str, email: str) -> bool:
        return (
            len(self._recent(f"addr:{address}")) >= self.per_address
            or len(self._recent(f"email:{email}")) >= self.per_account
        )

    def failed(self, address: str, email: str) -> None:
        now = self._clock()
        for key in (f"addr:{address}", f"email:{email}"):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop(f"email:{email}", None)
