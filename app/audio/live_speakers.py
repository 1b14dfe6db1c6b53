"""Who is speaking on a live call with one track (one microphone in the room, or the customer
heard through the speakers): each finished speech segment gets a speaker, as the call goes.

No I/O: the call feeds the track's audio as it arrives (`feed`) and asks for the speaker of each
final by its times (`label`). The first segment is speaker 0. Until there is enough speech to
cluster, a segment whose voice is far from every voice heard so far starts a new speaker; after
that, every `RECLUSTER_S` of new speech the windows heard so far are clustered again (the
offline method, `app.audio.diarize`) and the voices matched to the old ones, so labels stay put.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from app.audio.diarize import STEP_S, cluster_windows, smooth_windows
from app.audio.frames import SAMPLE_RATE, Samples
from app.audio.voices import VoiceEncoder, level, normalize

KEEP_S = 120.0  # seconds of audio kept to cut segments from (a final arrives well within this)
WARMUP_S = 20.0  # seconds of speech before the first clustering
RECLUSTER_S = 30.0  # seconds of new speech between two clusterings
NEW_VOICE_SIMILARITY = 0.80  # before the first clustering: a voice less alike than this is new


class LiveSpeakers:
    """Speaker labels (0, 1, ...) for the speech segments of one track, online."""

    def __init__(self, encoder: VoiceEncoder, *, speakers: int = 2) -> None:
        self._encoder = encoder
        self._speakers = speakers
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_start = 0.0  # call time of self._audio[0]
        self._windows: list[np.ndarray] = []  # embeddings of every window heard, in order
        self._segment_of: list[int] = []  # which segment each window came from
        self._voices = np.zeros((0, 0), dtype=np.float32)  # (speakers so far, dim)
        self._clustered_at = 0.0  # seconds of speech at the last clustering
        self._segments = 0

    @property
    def speech_s(self) -> float:
        return len(self._windows) * STEP_S

    def feed(self, samples: Samples) -> None:
        """The track's next audio (16 kHz float mono), right after the previous piece."""
        self._audio = np.concatenate([self._audio, samples.astype(np.float32)])
        extra = len(self._audio) - int(KEEP_S * SAMPLE_RATE)
        if extra > 0:
            self._audio = self._audio[extra:]
            self._audio_start += extra / SAMPLE_RATE

    def label(self, start: float, end: float) -> int:
        """The speaker of the speech between `start` and `end` (call time, fed already)."""
        lo = max(0, int((start - self._audio_start) * SAMPLE_RATE))
        hi = max(lo + 1, int((end - self._audio_start) * SAMPLE_RATE))
        windows = self._embed(self._audio[lo:hi])
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
        labels = cluster_windows(x, self._speakers)
        voices = normalize(np.stack([x[labels == k].mean(axis=0) for k in range(labels.max() + 1)]))
        if len(self._voices):
            # Keep each old label on the new voice most like it.
            _, cols = linear_sum_assignment(-(self._voices @ voices.T))
            order = list(cols) + [k for k in range(len(voices)) if k not in cols]
            voices = voices[order]
        self._voices = voices
        self._clustered_at = self.speech_s
