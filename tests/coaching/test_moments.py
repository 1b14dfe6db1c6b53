"""Moment keys: the same stored call gives the same keys, and two moments of one kind at one time
get distinct ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.coaching.moments import allowed_flags, clip_span, detected, keyed, moment_key
from app.reports import build_report
from app.reports.model import Moment, Report
from nlp.types import Flag, FlagHit, Tag, TaggedUtterance, Utterance

CLOSED = "Do you use Excel for this?"


def report() -> Report:
    hit = FlagHit(Flag.CLOSED_QUESTION, "test.closed", "Do you", "A yes/no question.")
    return build_report(
        [
            TaggedUtterance(Utterance("interviewer", CLOSED, 1.0, 3.0), Tag("closed", (hit,))),
            TaggedUtterance(Utterance("customer", "Yes, every week, by hand.", 3.5, 6.0), Tag(None)),
        ]
    )


@pytest.mark.parametrize(
    ("time", "kind", "key"),
    [
        (12.3, "closed_question", "closed_question@12.30"),
        (0.0, "monologue", "monologue@0.00"),
        (None, "note", "note@-"),
    ],
)
def test_moments_key_is_kind_and_time(time: float | None, kind: str, key: str) -> None:
    assert moment_key(Moment(time=time, speaker=None, text="", kind=kind)) == key


def test_moments_repeated_keys_get_a_counter() -> None:
    twice = Moment(time=5.0, speaker=None, text="", kind="buddy_flag", source="buddy")
    assert [k for k, _ in keyed(replace(report(), moments=(twice, twice)))] == [
        "buddy_flag@5.00",
        "buddy_flag@5.00#2",
    ]
    assert [k for k, _ in keyed(report())] == [k for k, _ in keyed(report())] == ["closed_question@1.00"]


def test_moments_detected_is_the_line_as_tagged() -> None:
    r = report()
    ((_, closed),) = keyed(r)
    found = detected(r, closed)
    assert found is not None
    assert (found.speaker, found.text, found.question, found.flags) == (
        "interviewer",
        CLOSED,
        "closed",
        ("closed_question",),
    )
    assert detected(r, Moment(time=2.0, speaker=None, text="", kind="buddy_flag")) is None


@pytest.mark.parametrize(
    ("time", "end", "span"),
    [(10.0, 14.0, (8.0, 16.0)), (1.0, None, (0.0, 11.0)), (None, None, None)],
)
def test_moments_clip_pads_the_moment(
    time: float | None, end: float | None, span: tuple[float, float] | None
) -> None:
    assert clip_span(Moment(time=time, end=end, speaker=None, text="", kind="x")) == span


def test_moments_flags_a_line_may_carry() -> None:
    assert allowed_flags("customer") == ("workaround", "pain")
    assert "closed_question" in allowed_flags("interviewer") and "pain" not in allowed_flags("interviewer")
