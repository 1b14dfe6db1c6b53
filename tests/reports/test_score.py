"""The listening score formula: anchors, missing evidence, and the direction of every part."""

from __future__ import annotations

import pytest

from app.reports.score import ANCHORS, listening_score

GOOD = {
    "talk_share": 0.25,
    "reflections": 1.2,
    "open_questions": 0.8,
    "question_craft": 1.0,
    "telling": 0.0,
    "monologue": 20.0,
    "patience": 1.5,
}
POOR = {
    "talk_share": 0.75,
    "reflections": 0.0,
    "open_questions": 0.2,
    "question_craft": 0.4,
    "telling": 0.4,
    "monologue": 120.0,
    "patience": 0.1,
}


def test_score_weights_sum_to_100():
    assert sum(a.weight for a in ANCHORS) == 100


def test_score_good_and_poor_calls_hit_the_ends():
    assert listening_score(GOOD).score == 100
    assert listening_score(POOR).score == 0


def test_score_is_linear_between_anchors():
    values = dict(GOOD, talk_share=0.5)  # halfway between 0.30 and 0.70
    s = listening_score(values)
    part = next(c for c in s.components if c.key == "talk_share")
    assert part.points == pytest.approx(12.5)
    assert s.score == round(100 - 12.5)


def test_score_leaves_out_parts_without_evidence():
    values = dict(GOOD, patience=None)
    del values["monologue"]
    s = listening_score(values)
    assert s.score == 100
    missing = [c.key for c in s.components if c.points is None]
    assert missing == ["monologue", "patience"]
    only_talk = listening_score({"talk_share": 0.5})
    assert only_talk.score == 50


def test_score_with_no_evidence_at_all_is_not_a_zero():
    s = listening_score({})
    assert s.score is None
    assert all(c.points is None for c in s.components)


@pytest.mark.parametrize("anchor", ANCHORS, ids=lambda a: a.key)
def test_score_each_part_moves_the_score_the_coaching_way(anchor):
    better = listening_score(dict(POOR, **{anchor.key: GOOD[anchor.key]})).score
    assert better > listening_score(POOR).score
    assert anchor.target and anchor.explanation
