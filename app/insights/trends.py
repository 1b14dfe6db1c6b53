"""Trends: is this interviewer listening better? Figures of every call from its report, per
interviewer over time, with the team's median, the goal band and the last calls against the ones
before. Pure functions over report data (`Report.to_dict()`); no I/O.

Follow-ups on pains: a customer utterance flagged as a pain is followed up when one of the
interviewer's next FOLLOW_UP_TURNS turns asks a question that shares a content word with it
(words of 3+ letters that are not function words, compared by their first 5 letters: "deploy" meets
"deployment"). The figure is the share of the call's pains followed up.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.insights.sources import Source
from app.insights.words import content_words
from app.reports.score import ANCHORS
from app.settings import Settings

# Interviewer turns after a pain in which a question on it counts as a follow-up.
FOLLOW_UP_TURNS = 3
# Calls compared: the last RECENT_CALLS against the RECENT_CALLS before them.
RECENT_CALLS = 5
# Goals not set by a live nudge or a listening-score anchor.
LISTENING_SCORE_GOAL = 70  # the report's "Listening well" verdict starts here
TELLING_PER_10_MIN_GOAL = 1.0  # at most one hot tip or pitch per 10 minutes
FOLLOW_UP_GOAL = 0.5  # at least half the pains followed up

Unit = Literal["score", "share", "ratio", "rate", "seconds"]


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    unit: Unit
    # The goal band: good values lie between low and high (None: open on that side).
    low: float | None
    high: float | None
    goal: str
    up: bool  # True: a higher value is better


def metrics(settings: Settings) -> tuple[Metric, ...]:
    """Every trend metric with its goal band, read from the settings and the score's anchors."""
    good = {a.key: a.good for a in ANCHORS}
    share = settings.talk_share_target
    return (
        Metric("listening_score", "Listening score", "score", LISTENING_SCORE_GOAL, 100, "70 or more", True),
        Metric("talk_share", "Talk share", "share", 0.0, share, f"under {round(100 * share)} %", False),
        Metric(
            "open_share",
            "Open questions",
            "share",
            good["open_questions"],
            1.0,
            f"{round(100 * good['open_questions'])} % or more",
            True,
        ),
        Metric(
            "reflections_per_question",
            "Reflections per question",
            "ratio",
            good["reflections"],
            None,
            f"{good['reflections']:g} or more",
            True,
        ),
        Metric(
            "telling_per_10_min",
            "Hot tips and pitches per 10 min",
            "rate",
            0.0,
            TELLING_PER_10_MIN_GOAL,
            f"{TELLING_PER_10_MIN_GOAL:g} or fewer",
            False,
        ),
        Metric(
            "longest_monologue",
            "Longest monologue",
            "seconds",
            0.0,
            good["monologue"],
            f"{good['monologue']:g} s or less",
            False,
        ),
        Metric(
            "patience",
            "Patience (median pause before replying)",
            "seconds",
            good["patience"],
            None,
            f"{good['patience']:g} s or more",
            True,
        ),
        Metric(
            "follow_ups",
            "Pains followed up",
            "share",
            FOLLOW_UP_GOAL,
            1.0,
            f"{round(100 * FOLLOW_UP_GOAL)} % or more",
            True,
        ),
    )


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _get(report: Mapping[str, Any], *keys: str) -> float | None:
    value: Any = report
    for k in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(k)
    return _num(value)


def follow_up_share(transcript: Sequence[Mapping[str, Any]]) -> float | None:
    """Share of the customer's pains the interviewer asked about within FOLLOW_UP_TURNS turns."""
    pains = followed = 0
    for i, line in enumerate(transcript):
        if line.get("speaker") != "customer" or "pain" not in (line.get("flags") or ()):
            continue
        pains += 1
        said = content_words(str(line.get("text") or ""))
        turns = 0
        for later in transcript[i + 1 :]:
            if later.get("speaker") != "interviewer":
                continue
            turns += 1
            if later.get("question") and said & content_words(str(later.get("text") or "")):
                followed += 1
                break
            if turns == FOLLOW_UP_TURNS:
                break
    return followed / pains if pains else None


