"""The post-call report as typed data. `Report.to_dict()` is the JSON format (docs/report.md).

Times are seconds from the start of the call; None where the source had no times. Shares
are fractions 0..1. Field order here is the order in the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from app.reports.debrief import Debrief
from nlp.types import Speaker

SCHEMA_VERSION = 1

# Where the talk times came from: VAD speech intervals of a recording or live call, cue
# start/end times of a transcript, turn starts only, or nothing (word counts).
TimingSource = Literal["audio", "spans", "starts", "none"]
MomentSource = Literal["detector", "timing", "buddy", "nudge"]  # nudge: raised live (sent or held back)


@dataclass(frozen=True, slots=True)
class ContextLine:
    """An utterance shown around a flagged moment."""

    speaker: Speaker
    time: float | None
    text: str


@dataclass(frozen=True, slots=True)
class Moment:
    """Something worth a look after the call: a flagged question, a hot tip, a long monologue,
    an interruption, or a moment the buddy flagged live.

    `kind` is the main flag name (or "monologue", "interruption", "buddy_flag", a nudge
    kind); `flags` every flag on the utterance; `source` who raised it.
    """

    time: float | None
    speaker: Speaker | None
    text: str
    kind: str
    flags: tuple[str, ...] = ()
    message: str | None = None
    suggestion: str | None = None
    note: str | None = None
    source: MomentSource = "detector"
    end: float | None = None
    before: ContextLine | None = None
    after: ContextLine | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """The customer's own words: a pain or a workaround worth a follow-up question."""

    time: float | None
    text: str
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class Stretch:
    """The longest interviewer monologue or customer story."""

    start: float | None
    end: float | None
    seconds: float | None
    words: int
    text: str


@dataclass(frozen=True, slots=True)
class Talk:
    """Who talked how much, and how turns were taken. Timing metrics are None where the
    source's times cannot support them (see `timing`)."""

    basis: Literal["time", "words"]
    timing: TimingSource
    interviewer_share: float | None
    interviewer_seconds: float | None
    customer_seconds: float | None
    interviewer_words: int
    customer_words: int
    overlap_seconds: float | None
    interruptions: int | None
    median_patience_seconds: float | None
    quick_fills: int | None
    switches_per_minute: float | None


@dataclass(frozen=True, slots=True)
class Questions:
    total: int
    open: int
    closed: int
    open_share: float | None
    by_flag: dict[str, int]


@dataclass(frozen=True, slots=True)
class Behaviours:
    """Interviewer behaviours counted over the call."""

    interviewer_turns: int
    hot_tips: int
    pitches: int
    reflections: int
    reflection_to_question: float | None


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One part of the listening score: `points` of `weight`, from the measured `value`.

    `points` is None when the call gives no evidence for this part; it then leaves the sum.
    """

    key: str
    label: str
    weight: float
    points: float | None
    value: float | None
    target: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ListeningScore:
    # None when no part has evidence (nothing said, or only one person heard): a 0 would read
    # as "mostly telling", which the call never showed.
    score: int | None
    components: tuple[ScoreComponent, ...]


@dataclass(frozen=True, slots=True)
class Line:
    """One utterance of the transcript with what the detectors found."""

    speaker: Speaker
    start: float | None
    end: float | None
    text: str
    question: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    title: str | None
    date: str | None
    duration: float | None
    names: dict[str, str]
    talk: Talk
    questions: Questions
    behaviours: Behaviours
    listening_score: ListeningScore
    longest_monologue: Stretch | None
    longest_story: Stretch | None
    pains: tuple[Quote, ...]
    workarounds: tuple[Quote, ...]
    moments: tuple[Moment, ...]
    timeline: dict[str, tuple[tuple[float, float], ...]]
    transcript: tuple[Line, ...]
    schema: int = field(default=SCHEMA_VERSION)
    # Written after the call (app/insights/debrief.py); the key is left out of the JSON when None.
    debrief: Debrief | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, schema version first, floats rounded to what a person reads."""
        data = _plain(self)
        assert isinstance(data, dict)
        if data["debrief"] is None:
            del data["debrief"]
        return {"schema": data.pop("schema"), **data}


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value
