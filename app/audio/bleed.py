"""Microphone bleed: the customer's voice leaking into the interviewer's microphone.

Without headphones the call's audio comes out of the speakers and back in through the
interviewer's microphone, quieter and following the customer's loudness syllable by syllable.
A 32 ms chunk of the interviewer track is bleed when the customer's track was loud in the last
quarter second, the microphone is at least `bleed_margin_db` quieter than that, and the two
loudness curves of the last half second move together. The interviewer's own voice, even over the
customer's, is about as loud as the customer's track and follows its own rhythm, so it passes.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from app.settings import Settings

SILENT_DB = -100.0
WINDOW_CHUNKS = 16  # 0.5 s of loudness history for the correlation
MIN_HEARD = 5  # chunks of customer sound needed before the correlation says anything
TAIL_CHUNKS = 8  # 0.26 s: how long the customer's voice may still be heard after it stops


class Loudness:
    """The loudness (dBFS) of one track on the call's 32 ms chunk grid, filled as audio arrives.

    Chunk `i` covers call time [i * 0.032, (i + 1) * 0.032). Before the track's first chunk the
    track was silent (it had not joined yet).
    """

    def __init__(self) -> None:
        self._first: int | None = None
        self._values = array("d")
        self.open = True
        """False once the track has finished: nobody needs to wait for it any more."""

    @property
    def end(self) -> int:
        """One past the last chunk index known."""
        return 0 if self._first is None else self._first + len(self._values)

    def extend(self, first_index: int, values: npt.NDArray[np.float64]) -> None:
        if self._first is None:
            self._first = first_index
        elif first_index != self.end:
            # A gap (a pause in capture) is silence; an overlap keeps the first values.
            if first_index > self.end:
                self._values.extend([SILENT_DB] * (first_index - self.end))
            else:
                values = values[self.end - first_index :]
        self._values.extend(float(v) for v in values)

    def covers(self, index: int) -> bool:
        return index < self.end

    def window(self, lo: int, hi: int) -> npt.NDArray[np.float64]:
        """Loudness of chunks lo..hi-1; silent where unknown."""
        out = np.full(max(0, hi - lo), SILENT_DB, dtype=np.float64)
        if self._first is None:
            return out
        a, b = max(lo, self._first), min(hi, self.end)
        if b > a:
            out[a - lo : b - lo] = np.frombuffer(self._values, dtype=np.float64)[
                a - self._first : b - self._first
            ]
        return out


@dataclass(frozen=True, slots=True)
class BleedRule:
    margin_db: float = 10.0
    min_correlation: float = 0.5
    floor_db: float = -55.0

    @classmethod
    def from_settings(cls, settings: Settings) -> BleedRule:
        return cls(settings.bleed_margin_db, settings.bleed_min_correlation, settings.bleed_floor_db)

    def is_bleed(self, own: npt.NDArray[np.float64], other: npt.NDArray[np.float64]) -> bool:
        """Whether the last chunk of `own` (the microphone) is only `other` (the customer) leaking in.

        `own` and `other` are the loudness of the same trailing chunks, the judged one last.
        """
        # The customer's level over the last quarter second, not just now: Silero keeps saying
        # "speech" for a few chunks after the leaked voice stops, and rooms echo.
        level = float(other[-TAIL_CHUNKS:].max())
        if level < self.floor_db or own[-1] > level - self.margin_db:
            return False
        # Compare the curves only where the customer is heard: elsewhere the microphone holds the
        # interviewer's own voice or silence, which says nothing about leaking.
        heard = other >= self.floor_db
        if heard.sum() < MIN_HEARD:
            return True  # speech just began: the level rule alone decides
        a, b = own[heard], other[heard]
        if a.std() < 1.0 or b.std() < 1.0:
            return True  # steady sound on both sides: the level rule alone decides
        return float(np.corrcoef(a, b)[0, 1]) >= self.min_correlation
