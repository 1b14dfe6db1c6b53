"""The bleed rule on loudness curves, and the Loudness grid."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.bleed import SILENT_DB, BleedRule, Loudness

RULE = BleedRule(margin_db=10.0, min_correlation=0.5, floor_db=-55.0)
SYLLABLES = -25 + 8 * np.sin(np.arange(16) * 1.3)  # a customer's loudness, syllable by syllable


@pytest.mark.parametrize(
    ("own", "other", "bleed"),
    [
        (SYLLABLES - 20, SYLLABLES, True),  # the customer 20 dB down in the mic, same rhythm
        (SYLLABLES, SYLLABLES, False),  # as loud as the customer: the interviewer talking
        (np.full(16, -80.0), np.full(16, SILENT_DB), False),  # nobody speaks
        (-45 + 8 * np.cos(np.arange(16) * 2.9), SYLLABLES, False),  # quiet, but its own rhythm
        (np.full(16, -70.0), np.r_[SYLLABLES[:12], np.full(4, SILENT_DB)], True),  # echo just after
        (np.r_[np.full(12, -70.0), np.full(4, -15.0)], np.r_[SYLLABLES[:12], np.full(4, SILENT_DB)], False),
    ],
    ids=["leak", "own-voice", "silence", "quiet-other-rhythm", "leak-tail", "answer-right-after"],
)
def test_bleed_rule(own: np.ndarray, other: np.ndarray, bleed: bool) -> None:
    assert RULE.is_bleed(own, other) is bleed


def test_bleed_loudness_grid_fills_gaps_with_silence_and_ignores_repeats() -> None:
    loud = Loudness()
    assert loud.end == 0 and not loud.covers(0)
    loud.extend(10, np.array([-20.0, -21.0]))
    loud.extend(14, np.array([-30.0]))  # a pause in capture: chunks 12-13 were silent
    loud.extend(14, np.array([-99.0, -31.0]))  # a resend: the first value is kept
    assert loud.end == 16 and loud.covers(15)
    assert list(loud.window(9, 17)) == [
        SILENT_DB,
        -20.0,
        -21.0,
        SILENT_DB,
        SILENT_DB,
        -30.0,
        -31.0,
        SILENT_DB,
    ]
