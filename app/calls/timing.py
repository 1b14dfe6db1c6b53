"""Timing thresholds from Settings, so `SECONDEAR_INTERRUPTION_*` and the other timing settings
change the live nudges and the post-call report alike."""

from __future__ import annotations

from app.settings import Settings
from nlp.timing import TimingRules


def timing_rules(settings: Settings) -> TimingRules:
    """The Settings' timing thresholds: the one set the live rules and the report both use."""
    return TimingRules(
        share_target=settings.talk_share_target,
        share_window=settings.talk_share_window_seconds,
        share_min_speech=settings.talk_share_min_speech_seconds,
        monologue=settings.monologue_seconds,
        merge_pause=settings.monologue_merge_pause_seconds,
        interrupt_grace=settings.interruption_grace_seconds,
        interrupt_min_speech=settings.interruption_min_speech_seconds,
        patience=settings.patience_seconds,
        patience_repeats=settings.patience_repeats,
        patience_turns=settings.patience_turns,
        rapid_switches_per_minute=settings.rapid_fire_switches_per_minute,
        rapid_window=settings.rapid_fire_window_seconds,
    )
