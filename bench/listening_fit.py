"""Fitting the listening score's weights, and measuring the fit on transcripts it never saw.

The score (app/reports/score.py) is points earned over points available, each component's
points a straight line between a "bad" and a "good" value. A *formula* here is one set of
anchors (weight, good, bad per component). The family measured, declared before measuring:

- `anchors`: the coaching anchors as they are (nothing fitted);
- `fitted`: the weights of a logistic regression of high over low quality on the components'
  positions (0..1 between their anchors), every weight >= 0 (a coach's sign: the anchors
  already say which way is better), rounded to whole points;
- `floor`: the same with every component keeping at least 5 points (coaching says each
  matters; on customer interviews "what would ..." questions are bad even where MI's
  counsellors ask them);
- `medians`: the coaching weights, with each component's good and bad values moved to the
  training transcripts' high- and low-quality medians (kept where those disagree with the
  coaching direction or are equal).

Declared before measuring (issue 8): the family is chosen by nested CV (an inner CV on each
outer training set); the formula shipped is the family the same CV picks on all of AnnoMI dev,
fitted on all of it, and only if its nested-CV AUC clears the anchors' (0.827) clearly.

`patience` has no value on transcripts timed by turn starts (AnnoMI), so no fit can say
anything about it: it keeps its coaching 5 points in every formula and the other components
share the remaining 95.

The logistic regression: L2 penalty 1/2 |beta|^2 (scikit-learn's C=1), each quality class
weighing half (AUC treats the two alike), a missing position (no evidence in that call) set
to the training mean. With a floor f, the weights w (sum 1, every w_k >= f) are the cone
spanned by f + (1 - K f) e_k, so the fit is a non-negative regression on the features
f * sum(p) + (1 - K f) p_k: convex, box-constrained (scipy's TNC).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from app.reports.score import ANCHORS, Anchor, listening_score

Values = Mapping[str, float | None]
FAMILIES: tuple[str, ...] = ("anchors", "fitted", "floor", "medians")
# The component no AnnoMI transcript measures (turn starts give no pauses): never fitted.
UNFITTED: frozenset[str] = frozenset({"patience"})
FLOOR_POINTS = 5
L2 = 1.0


@dataclass(frozen=True, slots=True)
class Sample:
    high: bool
    values: Values


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """ROC AUC by Mann-Whitney: P(a positive scores above a negative), ties counting a half."""
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative")
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


def score(anchors: Sequence[Anchor], values: Values) -> float:
    """The report's score (a whole number) under these anchors; a call without evidence scores 50."""
    s = listening_score(values, anchors).score
    return 50.0 if s is None else float(s)


def position(anchor: Anchor, value: float | None) -> float | None:
    if value is None:
        return None
    return min(1.0, max(0.0, (value - anchor.bad) / (anchor.good - anchor.bad)))


def whole_points(shares: Sequence[float], total: int, floor: int = 0) -> list[int]:
    """Shares (any scale) as whole points summing to `total`, each >= floor (largest remainder)."""
    if floor * len(shares) > total:
        raise ValueError(f"{len(shares)} floors of {floor} exceed {total}")
    weights = [max(0.0, x) for x in shares] if sum(shares) > 0 else [1.0] * len(shares)
    # Those whose share falls under the floor get the floor; the rest share what is left, in proportion.
    at_floor: set[int] = set()
    while True:
        free = [i for i in range(len(weights)) if i not in at_floor]
        spare = total - floor * len(at_floor)
        mass = sum(weights[i] for i in free)
        exact = [float(floor)] * len(weights)
        for i in free:
            exact[i] = spare * weights[i] / mass if mass else spare / len(free)
        under = {i for i in free if exact[i] < floor}
        if not under:
            break
        at_floor |= under
    points = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (points[i] - exact[i], i))
    for i in by_remainder[: total - sum(points)]:
        points[i] += 1
    return points


def fit_weights(samples: Sequence[Sample], floor: int = 0, base: Sequence[Anchor] = ANCHORS) -> list[Anchor]:
    """`base` with the fitted components' weights from the constrained logistic regression."""
    fitted = [a for a in base if a.key not in UNFITTED]
    total = 100 - sum(int(a.weight) for a in base if a.key in UNFITTED)
    k = len(fitted)
    f = floor / total
    raw = np.array(
        [[np.nan if (p := position(a, s.values.get(a.key))) is None else p for a in fitted] for s in samples]
    )
    seen = (~np.isnan(raw)).sum(axis=0)
    means = np.where(seen > 0, np.nansum(raw, axis=0) / np.maximum(seen, 1), 0.5)
    pos = np.where(np.isnan(raw), means, raw)
    # Features whose non-negative coefficients span exactly the weights with every share >= f.
    x = f * pos.sum(axis=1, keepdims=True) + (1 - k * f) * pos
    y = np.array([1.0 if s.high else 0.0 for s in samples])
    n_high = y.sum()
    n_low = len(y) - n_high
    if not n_high or not n_low:
        raise ValueError("fitting needs both high- and low-quality transcripts")
    sw = np.where(y == 1, len(y) / (2 * n_high), len(y) / (2 * n_low))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        # log(1 + e^z) - y z, stably.
        nll = np.logaddexp(0.0, z) - y * z
        p = 1.0 / (1.0 + np.exp(-z))
        g = sw * (p - y)
        value = float(sw @ nll + 0.5 * L2 * theta[1:] @ theta[1:])
        grad = np.concatenate(([g.sum()], x.T @ g + L2 * theta[1:]))
        return value, grad

    start = np.concatenate(([0.0], np.full(k, 1.0)))
    bounds = [(None, None)] + [(0.0, None)] * k
    result = minimize(loss, start, jac=True, method="TNC", bounds=bounds)
    beta = result.x[1:]
    shares = f * beta.sum() + (1 - k * f) * beta
    points = whole_points(list(shares), total, floor)
    weights = dict(zip((a.key for a in fitted), points, strict=True))
    return [replace(a, weight=weights.get(a.key, a.weight)) for a in base]


