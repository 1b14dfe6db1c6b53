"""Segmenting's first step: is each 32 ms chunk of a track speech?

Silero's probability with hysteresis (a chunk between the two thresholds keeps the previous
decision), then the mic-bleed check: on the interviewer's track, a chunk that is the customer's
voice leaking into the microphone is not the interviewer's speech. That check needs the
customer's loudness of the same moment, so a decision may wait for it (at most
`bleed_max_wait`). What the decisions mean (segments, pieces, decodes) is `stream.py`'s job.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from app.audio.bleed import WINDOW_CHUNKS, BleedRule, Loudness
from app.audio.frames import SAMPLE_RATE, Samples
from app.audio.vad import CHUNK, Vad, loudness_db
from app.settings import Settings

CHUNK_S = CHUNK / SAMPLE_RATE


class BleedMask:
    """Which chunks of a track were the other side leaking in; finals drop words said there."""

    def __init__(self, start_at: float) -> None:
        self._start_at = start_at
        self._mask = bytearray()

    def mark(self, index: int, bleed: bool) -> None:
        self._mask.extend(b"\0" * (index + 1 - len(self._mask)))
        self._mask[index] = bleed

    def at_time(self, t: float) -> bool:
        i = int((t - self._start_at) / CHUNK_S)
        return 0 <= i < len(self._mask) and bool(self._mask[i])


@dataclass
class _Pending:
    """A chunk whose speech decision may wait for the customer's loudness (bleed check)."""

    index: int
    prob: float


class SpeechGate:
    """Speech decisions for one track's chunks, in order."""

    def __init__(
        self,
        settings: Settings,
        vad: Vad,
        *,
        grid0: int,
        loudness: Loudness,
        reference: Loudness | None,
        bleed: BleedMask,
    ) -> None:
        """`grid0`: the call's chunk index of this track's chunk 0. `loudness`: where this track
        publishes its own; `reference`: the customer's, for the interviewer track's bleed check."""
        self._vad = vad
        self._grid0 = grid0
        self._loudness = loudness
        self._reference = reference
        self._bleed_rule = BleedRule.from_settings(settings)
        self._bleed = bleed
        self._threshold = settings.vad_threshold
        self._neg_threshold = max(settings.vad_threshold - 0.15, 0.01)
        self._wait_chunks = round(settings.bleed_max_wait / CHUNK_S)
        self._pending: deque[_Pending] = deque()
        self._was_speech = False  # hysteresis between neg_threshold and threshold
        self.arrived = 0
        """Chunks received and run through the VAD."""

    def arrive(self, chunks: Samples) -> None:
        """Run the VAD on whole chunks (shape: n x CHUNK) and queue their decisions."""
        probs = self._vad.probabilities(chunks)
        first = self.arrived
        self._loudness.extend(self._grid0 + first, loudness_db(chunks))
        for k in range(len(chunks)):
            self._pending.append(_Pending(first + k, float(probs[k])))
        self.arrived += len(chunks)

    def decide(self, *, final: bool) -> Iterator[tuple[int, bool]]:
        """(chunk index, speech?) for every chunk that can be decided now; `final`: decide all,
        without waiting for the customer's audio."""
        ref = self._reference
        while self._pending:
            item = self._pending[0]
            if (
                ref is not None
                and ref.open
                and not final
                and not ref.covers(self._grid0 + item.index)
                and self.arrived - item.index <= self._wait_chunks
            ):
                return  # wait for the customer's audio of this moment
            self._pending.popleft()
            yield item.index, self._classify(item)

    def _classify(self, item: _Pending) -> bool:
        if item.prob >= self._threshold:
            speech = True
        elif item.prob < self._neg_threshold:
            speech = False
        else:
            speech = self._was_speech
        self._was_speech = speech
        if self._reference is not None:
            grid = self._grid0 + item.index
            lo = grid - WINDOW_CHUNKS + 1
            own = self._loudness.window(lo, grid + 1)
            other = self._reference.window(lo, grid + 1)
            bleed = self._bleed_rule.is_bleed(own, other)
            self._bleed.mark(item.index, bleed)
            if bleed:
                return False
        return speech
