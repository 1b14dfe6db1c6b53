"""A small multi-head linear model over sparse binary features, trained and run with numpy.

Each head is a softmax over its classes (a flag is a two-class head: absent, present). Training
is full-batch Adam on the L2-regularised log loss from zero weights, so the same data gives the
same weights on every machine; there is no random initialisation or shuffling. The trained
model is a JSON file: the feature names, and for each head its classes, bias and one weight
row per feature (features whose weights are all near zero are left out).

Rows are lists of feature names; the model only looks names up, so it knows nothing of spaCy.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Weights smaller than this are dropped from the shipped file: they change no decision.
PRUNE = 1e-3
DECIMALS = 4


@dataclass(frozen=True, slots=True)
class HeadData:
    """The training rows of one head: row indices into the feature rows, gold class, weight."""

    rows: Sequence[int]
    labels: Sequence[int]
    weights: Sequence[float]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    # Chosen by grouped CV (1e-4 before): stronger regularisation generalises better to interviews
    # not seen in training (real turns: flag macro-F1 0.372 -> 0.379, stacked precision 0.83 -> 0.88).
    l2: float = 3e-4
    steps: int = 150
    learning_rate: float = 0.1
    min_count: int = 2
    """A feature seen in fewer training rows than this is ignored."""


class Head:
    """One softmax head: classes, bias (C,) and weights (D, C) over the model's features."""

    def __init__(self, classes: Sequence[str], bias: FloatArray, weights: FloatArray) -> None:
        self.classes = tuple(classes)
        self.bias = bias
        self.weights = weights

    def probabilities(self, indices: Sequence[int]) -> FloatArray:
        scale = 1.0 / math.sqrt(max(1, len(indices)))
        logits = self.bias + self.weights[list(indices)].sum(axis=0) * scale
        logits = logits - logits.max()
        exp: FloatArray = np.exp(logits)
        out: FloatArray = exp / exp.sum()
        return out

    def contributions(self, indices: Sequence[int], cls: int) -> FloatArray:
        """How much each feature pushes towards class `cls` against the others (for evidence)."""
        rows = self.weights[list(indices)]
        others = np.delete(rows, cls, axis=1).max(axis=1) if rows.shape[1] > 1 else 0.0
        diff: FloatArray = rows[:, cls] - others
        return diff


