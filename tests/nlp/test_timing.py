"""nlp.timing on scripted timelines: each case says who spoke when and what must come out."""

from __future__ import annotations

import pytest

from nlp import timing
from nlp.types import Interval


def ivs(*pairs: tuple[float, float]) -> list[Interval]:
    return [Interval(s, e) for s, e in pairs]


def test_timing_normalize_sorts_merges_and_drops_empty():
    got = timing.normalize(ivs((5, 6), (0, 2), (1, 3), (3, 4), (7, 7)))
    assert got == ivs((0, 4), (5, 6))


def test_timing_talk_time_whole_and_window():
    speech = ivs((0, 10), (20, 30))
    assert timing.talk_time(speech) == 20
    assert timing.talk_time(speech, start=5, end=25) == 10
    assert timing.talk_time(speech, start=40) == 0


def test_timing_talk_share():
    assert timing.talk_share(ivs((0, 10)), ivs((10, 40))) == pytest.approx(0.25)
    assert timing.talk_share([], []) is None
    assert timing.talk_share(ivs((0, 10)), ivs((10, 40)), start=0, end=20) == pytest.approx(0.5)


def test_timing_overlap_counts_both_speaking():
    assert timing.overlap(ivs((0, 10), (20, 25)), ivs((8, 12), (22, 30))) == pytest.approx(5)
    assert timing.overlap(ivs((0, 1)), ivs((2, 3))) == 0


@pytest.mark.parametrize(
    ("interviewer", "customer", "expected"),
    [
        # starts while the customer speaks
        (((5, 8),), ((0, 6),), [5]),
        # starts 0.1 s after the customer stopped: jumped in
        (((6.1, 8),), ((0, 6),), [6.1]),
        # exactly at the 200 ms grace: still jumped in
        (((6.2, 8),), ((0, 6),), [6.2]),
        # 0.3 s later: a hand-over, not an interruption
        (((6.3, 8),), ((0, 6),), []),
        # the interviewer was first; the customer talking over them is not the interviewer's interruption
        (((0, 5),), ((3, 8),), []),
        # two interviewer starts into one customer stretch count once
        (((2, 3), (4, 5)), ((0, 10),), [2]),
        # one per customer stretch
        (((2, 3), (12, 13)), ((0, 10), (11, 20)), [2, 12]),
    ],
)
def test_timing_interruptions(interviewer, customer, expected):
    assert timing.interruptions(ivs(*interviewer), ivs(*customer)) == pytest.approx(expected)


def test_timing_interruption_grace_is_a_keyword():
    assert timing.interruptions(ivs((6.5, 8)), ivs((0, 6)), grace=0.6) == [6.5]


def test_timing_patience_gaps_measure_hand_overs_only():
    customer = ivs((0, 5), (7, 10), (20, 30), (40, 50))
    interviewer = ivs((11.5, 15), (28, 33), (50.4, 52))
    gaps = timing.patience_gaps(interviewer, customer)
    # (0,5) is followed by the customer resuming at 7: no hand-over. (7,10) -> 11.5: 1.5 s.
    # (20,30): the interviewer was already talking at 30: an interruption, no gap. (40,50) -> 50.4.
    assert gaps == [(10, pytest.approx(1.5)), (50, pytest.approx(0.4))]
    assert timing.median_patience(interviewer, customer) == pytest.approx(0.95)
    assert timing.median_patience([], customer) is None


def test_timing_stretches_merge_short_pauses_only():
    speech = ivs((0, 10), (11, 20), (22, 30))
    assert timing.stretches(speech) == ivs((0, 20), (22, 30))
    assert timing.stretches(speech, merge_pause=3) == ivs((0, 30))


def test_timing_backchannel_does_not_end_a_monologue_but_a_reply_does():
    interviewer = ivs((0, 10), (11, 20))
    assert timing.stretches(interviewer, ivs((10.2, 10.6))) == ivs((0, 20))  # "mhm"
    assert timing.stretches(interviewer, ivs((10.0, 11.0))) == ivs((0, 10), (11, 20))


def test_timing_longest_stretch_and_monologues():
    interviewer = ivs((0, 30), (30.5, 50), (60, 70))
    assert timing.longest_stretch(interviewer) == Interval(0, 50)
    assert timing.longest_stretch([]) is None
    assert timing.monologues(interviewer) == ivs((0, 50))
    assert timing.monologues(interviewer, min_length=60) == []


def test_timing_switches_per_minute():
    interviewer = ivs((0, 10), (20, 30), (40, 50))
    customer = ivs((10, 20), (30, 40), (50, 60))
    assert timing.switches_per_minute(interviewer, customer) == pytest.approx(5.0)
    assert timing.switches_per_minute(interviewer, customer, duration=120) == pytest.approx(2.5)
    # a start inside one's own turn (a pause) is no switch
    assert timing.switches_per_minute(ivs((0, 10), (11, 20)), ivs((20, 30))) == pytest.approx(2.0)
    assert timing.switches_per_minute([], []) is None


def test_timing_summarize_a_scripted_call():
    customer = ivs((0, 20), (24, 60), (70, 75))
    interviewer = ivs((20.1, 23), (59.5, 69), (76, 80))
    s = timing.summarize(interviewer, customer)
    assert s.interviewer_seconds == pytest.approx(2.9 + 9.5 + 4)
    assert s.customer_seconds == pytest.approx(61)
    assert s.interviewer_share == pytest.approx(16.4 / 77.4)
    assert s.overlap_seconds == pytest.approx(0.5)
    assert s.interruptions == pytest.approx((20.1, 59.5))
    assert list(s.patience_gaps) == pytest.approx([0.1, 1.0])
    assert s.quick_fills == 1
    assert s.longest_monologue == Interval(59.5, 69)
    assert s.longest_story == Interval(24, 60)
    assert s.switches_per_minute == pytest.approx(5 / (80 / 60))
