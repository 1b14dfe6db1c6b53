"""The debrief written right after a call, as typed data: three pains (each a customer quote or a
sentence, with its moment), what we assumed, what surprised us, the next test (change, metric, by
when), and the problem in one sentence in the customer's words.

Beside the fields people edit, a prefilled debrief carries what it was prefilled from (the call's
workarounds, the interviewer's most frequent questions, the flagged moments), to look at while
writing. `Debrief.from_dict` reads what `to_dict` wrote and refuses anything else with a clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

# A debrief holds this many pains: few enough to force a choice.
PAINS = 3


class DebriefError(ValueError):
    """A debrief that cannot be read; the message names the field."""


@dataclass(frozen=True, slots=True)
class DebriefPoint:
    """A pain or a workaround: the customer's words (`quote`) or a sentence someone wrote, with the
    moment of the call it refers to (seconds, or None)."""

    text: str = ""
    time: float | None = None
    quote: bool = False


@dataclass(frozen=True, slots=True)
class NextTest:
    """One small next test: what we change, the metric that tells, and by when (a date or words)."""

    change: str = ""
    metric: str = ""
    by_when: str = ""


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """How the interviewer's questions most often opened ("do you", "how do"), with an example."""

    opening: str
    count: int
    example: str
    time: float | None


@dataclass(frozen=True, slots=True)
class FlaggedMoment:
    time: float | None
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Debrief:
    pains: tuple[DebriefPoint, ...] = (DebriefPoint(), DebriefPoint(), DebriefPoint())
    assumed: str = ""
    surprised: str = ""
    next_test: NextTest = field(default_factory=NextTest)
    problem: str = ""
    # What the prefill drew on; not edited.
    workarounds: tuple[DebriefPoint, ...] = ()
    questions: tuple[AskedQuestion, ...] = ()
    flagged: tuple[FlaggedMoment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Debrief:
        try:
            pains = tuple(_point(p) for p in data.get("pains") or ())
            if len(pains) > PAINS:
                raise DebriefError(f"pains: at most {PAINS}")
            pains += (DebriefPoint(),) * (PAINS - len(pains))
            nt = data.get("next_test") or {}
            return cls(
                pains=pains,
                assumed=_text(data, "assumed"),
                surprised=_text(data, "surprised"),
                next_test=NextTest(_text(nt, "change"), _text(nt, "metric"), _text(nt, "by_when")),
                problem=_text(data, "problem"),
                workarounds=tuple(_point(p) for p in data.get("workarounds") or ()),
                questions=tuple(
                    AskedQuestion(str(q["opening"]), int(q["count"]), str(q["example"]), _time(q.get("time")))
                    for q in data.get("questions") or ()
                ),
                flagged=tuple(
                    FlaggedMoment(_time(m.get("time")), str(m["kind"]), str(m["text"]))
                    for m in data.get("flagged") or ()
                ),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DebriefError):
                raise
            raise DebriefError(f"not a debrief ({exc})") from None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DebriefError(f"{key}: text expected, got {type(value).__name__}")
    return value


def _time(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DebriefError(f"time: seconds expected, got {value!r}")
    return float(value)


def _point(data: Mapping[str, Any]) -> DebriefPoint:
    return DebriefPoint(_text(data, "text"), _time(data.get("time")), bool(data.get("quote", False)))