class LinearModel:
    """Feature names to indices, and one Head per name."""

    def __init__(self, features: Sequence[str], heads: Mapping[str, Head], meta: Mapping[str, Any]) -> None:
        self.features = tuple(features)
        self.index = {name: i for i, name in enumerate(self.features)}
        self.heads = dict(heads)
        self.meta = dict(meta)
        # Every head's weights side by side: one gather of a turn's feature rows serves all heads
        # (decide.py asks every head about every utterance; one head at a time took ~0.3 ms).
        widths = [len(head.classes) for head in self.heads.values()]
        self._stacked: FloatArray = (
            np.concatenate([head.weights for head in self.heads.values()], axis=1)
            if self.heads
            else np.zeros((len(self.features), 0))
        )
        self._bias: FloatArray = (
            np.concatenate([head.bias for head in self.heads.values()]) if widths else np.zeros(0)
        )
        self._starts = np.cumsum([0, *widths[:-1]]).astype(np.intp)
        self._segment = np.repeat(np.arange(len(widths)), widths)

    def probabilities(self, indices: Sequence[int]) -> dict[str, FloatArray]:
        """Every head's class probabilities for one row of feature indices.

        The same numbers as each head's `Head.probabilities`, computed for all heads at once:
        the rows are summed per column in the same order, and the softmax runs per head.
        """
        if not self.heads:
            return {}
        scale = 1.0 / math.sqrt(max(1, len(indices)))
        logits = self._bias + self._stacked[list(indices)].sum(axis=0) * scale
        logits = logits - np.maximum.reduceat(logits, self._starts)[self._segment]
        exp: FloatArray = np.exp(logits)
        probs: FloatArray = exp / np.add.reduceat(exp, self._starts)[self._segment]
        out: dict[str, FloatArray] = {}
        for (name, head), start in zip(self.heads.items(), self._starts.tolist(), strict=True):
            if len(head.classes) > 2:
                # numpy sums three or more numbers in another order than reduceat: the last bit
                # differs, and a confidence on a threshold's edge could flip. Sum it the head's way.
                part = exp[start : start + len(head.classes)]
                out[name] = part / part.sum()
            else:
                out[name] = probs[start : start + len(head.classes)]
        return out

    def indices(self, names: Sequence[str]) -> list[int]:
        get = self.index.get
        return sorted({i for i in map(get, names) if i is not None})

    def to_json(self) -> str:
        used = np.zeros(len(self.features), dtype=bool)
        for head in self.heads.values():
            used |= np.abs(head.weights).max(axis=1) >= PRUNE
        keep = np.flatnonzero(used)
        out: dict[str, Any] = {
            "meta": self.meta,
            "features": [self.features[i] for i in keep],
            "heads": {
                name: {
                    "classes": list(head.classes),
                    "bias": [round(float(b), DECIMALS) for b in head.bias],
                    "weights": [[round(float(v), DECIMALS) for v in head.weights[i]] for i in keep],
                }
                for name, head in sorted(self.heads.items())
            },
        }
        return json.dumps(out, separators=(",", ":"), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LinearModel:
        raw = json.loads(text)
        heads = {
            name: Head(
                h["classes"],
                np.asarray(h["bias"], dtype=np.float64),
                np.asarray(h["weights"], dtype=np.float64).reshape(len(raw["features"]), len(h["classes"])),
            )
            for name, h in raw["heads"].items()
        }
        return cls(raw["features"], heads, raw.get("meta", {}))

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def vocabulary(rows: Sequence[Sequence[str]], min_count: int) -> list[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(set(row))
    return sorted(name for name, n in counts.items() if n >= min_count)


def _csr(rows: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray, FloatArray]:
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    indices = np.array([i for r in rows for i in r], dtype=np.int64)
    # Every row is scaled to unit length, so a long turn does not shout over a short one.
    scale = 1.0 / np.sqrt(np.maximum(lengths, 1))
    return lengths, indices, np.repeat(scale, lengths)


def fit_head(
    classes: Sequence[str], rows: Sequence[Sequence[int]], data: HeadData, dim: int, config: TrainConfig
) -> Head:
    """Adam on the weighted, L2-regularised softmax log loss, from zero weights."""
    n_classes = len(classes)
    chosen = [rows[i] for i in data.rows]
    n_rows = len(chosen)
    lengths, indices, values = _csr(chosen)
    owner = np.repeat(np.arange(len(chosen)), lengths)
    labels = np.asarray(data.labels, dtype=np.int64)
    weights = np.asarray(data.weights, dtype=np.float64)
    weights = weights / weights.sum()
    onehot = np.zeros((len(chosen), n_classes))
    onehot[np.arange(len(chosen)), labels] = 1.0
    w = np.zeros((dim, n_classes))
    b = np.zeros(n_classes)
    params = [w, b]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, config.steps + 1):
        # bincount per class is the sparse product X @ w (np.add.at is many times slower).
        logits: FloatArray = np.stack(
            [np.bincount(owner, weights=w[indices, c] * values, minlength=n_rows) for c in range(n_classes)],
            axis=1,
        )
        logits += b
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        delta = (prob - onehot) * weights[:, None]
        grad_w: FloatArray = np.stack(
            [np.bincount(indices, weights=delta[owner, c] * values, minlength=dim) for c in range(n_classes)],
            axis=1,
        )
        grad_w += config.l2 * w
        grads = [grad_w, delta.sum(axis=0)]
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat = m[k] / (1 - beta1**step)
            v_hat = v[k] / (1 - beta2**step)
            p -= config.learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    return Head(classes, b, w)
