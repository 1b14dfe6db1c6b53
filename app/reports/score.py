"""The listening score: 0-100, how much room the interviewer gave the customer to tell.

Each component turns one measure into points on a straight line between a "bad" value
(0 points) and a "good" value (full points); the score is the points earned over the points
available, times 100. A component the call gives no evidence for (no questions asked, no
times to measure patience, one person never heard) leaves both sums, so it neither helps nor
hurts; a call with no evidence at all has no score.

The anchors come from interview coaching, not from fitting data: the MITI 4 proficiency
thresholds (reflection-to-question ratio 1:1, 70 % open questions), the customer-discovery
rule of thumb that the interviewer talks at most a third of the time (SecondEar's live nudge
fires above 30 %), and "no monologue over a minute". docs/report.md explains each.

Fitting them was measured and not kept (`python -m bench.listening_score --fit`, issue 8): on
AnnoMI dev (55 high- vs 12 low-quality sessions, every session tagged by a detector model trained
without it), weights fitted by a non-negative logistic regression separate unseen sessions no
better than these (grouped-CV ROC AUC 0.828 over 50 random splits, in-sample 0.862, against 0.827
here), with a 5-point floor worse (0.821), anchors moved to the medians much worse (0.737), and a
choice among them by nested CV 0.808. So the coaching anchors stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.reports.model import ListeningScore, ScoreComponent


@dataclass(frozen=True, slots=True)
class Anchor:
    key: str
    label: str
    weight: float
    good: float
    bad: float
    target: str
    explanation: str


ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "talk_share",
        "Talk share",
        25,
        0.30,
        0.70,
        "interviewer talks 30 % or less",
        "The customer should do most of the talking.",
    ),
    Anchor(
        "reflections",
        "Reflections per question",
        20,
        1.0,
        0.0,
        "one reflection per question or more",
        "Playing back what you heard shows you listened and invites more.",
    ),
    Anchor(
        "open_questions",
        "Open questions",
        15,
        0.70,
        0.30,
        "70 % of questions open",
        "Open questions let the customer tell their story.",
    ),
    Anchor(
        "question_craft",
        "Clean questions",
        10,
        1.0,
        0.5,
        "no leading, hypothetical, stacked or compliment-fishing questions",
        "Leading and hypothetical questions get the answers you want, not the truth.",
    ),
    Anchor(
        "telling",
        "Explaining and pitching",
        20,
        0.0,
        0.25,
        "no hot tips or pitches",
        "Each turn spent explaining the product or pitching is a turn not learning.",
    ),
    Anchor(
        "monologue",
        "Longest monologue",
        5,
        30.0,
        90.0,
        "no monologue over 30 s",
        "Long monologues leave the customer listening instead of telling.",
    ),
    Anchor(
        "patience",
        "Patience",
        5,
        1.0,
        0.2,
        "wait a second or more before replying",
        "A pause after the customer stops often brings the best details.",
    ),
)


def _points(anchor: Anchor, value: float | None) -> float | None:
    if value is None:
        return None
    position = (value - anchor.bad) / (anchor.good - anchor.bad)
    return anchor.weight * min(1.0, max(0.0, position))


def listening_score(
    values: Mapping[str, float | None], anchors: Sequence[Anchor] = ANCHORS
) -> ListeningScore:
    """Score from measured values keyed by component (see ANCHORS); missing keys count as None.

    `anchors` is for the benchmark that fits them (bench/listening_fit.py); reports use ANCHORS.
    """
    components: list[ScoreComponent] = []
    for a in anchors:
        value = values.get(a.key)
        components.append(
            ScoreComponent(a.key, a.label, a.weight, _points(a, value), value, a.target, a.explanation)
        )
    earned = sum(c.points for c in components if c.points is not None)
    available = sum(c.weight for c in components if c.points is not None)
    score = round(100 * earned / available) if available else None
    return ListeningScore(score, tuple(components))
