"""The sparse nudge policy: which candidate nudges reach the buddy, and which are only recorded.

Sparse cues beat continuous ones: a buddy who gets a card every few seconds stops reading
them. Every candidate passes four gates in call time (so a replay at 4x speed behaves like
the live call): severity, de-duplication, a per-kind cooldown, and a per-minute cap that
only critical nudges may pass. A nudge held back is still stored, for the report.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from app.protocol import HoldReason, Severity
from app.settings import Settings

__all__ = ["Decision", "HoldReason", "NudgePolicy", "Severity"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Decision:
    send: bool
    reason: HoldReason | None = None
    """Why it was held back; None when sent."""


@dataclass
class NudgePolicy:
    """Decides, one candidate at a time, whether a nudge is sent; remembers what it sent."""

    cooldown: float = 45.0
    kind_cooldowns: dict[str, float] = field(default_factory=dict)
    per_minute: int = 3
    dedup_seconds: float = 600.0
    min_severity: str = "info"
    severities: dict[str, str] = field(default_factory=dict)
    _last_sent: dict[str, float] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)
    _keys: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> NudgePolicy:
        return cls(
            cooldown=settings.nudge_cooldown_seconds,
            kind_cooldowns=dict(settings.nudge_kind_cooldowns),
            per_minute=settings.nudge_per_minute,
            dedup_seconds=settings.nudge_dedup_seconds,
            min_severity=settings.nudge_min_severity,
            severities=dict(settings.nudge_severity),
        )

    def severity(self, kind: str) -> Severity:
        value = self.severities.get(kind, "info")
        return value if value in ("info", "warning", "critical") else "info"  # type: ignore[return-value]

    def decide(self, kind: str, at: float, key: str, severity: Severity | None = None) -> Decision:
        """Judge one candidate at call time `at`; `key` names what it is about (for de-duplication)."""
        sev = severity or self.severity(kind)
        norm = (kind, _normalize(key))
        if SEVERITY_RANK[sev] < SEVERITY_RANK.get(self.min_severity, 0):
            return Decision(False, "below_severity")
        seen = self._keys.get(norm)
        if seen is not None and abs(at - seen) < self.dedup_seconds:
            return Decision(False, "duplicate")
        last = self._last_sent.get(kind)
        if last is not None and at - last < self.kind_cooldowns.get(kind, self.cooldown):
            return Decision(False, "cooldown")
        while self._recent and at - self._recent[0] >= MINUTE:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute and sev != "critical":
            return Decision(False, "per_minute_cap")
        self.remember(kind, at, key)
        return Decision(True)

    def remember(self, kind: str, at: float, key: str) -> None:
        """Count a sent nudge (also used to restore the policy after a restart)."""
        self._last_sent[kind] = max(at, self._last_sent.get(kind, at))
        self._keys[(kind, _normalize(key))] = at
        self._recent.append(at)
        if len(self._recent) > 1 and self._recent[-2] > at:
            self._recent = deque(sorted(self._recent))


def _normalize(text: str) -> str:
    return " ".join("".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace()).split())
