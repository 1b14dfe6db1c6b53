"""SpeechGate alone: speech decisions per chunk, hysteresis, and the wait for the other track."""

from __future__ import annotations

import numpy as np

from app.audio.bleed import Loudness
from app.audio.gate import BleedMask, SpeechGate
from app.audio.vad import CHUNK
from app.settings import Settings


class ScriptedVad:
    def __init__(self, probs: list[float]) -> None:
        self.probs = list(probs)

    def probabilities(self, chunks: np.ndarray) -> np.ndarray:
        out, self.probs = self.probs[: len(chunks)], self.probs[len(chunks) :]
        return np.array(out, dtype=np.float32)


def chunks(n: int, level: float = 0.1) -> np.ndarray:
    return np.full((n, CHUNK), level, dtype=np.float32)


def gate(probs: list[float], reference: Loudness | None = None) -> SpeechGate:
    s = Settings(vad_threshold=0.5)
    return SpeechGate(
        s, ScriptedVad(probs), grid0=0, loudness=Loudness(), reference=reference, bleed=BleedMask(0.0)
    )


def test_gate_hysteresis_keeps_the_last_decision_between_thresholds() -> None:
    # 0.4 is between the thresholds (0.35 and 0.5): it keeps whatever came before.
    g = gate([0.4, 0.9, 0.4, 0.1, 0.4])
    g.arrive(chunks(5))
    assert list(g.decide(final=False)) == [(0, False), (1, True), (2, True), (3, False), (4, False)]


def test_gate_waits_for_the_other_tracks_audio_of_the_same_moment() -> None:
    customer = Loudness()
    g = gate([0.9, 0.9], reference=customer)
    g.arrive(chunks(2))
    assert list(g.decide(final=False)) == []  # the customer's loudness is not in yet
    customer.extend(0, np.full(2, -60.0))
    assert [i for i, _ in g.decide(final=False)] == [0, 1]


def test_gate_final_decides_without_waiting() -> None:
    g = gate([0.9], reference=Loudness())
    g.arrive(chunks(1))
    assert list(g.decide(final=True)) == [(0, True)]
