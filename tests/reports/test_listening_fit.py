"""Fitting the listening score's weights (bench/listening_fit.py): constraints, rounding, CV."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# bench/ is not an installed package: import it from the repository root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app.reports.score import ANCHORS  # noqa: E402
from bench.listening_fit import (  # noqa: E402
    FAMILIES,
    FITS,
    Sample,
    bootstrap_interval,
    fit_medians,
    fit_weights,
    nested,
    pooled_auc,
    score,
    stratified_folds,
    whole_points,
)

WEIGHT = {a.key: a.weight for a in ANCHORS}


@pytest.mark.parametrize(
    ("shares", "total", "floor", "expected"),
    [
        ([1, 1, 1], 95, 0, [32, 32, 31]),
        ([0.5, 0.25, 0.25], 100, 0, [50, 25, 25]),
        ([1, 0, 0], 95, 0, [95, 0, 0]),
        ([1, 0, 0], 95, 5, [85, 5, 5]),
        ([0.9, 0.06, 0.04], 100, 5, [89, 6, 5]),
        ([0.5, 0.051, 0.449], 100, 5, [50, 5, 45]),
        ([0.7, 0.048, 0.052, 0.2], 100, 5, [70, 5, 5, 20]),
        ([0, 0, 0], 90, 0, [30, 30, 30]),
    ],
)
def test_listening_fit_whole_points(shares, total, floor, expected):
    points = whole_points(shares, total, floor)
    assert points == expected
    assert sum(points) == total and min(points) >= floor


def synthetic(signal: str, n_high: int = 40, n_low: int = 12, seed: int = 0) -> list[Sample]:
    """Calls where only `signal` tells high from low; every other component is noise."""
    rng = random.Random(seed)
    out = []
    for i in range(n_high + n_low):
        high = i < n_high
        values: dict[str, float | None] = {
            a.key: a.bad + rng.random() * (a.good - a.bad) for a in ANCHORS if a.key != "patience"
        }
        a = next(a for a in ANCHORS if a.key == signal)
        share = rng.uniform(0.55, 1.0) if high else rng.uniform(0.0, 0.45)
        values[signal] = a.bad + share * (a.good - a.bad)
        values["patience"] = None
        out.append(Sample(high, values))
    return out


@pytest.mark.parametrize("signal", ["telling", "open_questions", "monologue"])
def test_listening_fit_weights_find_the_component_that_separates(signal):
    fitted = {a.key: a.weight for a in fit_weights(synthetic(signal))}
    assert max(fitted, key=lambda k: fitted[k]) == signal
    assert fitted[signal] >= 50
    assert min(fitted.values()) >= 0 and sum(fitted.values()) == 100
    # No AnnoMI call measures patience: it keeps its coaching weight.
    assert fitted["patience"] == WEIGHT["patience"]


def test_listening_fit_floor_keeps_every_component():
    fitted = {a.key: a.weight for a in fit_weights(synthetic("telling"), floor=5)}
    assert min(fitted.values()) >= 5 and sum(fitted.values()) == 100
    assert fitted["telling"] == max(fitted.values())


def test_listening_fit_needs_both_classes():
    with pytest.raises(ValueError):
        fit_weights([s for s in synthetic("telling") if s.high])


def test_listening_fit_medians_keep_coaching_direction():
    samples = synthetic("talk_share")
    # Good calls with more "problem" questions than poor ones: the medians point the wrong way.
    samples = [Sample(s.high, {**s.values, "question_craft": 0.6 if s.high else 0.9}) for s in samples]
    moved = {a.key: a for a in fit_medians(samples)}
    talk = moved["talk_share"]
    assert talk.good < talk.bad  # less talk is better, as coached
    assert (moved["question_craft"].good, moved["question_craft"].bad) == (1.0, 0.5)


def test_listening_fit_stratified_folds_spread_the_poor_calls():
    samples = synthetic("telling", n_high=55, n_low=12)
    fold = stratified_folds(samples, 5, random.Random(3))
    low = [f for s, f in zip(samples, fold, strict=True) if not s.high]
    low_per_fold = [low.count(k) for k in range(5)]
    assert sorted(low_per_fold) == [2, 2, 2, 3, 3]
    assert sorted(set(fold)) == [0, 1, 2, 3, 4]


def test_listening_fit_nested_cv_scores_every_family():
    samples = synthetic("telling", n_high=30, n_low=10)
    runs, chosen = nested(samples, 3, 2, 1)
    assert set(runs) == {*FAMILIES, "nested"}
    assert all(len(v) == 2 for v in runs.values())
    # Nothing is fitted in the anchors: every split gives the same AUC, the in-sample one.
    anchors = pooled_auc([score(ANCHORS, s.values) for s in samples], samples)
    assert runs["anchors"] == [anchors, anchors]
    # The fit finds the one component that separates, on calls it never saw.
    assert min(runs["fitted"]) > 0.9
    assert sum(chosen.values()) == 2 * 3


def test_listening_fit_bootstrap_interval_holds_the_auc():
    samples = synthetic("reflections")
    scores = [score(FITS["anchors"](samples), s.values) for s in samples]
    low, high = bootstrap_interval(scores, samples, resamples=300)
    assert low <= pooled_auc(scores, samples) <= high
    assert low < high
