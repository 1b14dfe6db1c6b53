"""Who is speaking on a live call with one track (one microphone in the room, or the customer
heard through the speakers): each finished speech segment gets a speaker, as the call goes.

No I/O: the call feeds the track's audio as it arrives (`feed`, from the event loop) and asks
for the speaker of each final by its times (`label`, from a worker thread: it runs the encoder).
The first segment is speaker 0. Until there is enough speech to cluster, a segment whose voice
is far from every voice heard so far starts a new speaker; after that, every `RECLUSTER_S` of
new speech the windows heard so far are clustered again (the offline method, `app.audio.diarize`)
and the voices matched to the old ones, so labels stay put. `guess` names the nearest voice
without learning from the audio (partials, VAD intervals: the final of the same speech teaches).
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np
from scipy.optimize import linear_sum_assignment

from app.audio.diarize import CLUSTER_LIMIT, STEP_S, cluster_windows, smooth_windows
from app.audio.frames import SAMPLE_RATE, Samples
from app.audio.voices import VoiceEncoder, level, normalize

KEEP_S = 120.0  # seconds of audio kept to cut segments from (a final arrives well within this)
WARMUP_S = 20.0  # seconds of speech before the first clustering
RECLUSTER_S = 30.0  # seconds of new speech between two clusterings
NEW_VOICE_SIMILARITY = 0.80  # before the first clustering: a voice less alike than this is new


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
        self._voices = np.zeros((0, 0), dtype=np.float32)  # (speakers so far, dim)
        self._clustered_at = 0.0  # seconds of speech at the last clustering
        self._segments = 0

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
        speech is remembered and counts for the next clustering."""
        windows = self._embed(self._cut(start, end))
        self._windows += list(windows)
        self._segment_of += [self._segments] * len(windows)
        self._segments += 1
        voice = normalize(windows.mean(axis=0, keepdims=True))[0]
        if self.speech_s >= WARMUP_S and self.speech_s - self._clustered_at >= RECLUSTER_S:
            self._recluster()
        if len(self._voices) == 0:
            self._voices = voice[None, :]
            return 0
        similarity = self._voices @ voice
        best = int(similarity.argmax())
        new_voice = self._clustered_at == 0 and similarity[best] < NEW_VOICE_SIMILARITY
        if new_voice and len(self._voices) < self._speakers:
            self._voices = np.vstack([self._voices, voice[None, :]])
            return len(self._voices) - 1
        return best

    def guess(self, start: float, end: float) -> int | None:
        """The known voice nearest to the speech between `start` and `end`, learning nothing;
        None before any speech was labelled."""
        if len(self._voices) == 0:
            return None
        windows = self._embed(self._cut(start, end))
        voice = normalize(windows.mean(axis=0, keepdims=True))[0]
        return int((self._voices @ voice).argmax())

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
        width, hop = enc.recipe.window, max(1, round(STEP_S / enc.frame_s))
        if len(feats) < width:
            return enc.embed_windows(np.resize(feats, (width, feats.shape[1]))[None])
        starts = np.arange(0, len(feats) - width + 1, hop)
        return enc.embed(feats, starts)

    def _recluster(self) -> None:
        x = smooth_windows(np.stack(self._windows), np.array(self._segment_of))
        # Spectral clustering costs the cube of the windows: a long call is clustered on an even
        # sample of them, as offline.
        x = x[np.unique(np.linspace(0, len(x) - 1, min(len(x), CLUSTER_LIMIT)).astype(int))]
        labels = cluster_windows(x, self._speakers)
        voices = normalize(np.stack([x[labels == k].mean(axis=0) for k in range(labels.max() + 1)]))
        if len(self._voices):
            # Keep each old label on the new voice most like it.
            _, cols = linear_sum_assignment(-(self._voices @ voices.T))
            order = list(cols) + [k for k in range(len(voices)) if k not in cols]
            voices = voices[order]
        self._voices = voices
        self._clustered_at = self.speech_s