def call_figures(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The trend metrics of one report; None where the call cannot tell (no times, no questions)."""
    duration = _get(report, "duration")
    tips, pitches = _get(report, "behaviours", "hot_tips"), _get(report, "behaviours", "pitches")
    telling = None
    if duration and tips is not None and pitches is not None:
        telling = (tips + pitches) / (duration / 600)
    return {
        "listening_score": _get(report, "listening_score", "score"),
        "talk_share": _get(report, "talk", "interviewer_share"),
        "open_share": _get(report, "questions", "open_share"),
        "reflections_per_question": _get(report, "behaviours", "reflection_to_question"),
        "telling_per_10_min": telling,
        "longest_monologue": _get(report, "longest_monologue", "seconds"),
        "patience": _get(report, "talk", "median_patience_seconds"),
        "follow_ups": follow_up_share(report.get("transcript") or ()),
    }


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    date: str | None
    figures: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class Change:
    """Mean of the last RECENT_CALLS calls against the mean of the RECENT_CALLS before them."""

    recent: float
    before: float
    better: bool | None  # None: no change


@dataclass(frozen=True, slots=True)
class Interviewer:
    name: str
    calls: tuple[Call, ...]  # oldest first
    changes: dict[str, Change | None]


@dataclass(frozen=True, slots=True)
class Trends:
    metrics: tuple[Metric, ...]
    interviewers: tuple[Interviewer, ...]
    team_median: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {
            "metrics": [
                {
                    "key": m.key,
                    "label": m.label,
                    "unit": m.unit,
                    "goal": {"low": m.low, "high": m.high, "text": m.goal},
                }
                for m in self.metrics
            ],
            "team_median": {k: r(v) for k, v in self.team_median.items()},
            "interviewers": [
                {
                    "name": iv.name,
                    "calls": [
                        {"call": c.name, "date": c.date, "figures": {k: r(v) for k, v in c.figures.items()}}
                        for c in iv.calls
                    ],
                    "latest": {k: r(v) for k, v in latest(iv).items()},
                    "change": {
                        k: None
                        if ch is None
                        else {"recent": r(ch.recent), "before": r(ch.before), "better": ch.better}
                        for k, ch in iv.changes.items()
                    },
                }
                for iv in self.interviewers
            ],
        }


def latest(iv: Interviewer) -> dict[str, float | None]:
    """The newest known value of each metric (a call without times leaves the one before)."""
    out: dict[str, float | None] = {}
    for call in iv.calls:
        for k, v in call.figures.items():
            if v is not None or k not in out:
                out[k] = v
    return out


def _change(values: list[float], metric: Metric) -> Change | None:
    recent, before = values[-RECENT_CALLS:], values[-2 * RECENT_CALLS : -RECENT_CALLS]
    if not recent or not before:
        return None
    now, then = statistics.fmean(recent), statistics.fmean(before)
    if abs(now - then) < 1e-9:
        return Change(now, then, None)
    return Change(now, then, (now > then) == metric.up)


def build_trends(sources: Sequence[Source], settings: Settings) -> Trends:
    ms = metrics(settings)
    by_name: dict[str, list[Call]] = {}
    for src in sources:
        names = src.report.get("names") or {}
        who = str(names.get("interviewer") or "Interviewer")
        date = src.report.get("date")
        by_name.setdefault(who, []).append(
            Call(src.name, str(date) if date else None, call_figures(src.report))
        )
    people = [
        interviewer_trends(who, sorted(by_name[who], key=lambda c: (c.date or "", c.name)), ms)
        for who in sorted(by_name, key=str.casefold)
    ]
    return Trends(ms, tuple(people), team_median([c.figures for iv in people for c in iv.calls], ms))


def interviewer_trends(name: str, calls: Sequence[Call], ms: Sequence[Metric]) -> Interviewer:
    """One interviewer's calls (oldest first) with what changed on each metric."""
    changes = {m.key: _change([v for c in calls if (v := c.figures.get(m.key)) is not None], m) for m in ms}
    return Interviewer(name, tuple(calls), changes)


def team_median(
    figures: Sequence[Mapping[str, float | None]], ms: Sequence[Metric]
) -> dict[str, float | None]:
    """The median of every call's value, per metric (None where no call tells)."""
    team: dict[str, float | None] = {}
    for m in ms:
        values = [v for f in figures if (v := f.get(m.key)) is not None]
        team[m.key] = statistics.median(values) if values else None
    return team


def in_goal(metric: Metric, value: float | None) -> bool | None:
    """Whether `value` lies in the metric's goal band (None: no value)."""
    if value is None:
        return None
    return (metric.low is None or value >= metric.low) and (metric.high is None or value <= metric.high)
