"""Resemblyzer's GE2E speaker encoder, its weights read from the wheel and run in numpy (no torch).

The `resemblyzer` wheel (0.1.4, Apache-2.0) ships `pretrained.pt`: a 3-layer LSTM (40 mel bands in,
hidden 256) whose last hidden state goes through a 256x256 linear layer, a ReLU and an L2 norm,
on 1.6 s partials (160 frames of 25 ms every 10 ms; power mel, not log). Its Python code imports
torch, librosa and webrtcvad, none of which we need: the package is installed without its
dependencies, found with `importlib.util.find_spec` (which does not run its `__init__`), and the
file is read here as torch's legacy serialization with the standard library's pickle.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from app.audio.frames import Samples
from app.audio.voices import Recipe, level, normalize, power_mel
from models.errors import ModelError

_PACKAGE = "resemblyzer"
_WEIGHTS = "pretrained.pt"
INSTALL_HINT = 'pip install --no-deps "resemblyzer==0.1.4"'
_LAYERS, _HIDDEN, _MELS = 3, 256, 40
_BATCH = 128  # windows per LSTM pass: large matmuls, bounded memory
TARGET_DBFS = -30.0  # Resemblyzer's training audio was raised to this level (RMS) before the mels
# Above this lambda2 / lambda3 of the window graph the diarizer hears one voice, not 2..4
# (app.audio.diarize.cluster_windows). Calibrated by bench/speaker_separation.py on 20 labelled
# recordings (in-sample: AMI trn09, three people, is the one it gets wrong; leaving each recording
# out, one synthetic two-person call at 0.60 would also be merged): README, "How many people".
ONE_VOICE_EIGEN_RATIO: float | None = 0.643
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES: dict[str, type[np.generic]] = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "LongStorage": np.int64,
}


class EncoderMissing(ModelError):
    """The Resemblyzer weights are not installed; the message names the fix (the CLI prints it)."""


def weights_path() -> Path:
    """Where the wheel put `pretrained.pt`, found without importing resemblyzer (its code needs torch)."""
    spec = importlib.util.find_spec(_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / _WEIGHTS
        if path.is_file():
            return path
    raise EncoderMissing(
        f"The speaker encoder's weights ({_PACKAGE}/{_WEIGHTS}) are not installed: run `{INSTALL_HINT}` "
        "(without its dependencies: torch is not needed) in SecondEar's environment."
    )


class _StateDict(dict[str, Any]):
    """torch's state dicts are OrderedDicts with a `_metadata` attribute: a dict that takes one."""


@dataclass
class _Tensor:
    """A tensor named in the pickle, filled once the storages after it have been read."""

    key: str
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


class _LegacyUnpickler(pickle.Unpickler):
    """Torch's legacy pickle with tensors as placeholders; any other class is refused."""

    def __init__(self, file: io.BufferedIOBase, dtypes: dict[str, type[np.generic]]) -> None:
        super().__init__(file)
        self.dtypes = dtypes

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return _StateDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"{_WEIGHTS}: unexpected {module}.{name} (not a plain state dict)")

    def persistent_load(self, pid: Any) -> Any:
        kind, storage_type, key, _location, _size = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"{_WEIGHTS}: unexpected persistent id {kind!r}")
        self.dtypes[str(key)] = _DTYPES[str(storage_type)]
        return str(key)


def _rebuild(key: str, offset: int, shape: tuple[int, ...], stride: tuple[int, ...], *_: Any) -> _Tensor:
    return _Tensor(key, int(offset), tuple(shape), tuple(stride))


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """The model's state dict (name -> float32 array), read from torch's legacy format."""
    with path.open("rb") as f:
        if pickle.load(f) != _LEGACY_MAGIC:
            raise ValueError(f"{path} is not a torch legacy checkpoint")
        pickle.load(f)  # protocol version
        info = pickle.load(f)
        if not info.get("little_endian", True):
            raise ValueError(f"{path} was written big-endian")
        dtypes: dict[str, type[np.generic]] = {}
        checkpoint = _LegacyUnpickler(f, dtypes).load()
        keys = pickle.load(f)
        storages: dict[str, np.ndarray] = {}
        for key in keys:
            count = int(np.frombuffer(f.read(8), dtype="<i8")[0])
            dtype = np.dtype(dtypes[str(key)])
            storages[str(key)] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype.newbyteorder("<"))
    out: dict[str, np.ndarray] = {}
    for name, t in checkpoint["model_state"].items():
        data = storages[t.key]
        item = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[t.offset :], shape=t.shape, strides=tuple(s * item for s in t.stride)
        )
        out[name] = np.array(view, dtype=np.float32)
    return out


