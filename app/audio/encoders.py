"""The speaker encoders the diarizer can use, behind one interface, chosen by name."""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

from app.audio.frames import Samples
from app.audio.voices import Recipe

EncoderName = Literal["voicefilter", "resemblyzer"]
ENCODERS: tuple[EncoderName, ...] = ("voicefilter", "resemblyzer")


class SpeakerEncoder(Protocol):
    """Features of a recording, and one unit embedding per window of them."""

    recipe: Recipe
    """Its features' frame and window (`recipe.frame_s`, `recipe.window_s`)."""
    one_voice_eigen_ratio: float | None
    """Above this lambda2 / lambda3 the diarizer hears one voice (None: this encoder cannot tell)."""

    def features(self, audio: Samples) -> np.ndarray: ...

    def embed(self, features: np.ndarray, starts: np.ndarray) -> np.ndarray: ...

    def embed_windows(self, windows: np.ndarray) -> np.ndarray: ...

    def voice(self, audio: Samples) -> np.ndarray: ...


# Offline diarization of one mixed channel (app.audio.mixed): Resemblyzer's encoder, better on the
# two-person recordings measured (README, "One mixed channel"). The live one-track path
# (app.audio.live_speakers) keeps the voicefilter encoder: its 0.8 s windows answer sooner.
DIARIZER: EncoderName = "resemblyzer"
# Shorter recordings keep the voicefilter encoder: with 1.6 s windows a person who only asked a
# 1.5 s question has no whole window, and an 8 s memo's answer was cut in two
# (tests/reports/test_analyze_cmd.py); every recording the README measures is 30 s or longer.
SHORT_RECORDING_S = 20.0
SHORT_DIARIZER: EncoderName = "voicefilter"


def diarizer_encoder(seconds: float | None = None) -> SpeakerEncoder:
    """The encoder the offline diarizer uses for a recording of `seconds` (its voices are compared
    only with its own: an interviewer's voice sample goes through the same one)."""
    if seconds is not None and seconds < SHORT_RECORDING_S:
        return load_named(SHORT_DIARIZER)
    return load_named(DIARIZER)


def load_named(name: EncoderName) -> SpeakerEncoder:
    """The encoder called `name`, loaded once per process."""
    if name == "resemblyzer":
        from app.audio.resemblyzer_encoder import load_resemblyzer

        return load_resemblyzer()
    from app.audio.voices import load_encoder

    return load_encoder()
