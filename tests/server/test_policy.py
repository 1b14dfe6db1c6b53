"""The sparse nudge policy: severity, de-duplication, cooldowns and the per-minute cap."""

from __future__ import annotations

from app.calls.policy import NudgePolicy
from app.settings import Settings


def policy(**kw: object) -> NudgePolicy:
    base = NudgePolicy(cooldown=30.0, kind_cooldowns={"talk_share": 120.0}, per_minute=2, dedup_seconds=600.0)
    for key, value in kw.items():
        setattr(base, key, value)
    return base


def test_policy_cooldown_per_kind() -> None:
    p = policy()
    assert p.decide("closed_question", 10.0, "a").send
    held = p.decide("closed_question", 20.0, "b")
    assert (held.send, held.reason) == (False, "cooldown")
    assert p.decide("leading_question", 20.0, "c").send  # another kind has its own cooldown
    assert p.decide("closed_question", 75.0, "d").send
    assert p.decide("talk_share", 100.0, "x").send
    assert p.decide("talk_share", 200.0, "y").reason == "cooldown"  # its own, longer cooldown


def test_policy_per_minute_cap_lets_critical_through() -> None:
    p = policy(cooldown=0.0, severities={"monologue": "critical"})
    assert p.decide("closed_question", 0.0, "a").send
    assert p.decide("hot_tip", 5.0, "b").send
    assert p.decide("pitch", 10.0, "c").reason == "per_minute_cap"
    assert p.decide("monologue", 11.0, "d").send
    assert p.decide("pitch", 65.5, "e").send  # the first two left the minute


def test_policy_duplicates_are_held() -> None:
    p = policy(cooldown=0.0)
    assert p.decide("closed_question", 0.0, "Do you use Excel?").send
    assert p.decide("closed_question", 100.0, "do you use excel").reason == "duplicate"
    assert p.decide("closed_question", 700.0, "Do you use Excel?").send


def test_policy_severity_floor() -> None:
    p = policy(min_severity="warning", severities={"closed_question": "info", "pitch": "warning"})
    assert p.decide("closed_question", 0.0, "a").reason == "below_severity"
    assert p.decide("pitch", 0.0, "b").send
    assert p.severity("unknown_kind") == "info"


def test_policy_restored_after_restart() -> None:
    p = policy()
    p.remember("closed_question", 50.0, "Is it slow?")
    assert p.decide("closed_question", 60.0, "other").reason == "cooldown"
    assert p.decide("closed_question", 90.0, "Is it slow?").reason == "duplicate"


def test_policy_from_settings() -> None:
    s = Settings(nudge_per_minute=1, nudge_cooldown_seconds=5.0)
    p = NudgePolicy.from_settings(s)
    assert p.per_minute == 1 and p.cooldown == 5.0
    assert p.severity("monologue") == "critical" and p.kind_cooldowns["talk_share"] == 180.0
