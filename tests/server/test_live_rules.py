"""The live timing rules, scripted on a timeline of VAD starts and ends."""

from __future__ import annotations

import pytest

from nlp.live_rules import Cue, LiveTiming, TimingRules
from nlp.types import Interval, Speaker


def run(
    script: list[tuple[Speaker, float, float]], *, until: float | None = None, **rules: float
) -> list[Cue]:
    """Feed closed intervals as the VAD would (start event, then end event), ticking every 0.25 s."""
    timing = LiveTiming(TimingRules(**rules))  # type: ignore[arg-type]
    events: list[tuple[float, int, Speaker, float]] = []
    for speaker, start, end in script:
        events.append((start, 1, speaker, start))
        events.append((end, 0, speaker, start))
    events.sort()
    last = until if until is not None else max(e for _, _, e in script) + 3.0
    cues: list[Cue] = []
    t, i = 0.0, 0
    while t <= last:
        while i < len(events) and events[i][0] <= t:
            at, kind, speaker, start = events[i]
            cues += timing.started(speaker, at) if kind == 1 else timing.ended(speaker, start, at)
            i += 1
        cues += timing.tick(t)
        t = round(t + 0.25, 2)
    return cues


def kinds(cues: list[Cue]) -> list[str]:
    return [c.kind for c in cues]


def test_live_rules_monologue_fires_once_past_the_limit() -> None:
    # 50 s of interviewer speech in 10 s pieces with 1 s pauses (merged), then a customer turn.
    script: list[tuple[Speaker, float, float]] = [
        ("interviewer", s, s + 10.0) for s in (0.0, 11.0, 22.0, 33.0, 44.0)
    ]
    cues = run([*script, ("customer", 56.0, 60.0)], share_min_speech=1e9)
    mono = [c for c in cues if c.kind == "monologue"]
    assert len(mono) == 1
    assert mono[0].start == 0.0 and mono[0].value == pytest.approx(45.0, abs=0.3)
    assert mono[0].at == pytest.approx(45.0, abs=0.3)


def test_live_rules_short_turns_are_no_monologue() -> None:
    script: list[tuple[Speaker, float, float]] = []
    for k in range(10):
        script += [("interviewer", k * 10.0, k * 10.0 + 5.0), ("customer", k * 10.0 + 6.0, k * 10.0 + 9.5)]
    assert "monologue" not in kinds(run(script, share_min_speech=1e9))


def test_live_rules_talk_share_fires_on_crossing_and_rearms() -> None:
    script: list[tuple[Speaker, float, float]] = [
        ("customer", 0.0, 10.0),
        ("interviewer", 11.0, 51.0),  # 40 s of 50: 80 %
    ]
    cues = [c for c in run(script, monologue=1e9) if c.kind == "talk_share"]
    assert len(cues) == 1
    assert cues[0].value > 0.3 and cues[0].at >= 45.0  # only once 45 s of speech are in the window


def test_live_rules_talk_share_quiet_under_target() -> None:
    script: list[tuple[Speaker, float, float]] = [("interviewer", 0.0, 10.0), ("customer", 11.0, 60.0)]
    assert "talk_share" not in kinds(run(script))


@pytest.mark.parametrize(
    ("interviewer", "expected"),
    [
        ((3.0, 6.0), True),  # starts while the customer speaks
        ((5.1, 7.0), True),  # within the 0.2 s grace after the customer stopped
        ((5.6, 7.0), False),  # a hand-over, not an interruption
        ((3.0, 3.3), False),  # "mhm": a backchannel interrupts nobody
    ],
    ids=["overlap", "grace", "handover", "backchannel"],
)
def test_live_rules_interruption(interviewer: tuple[float, float], expected: bool) -> None:
    script: list[tuple[Speaker, float, float]] = [("customer", 0.0, 5.0), ("interviewer", *interviewer)]
    cues = [c for c in run(script) if c.kind == "interruption"]
    assert bool(cues) is expected
    if expected:
        assert cues[0].start == interviewer[0]


def test_live_rules_interruption_while_customer_still_open() -> None:
    # The customer talks on past the interviewer's start: judged before the customer stops.
    cues = [c for c in run([("customer", 0.0, 20.0), ("interviewer", 3.0, 8.0)]) if c.kind == "interruption"]
    assert len(cues) == 1 and cues[0].at < 20.0


def test_live_rules_no_patience_needs_repeats() -> None:
    quick: list[tuple[Speaker, float, float]] = []
    t = 0.0
    for gap in (0.4, 0.5, 0.6):
        quick += [("customer", t, t + 3.0), ("interviewer", t + 3.0 + gap, t + 5.0 + gap)]
        t += 8.0
    cues = [c for c in run(quick) if c.kind == "no_patience"]
    assert len(cues) == 1 and cues[0].value == 3.0
    assert cues[0].at > 16.0  # on the third quick hand-over

    patient = [(s, a, b + (1.5 if s == "interviewer" else 0.0)) for s, a, b in quick]
    patient = [(s, a + (1.5 if s == "interviewer" else 0.0), b) for s, a, b in patient]
    assert "no_patience" not in kinds(run(patient))


def test_live_rules_rapid_fire() -> None:
    script: list[tuple[Speaker, float, float]] = []
    t = 0.0
    while t < 70.0:
        script += [("interviewer", t, t + 1.2), ("customer", t + 1.5, t + 2.7)]
        t += 3.0  # 40 switches a minute
    cues = [c for c in run(script, share_min_speech=1e9) if c.kind == "rapid_fire"]
    assert len(cues) == 1 and cues[0].value > 15

    slow: list[tuple[Speaker, float, float]] = []
    t = 0.0
    while t < 70.0:
        slow += [("interviewer", t, t + 4.0), ("customer", t + 5.0, t + 14.0)]
        t += 15.0
    assert "rapid_fire" not in kinds(run(slow, share_min_speech=1e9))


def test_live_rules_talk_state() -> None:
    timing = LiveTiming()
    timing.ended("customer", 0.0, 6.0)
    timing.started("interviewer", 7.0)
    state = timing.talk(9.0)
    assert state.speaking == ("interviewer",)
    assert state.talk_seconds == {"interviewer": 2.0, "customer": 6.0}
    assert state.interviewer_share == pytest.approx(0.25)
    assert state.monologue_seconds == pytest.approx(2.0)
    assert state.window_seconds == 9.0
    timing.ended("interviewer", 7.0, 9.5)
    assert timing.talk(12.0).monologue_seconds == 0.0  # the pause is longer than 1.5 s


def test_live_rules_seeded_history_counts_but_does_not_fire() -> None:
    timing = LiveTiming()
    timing.seed("interviewer", [Interval(0.0, 50.0)])
    timing.seed("customer", [Interval(51.0, 55.0)])
    assert "monologue" not in kinds(timing.tick(55.5))
    assert timing.talk(56.0).talk_seconds["interviewer"] == 50.0
