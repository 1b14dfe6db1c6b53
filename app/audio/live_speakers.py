"""Who is speaking on a live call with one track (one microphone in the room, or the customer
heard through the speakers): each finished speech segment gets a speaker, as the call goes.

No I/O: the call feeds the track's audio as it arrives (`feed`, from the event loop) and asks
for the speaker of each final by its times (`label`, from a worker thread: it runs the encoder).
The first segment is speaker 0. At every final the windows heard so far (an even sample of
them, and all of the new segment's) are clustered again as offline (`app.audio.diarize`: spectral
clustering of 0.8 s embeddings), and each cluster takes the label most of its windows were given
before, so labels stay put; the new segment gets the label of most of its windows. Clustering
again works where comparing with a fixed voice print fails: the encoder's embeddings of two
voices are close in absolute terms, and only their neighbourhoods tell them apart. `split`
clusters some speech the same way without learning from it (VAD intervals); `guess`, for the
partials, only asks the nearest windows labelled so far.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np
from scipy.optimize import linear_sum_assignment

from app.audio.diarize import cluster_windows, smooth_windows
from app.audio.frames import SAMPLE_RATE, Samples
from app.audio.voices import VoiceEncoder, level

# Seconds between embedding windows, as the live bench in the README measured it (offline,
# app.audio.diarize steps 0.8 s: a live segment is judged from far fewer windows).
STEP_S = 0.4
KEEP_S = 120.0  # seconds of audio kept to cut segments from (a final arrives well within this)
# Windows clustered at each final: the newest segment's and an even sample of the older ones.
# Small enough (about 20 ms of clustering) to redo for every final; 160 s of speech in all.
CLUSTER_SAMPLE = 400
NEIGHBOURS = 10  # windows of the last clustering that vote on a window `guess` hears


class LiveSpeakers:
    """Speaker labels (0, 1, ...) for the speech segments of one track, online."""

    def __init__(self, encoder: VoiceEncoder, *, speakers: int = 2, start_at: float = 0.0) -> None:
        self._encoder = encoder
        self._speakers = speakers
        # Pieces of audio as fed: appending is cheap, and old ones drop off whole.
        self._chunks: deque[Samples] = deque()
        self._held = 0  # samples in self._chunks
        self._audio_start = start_at  # call time of the first sample held
        self._lock = threading.Lock()  # `feed` (event loop) against `_cut` (worker thread)
        self._windows: list[np.ndarray] = []  # embeddings of every window heard, in order
        self._segment_of: list[int] = []  # which segment each window came from
        self._published: list[int] = []  # the label each window was given
        self._segments = 0
        # The windows of the last clustering and their labels, for `guess`.
        self._reference = np.zeros((0, 0), dtype=np.float32)
        self._reference_labels = np.zeros(0, dtype=int)

    @property
    def speech_s(self) -> float:
        return len(self._windows) * STEP_S

    @property
    def held_s(self) -> tuple[float, float]:
        """(call time of the first sample held, seconds held)."""
        with self._lock:
            return self._audio_start, self._held / SAMPLE_RATE

    def feed(self, samples: Samples) -> None:
        """The track's next audio (16 kHz float mono), right after the previous piece."""
        with self._lock:
            self._chunks.append(samples.astype(np.float32, copy=False))
            self._held += len(samples)
            keep = int(KEEP_S * SAMPLE_RATE)
            while self._chunks and self._held - len(self._chunks[0]) >= keep:
                old = self._chunks.popleft()
                self._held -= len(old)
                self._audio_start += len(old) / SAMPLE_RATE

    def label(self, start: float, end: float) -> int:
        """The speaker of the speech between `start` and `end` (call time, fed already); the
        speech is remembered for the next clusterings."""
        windows = self._embed(self._cut(start, end))
        labels = self._assign(windows)
        mine = int(np.bincount(labels).argmax())
        self._reference = np.concatenate([self._reference.reshape(-1, windows.shape[1]), windows])
        self._reference_labels = np.concatenate([self._reference_labels, labels])
        if len(self._reference) > CLUSTER_SAMPLE:  # the newest windows: voices drift with the room
            self._reference = self._reference[-CLUSTER_SAMPLE:]
            self._reference_labels = self._reference_labels[-CLUSTER_SAMPLE:]
        self._windows += list(windows)
        self._segment_of += [self._segments] * len(windows)
        self._segments += 1
        self._published += [mine] * len(windows)
        return mine

    def guess(self, start: float, end: float) -> int:
        """The voice of the speech between `start` and `end`, learning nothing, quickly (for
        partials, several a second): each window takes the vote of its nearest windows at the
        last clustering."""
        if len(self._reference) == 0:
            return 0
        windows = self._embed(self._cut(start, end))
        near = np.argsort(-(windows @ self._reference.T), axis=1)[:, :NEIGHBOURS]
        return int(np.bincount(self._reference_labels[near].ravel()).argmax())

    def split(self, start: float, end: float) -> list[tuple[int, float, float]]:
        """The speech between `start` and `end` cut where the voice changes: (voice, start, end)
        runs, learning nothing. One VAD interval often holds a question and its quick answer."""
        labels = self._assign(self._embed(self._cut(start, end)))
        # One odd window between two that agree is noise, not a turn of 0.4 s.
        for i in range(1, len(labels) - 1):
            if labels[i - 1] == labels[i + 1] != labels[i]:
                labels[i] = labels[i - 1]
        half = self._encoder.recipe.window_s / 2
        centres = start + half + STEP_S * np.arange(len(labels))
        runs: list[tuple[int, float, float]] = []
        lo = start
        for i in range(1, len(labels) + 1):
            if i == len(labels):
                runs.append((int(labels[i - 1]), lo, end))
            elif labels[i] != labels[i - 1]:
                cut = float((centres[i - 1] + centres[i]) / 2)
                runs.append((int(labels[i - 1]), lo, cut))
                lo = cut
        return runs

    def _assign(self, windows: np.ndarray) -> np.ndarray:
        """Labels of new `windows` of one segment, clustered with a sample of those heard before."""
        first = len(self._windows)
        if first == 0:
            return np.zeros(len(windows), dtype=int)
        heard = np.concatenate([np.stack(self._windows), windows])
        segments = np.array([*self._segment_of, *([self._segments] * len(windows))])
        smooth = smooth_windows(heard, segments)
        older = np.unique(np.linspace(0, first - 1, min(first, CLUSTER_SAMPLE - len(windows))).astype(int))
        picked = np.concatenate([older, np.arange(first, len(heard))])
        clusters = cluster_windows(smooth[picked], self._speakers)
        # Each cluster takes the label most of its windows were given before, so the labels
        # already on screen keep their meaning; a cluster given none before gets a new one.
        published = np.array(self._published)[older]
        k = max(int(clusters.max()) + 1, int(published.max()) + 1)
        agree = np.zeros((k, k))
        np.add.at(agree, (clusters[: len(older)], published), 1)
        rows, cols = linear_sum_assignment(-agree)
        mapping = np.zeros(k, dtype=int)
        mapping[rows] = cols
        labels: np.ndarray = mapping[clusters[len(older) :]]
        return labels

    def _cut(self, start: float, end: float) -> Samples:
        with self._lock:
            lo = max(0, int((start - self._audio_start) * SAMPLE_RATE))
            hi = min(self._held, max(lo + 1, int((end - self._audio_start) * SAMPLE_RATE)))
            out: list[Samples] = []
            at = 0
            for chunk in self._chunks:
                if at >= hi:
                    break
                if at + len(chunk) > lo:
                    out.append(chunk[max(0, lo - at) : hi - at])
                at += len(chunk)
        return np.concatenate(out) if out else np.zeros(1, dtype=np.float32)

    def _embed(self, audio: Samples) -> np.ndarray:
        enc = self._encoder
        feats = enc.features(level(audio))
        width, hop = enc.recipe.window, max(1, round(STEP_S / enc.recipe.frame_s))
        if len(feats) < width:
            return enc.embed_windows(np.resize(feats, (width, feats.shape[1]))[None])
        starts = np.arange(0, len(feats) - width + 1, hop)
        return enc.embed(feats, starts)