class ResemblyzerEncoder:
    """Mel features of a recording, and one unit-length embedding per 1.6 s window of them.

    The same interface as app.audio.voices.VoiceEncoder, so the diarizer takes either.
    """

    one_voice_eigen_ratio: float | None = ONE_VOICE_EIGEN_RATIO

    def __init__(self, path: Path | None = None) -> None:
        w = load_weights(path or weights_path())
        self._ih: list[np.ndarray] = []
        self._hh: list[np.ndarray] = []
        self._bias: list[np.ndarray] = []
        for k in range(_LAYERS):
            # PyTorch's LSTM: weight_ih (4H, in), gates in the order input, forget, cell, output.
            self._ih.append(np.ascontiguousarray(w[f"lstm.weight_ih_l{k}"].T))
            self._hh.append(np.ascontiguousarray(w[f"lstm.weight_hh_l{k}"].T))
            self._bias.append(w[f"lstm.bias_ih_l{k}"] + w[f"lstm.bias_hh_l{k}"])
        self._linear = np.ascontiguousarray(w["linear.weight"].T)
        self._linear_bias = w["linear.bias"]
        self.recipe = Recipe(n_fft=400, win_length=400, hop_length=160, n_mels=_MELS, window=160)

    def features(self, audio: Samples) -> np.ndarray:
        """(frames, 40) power mel features of `audio` brought to TARGET_DBFS; frame i is centred
        on i * frame_s seconds."""
        return mel_spectrogram(to_level(audio))

    def embed(self, features: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(len(starts), 256) unit embeddings of the windows of `features` starting at frame `starts`."""
        w = self.recipe.window
        if len(features) < w:
            features = np.pad(features, ((0, w - len(features)), (0, 0)))
        starts = np.clip(starts, 0, len(features) - w)
        windows = np.lib.stride_tricks.sliding_window_view(features, w, axis=0)
        return self.embed_windows(windows[starts].transpose(0, 2, 1))

    def embed_windows(self, windows: np.ndarray) -> np.ndarray:
        """(n, 256) unit embeddings of (n, frames, 40) mel windows."""
        from threadpoolctl import threadpool_limits

        # 160 small matmuls a layer: one BLAS thread does them at a quarter of the CPU of two
        # (measured on 2 cores), and Whisper decodes on the other core meanwhile.
        with threadpool_limits(limits=1, user_api="blas"):
            out = [self._forward(windows[lo : lo + _BATCH]) for lo in range(0, len(windows), _BATCH)]
        if not out:
            return np.zeros((0, _HIDDEN), dtype=np.float32)
        return normalize(np.concatenate(out))

    def voice(self, audio: Samples) -> np.ndarray:
        """One unit embedding for a whole stretch of one person's voice (mean of its windows)."""
        feats = self.features(level(audio))
        hop = self.recipe.window // 2
        starts = np.arange(0, max(1, len(feats) - self.recipe.window + 1), hop)
        mean: np.ndarray = normalize(self.embed(feats, starts).mean(axis=0, keepdims=True))[0]
        return mean

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """Embeddings (before the norm) of a batch (b, frames, 40): the LSTM's last hidden state
        of the top layer, linear, ReLU."""
        seq = np.ascontiguousarray(x, dtype=np.float32)
        b, steps, _ = seq.shape
        h = np.zeros((b, _HIDDEN), dtype=np.float32)
        for k in range(_LAYERS):
            # The input's share of the gates for every step at once; the loop adds the recurrent share.
            gates_in = (seq.reshape(b * steps, -1) @ self._ih[k] + self._bias[k]).reshape(b, steps, -1)
            h = np.zeros((b, _HIDDEN), dtype=np.float32)
            c = np.zeros((b, _HIDDEN), dtype=np.float32)
            top = k == _LAYERS - 1
            outputs = None if top else np.empty((b, steps, _HIDDEN), dtype=np.float32)
            hh = self._hh[k]
            for t in range(steps):
                g = gates_in[:, t] + h @ hh
                i, f = _sigmoid(g[:, :_HIDDEN]), _sigmoid(g[:, _HIDDEN : 2 * _HIDDEN])
                cell = np.tanh(g[:, 2 * _HIDDEN : 3 * _HIDDEN])
                o = _sigmoid(g[:, 3 * _HIDDEN :])
                c = f * c + i * cell
                h = o * np.tanh(c)
                if outputs is not None:
                    outputs[:, t] = h
            if outputs is not None:
                seq = outputs
        out: np.ndarray = np.maximum(h @ self._linear + self._linear_bias, 0.0).astype(np.float32)
        return out


def mel_spectrogram(audio: Samples) -> np.ndarray:
    """(frames, 40) power mel spectrogram as Resemblyzer computes it with
    librosa.feature.melspectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40): centred Hann
    frames (zeros beyond the ends, as librosa >= 0.10 pads), power 2, Slaney mel scale and norm."""
    n_fft, hop = 400, 160
    padded = np.pad(audio.astype(np.float32), n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    return power_mel(frames, _hann(n_fft), _MELS)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (np.tanh(0.5 * x) + 1.0)
    return out


def _hann(n: int) -> np.ndarray:
    # Periodic Hann window, as scipy.signal.get_window("hann", n) (what librosa uses).
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def to_level(audio: Samples) -> Samples:
    """`audio` scaled so its RMS is TARGET_DBFS, as Resemblyzer's training audio was (its mels are
    power, not log: the level matters)."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
    if rms < 1e-6:
        return audio
    return (audio * (10 ** (TARGET_DBFS / 20) / rms)).astype(np.float32)


@cache
def load_resemblyzer() -> ResemblyzerEncoder:
    """The encoder, loaded once per process."""
    return ResemblyzerEncoder()
