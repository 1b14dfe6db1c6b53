"""Resemblyzer's encoder in numpy: the weights as the wheel ships them, embeddings equal to
Resemblyzer's own (torch), and a clear error when the weights are not installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.audio.resemblyzer_encoder import (
    INSTALL_HINT,
    EncoderMissing,
    load_resemblyzer,
    load_weights,
    mel_spectrogram,
    weights_path,
)

# Resemblyzer 0.1.4's VoiceEncoder.embed_utterance(wav, return_partials=True), run with torch
# 2.13 (CPU) and librosa 0.11, on the first 8 s of the pyannote sample raised to -30 dBFS: the
# nine 1.6 s partials, every 77 frames (its default rate of 1.3 a second).
REFERENCE = Path(__file__).parent / "data" / "resemblyzer-pyannote-sample-8s.npy"
PARTIAL_STEP = 77


def test_resemblyzer_weights_load_with_the_lstm_layout() -> None:
    w = load_weights(weights_path())
    for k in range(3):
        assert w[f"lstm.weight_ih_l{k}"].shape == (1024, 40 if k == 0 else 256)
        assert w[f"lstm.weight_hh_l{k}"].shape == (1024, 256)
        assert w[f"lstm.bias_ih_l{k}"].shape == w[f"lstm.bias_hh_l{k}"].shape == (1024,)
    assert w["linear.weight"].shape == (256, 256)
    assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in w.values())
    # The layers are not all the same flat storage read at one offset.
    assert not np.allclose(w["lstm.weight_hh_l0"], w["lstm.weight_hh_l1"])


def test_resemblyzer_embeddings_match_resemblyzer_itself(shared_data: Path) -> None:
    from app.audio.offline import load_mono

    wav = load_mono(shared_data / "real-audio" / "pyannote-sample.flac")[: 16000 * 8]
    wav = wav * (10 ** (-30 / 20) / np.sqrt(np.mean(np.square(wav, dtype=np.float64))))
    expected = np.load(REFERENCE)
    encoder = load_resemblyzer()
    starts = np.arange(len(expected)) * PARTIAL_STEP
    # As embed_utterance: zeros after the audio up to the end of the last partial.
    wav = np.pad(wav, (0, max(0, (starts[-1] + 160) * 160 - len(wav)))).astype(np.float32)
    ours = encoder.embed(mel_spectrogram(wav), starts)
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() < 1e-4
    assert (ours * expected).sum(axis=1).min() > 0.9999


def test_resemblyzer_missing_weights_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EncoderMissing, match="not installed") as error:
        weights_path()
    assert INSTALL_HINT in str(error.value)
    assert "torch is not needed" in str(error.value)


def test_resemblyzer_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "pretrained.pt"
    bad.write_bytes(b"\x80\x02K\x01.")  # a pickle of 1, not torch's magic number
    with pytest.raises(ValueError, match="not a torch legacy checkpoint"):
        load_weights(bad)