def fit_medians(samples: Sequence[Sample], base: Sequence[Anchor] = ANCHORS) -> list[Anchor]:
    """`base` with good/bad moved to the high/low medians where they point the coaching way."""
    out: list[Anchor] = []
    for a in base:
        high = [v for s in samples if s.high and (v := s.values.get(a.key)) is not None]
        low = [v for s in samples if not s.high and (v := s.values.get(a.key)) is not None]
        if a.key in UNFITTED or not high or not low:
            out.append(a)
            continue
        good, bad = statistics.median(high), statistics.median(low)
        same_way = (good - bad) * (a.good - a.bad) > 0
        out.append(replace(a, good=good, bad=bad) if same_way else a)
    return out


FITS: dict[str, Callable[[Sequence[Sample]], list[Anchor]]] = {
    "anchors": lambda _: list(ANCHORS),
    "fitted": lambda s: fit_weights(s),
    "floor": lambda s: fit_weights(s, FLOOR_POINTS),
    "medians": fit_medians,
}


def stratified_folds(samples: Sequence[Sample], k: int, rng: random.Random) -> list[int]:
    """A fold for each sample, each quality class shuffled and dealt round-robin to k folds."""
    fold = [0] * len(samples)
    start = 0
    for high in (True, False):
        members = [i for i, s in enumerate(samples) if s.high == high]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold[i] = (start + j) % k
        start = (start + len(members)) % k
    return fold


def pooled_auc(scores: Sequence[float], samples: Sequence[Sample]) -> float:
    high = [x for x, s in zip(scores, samples, strict=True) if s.high]
    low = [x for x, s in zip(scores, samples, strict=True) if not s.high]
    return auc(high, low)


def out_of_fold(
    samples: Sequence[Sample], k: int, rng: random.Random, fit: Callable[[Sequence[Sample]], list[Anchor]]
) -> list[float]:
    """Each sample scored by a formula fitted on the other folds."""
    fold = stratified_folds(samples, k, rng)
    scores = [0.0] * len(samples)
    for f in range(k):
        anchors = fit([s for s, g in zip(samples, fold, strict=True) if g != f])
        for i, g in enumerate(fold):
            if g == f:
                scores[i] = score(anchors, samples[i].values)
    return scores


def choose(
    samples: Sequence[Sample], k: int, repeats: int, rng: random.Random
) -> tuple[str, dict[str, float]]:
    """The family with the best mean pooled CV AUC on `samples` (ties: the earlier, simpler one)."""
    means: dict[str, float] = {}
    seeds = [rng.random() for _ in range(repeats)]
    for name in FAMILIES:
        runs = [pooled_auc(out_of_fold(samples, k, random.Random(s), FITS[name]), samples) for s in seeds]
        means[name] = statistics.fmean(runs)
    best = max(FAMILIES, key=lambda name: (round(means[name], 9), -FAMILIES.index(name)))
    return best, means


def nested(
    samples: Sequence[Sample], k: int, repeats: int, inner_repeats: int, seed: int = 0
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Repeated outer K-fold CV: each family's pooled AUC per repeat, and the nested choice's.

    In each outer training set an inner K-fold CV (inner_repeats random splits) picks the family;
    it is then fitted on that whole training set and scores the outer held-out fold.
    Returns (AUCs per repeat keyed by family and "nested", how often each family was chosen).
    """
    runs: dict[str, list[float]] = {name: [] for name in (*FAMILIES, "nested")}
    chosen: dict[str, int] = dict.fromkeys(FAMILIES, 0)
    for r in range(repeats):
        rng = random.Random(seed * 100_003 + r)
        fold = stratified_folds(samples, k, rng)
        scores: dict[str, list[float]] = {name: [0.0] * len(samples) for name in runs}
        for f in range(k):
            train = [s for s, g in zip(samples, fold, strict=True) if g != f]
            held = [i for i, g in enumerate(fold) if g == f]
            formulas = {name: FITS[name](train) for name in FAMILIES}
            pick, _ = choose(train, k, inner_repeats, rng)
            chosen[pick] += 1
            formulas["nested"] = formulas[pick]
            for name, anchors in formulas.items():
                for i in held:
                    scores[name][i] = score(anchors, samples[i].values)
        for name in runs:
            runs[name].append(pooled_auc(scores[name], samples))
    return runs, chosen


def bootstrap_interval(
    scores: Sequence[float], samples: Sequence[Sample], resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of the AUC, transcripts resampled with replacement within each quality class.

    It says how far the AUC of 12 poor sessions moves with which sessions happen to be there.
    """
    rng = random.Random(seed)
    high = [x for x, s in zip(scores, samples, strict=True) if s.high]
    low = [x for x, s in zip(scores, samples, strict=True) if not s.high]
    runs = sorted(auc(rng.choices(high, k=len(high)), rng.choices(low, k=len(low))) for _ in range(resamples))
    return runs[int(0.025 * resamples)], runs[int(0.975 * resamples) - 1]
