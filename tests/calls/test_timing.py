"""One timing engine: the live rules and the report read the same thresholds, from Settings."""

from __future__ import annotations

import pytest

from app.calls.timing import timing_rules
from app.reports import build_report
from app.settings import Settings
from nlp import timing
from nlp.timing import TimingRules
from nlp.types import Interval, Tag, TaggedUtterance, Utterance


def test_timing_rules_defaults_are_the_settings_defaults() -> None:
    # TimingRules once defaulted to 15 switches a minute while production used Settings' 12.
    assert timing_rules(Settings()) == TimingRules()


def test_timing_report_ignores_backchannels_like_the_live_rule() -> None:
    # A 0.3 s "mhm" while the customer talks interrupts no one, live or in the report.
    customer = [Interval(0.0, 8.0)]
    assert timing.interruptions([Interval(5.0, 5.3)], customer) == []
    assert timing.interruptions([Interval(5.0, 7.0)], customer) == [5.0]
    summary = timing.summarize([Interval(5.0, 5.3), Interval(9.0, 12.0)], customer)
    assert summary.interruptions == ()


def _report(rules: TimingRules) -> int | None:
    tagged = [
        TaggedUtterance(Utterance("customer", "We export it every week.", 0.0, 6.0), Tag()),
        TaggedUtterance(Utterance("interviewer", "And then what happens?", 6.5, 8.0), Tag()),
    ]
    speech = {"customer": [Interval(0.0, 6.0)], "interviewer": [Interval(6.5, 8.0)]}
    report = build_report(tagged, speech=speech, rules=rules)
    return report.talk.interruptions


@pytest.mark.parametrize(("grace", "expected"), [(0.2, 0), (0.6, 1)])
def test_timing_report_follows_the_interruption_setting(grace: float, expected: int) -> None:
    # SECONDEAR_INTERRUPTION_GRACE_SECONDS used to change the live nudges but not the report.
    rules = timing_rules(Settings(interruption_grace_seconds=grace))
    assert _report(rules) == expected
