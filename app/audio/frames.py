"""PCM16 frames: checking what a client sends, and turning bytes into samples."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.protocol import SAMPLE_RATE

__all__ = ["SAMPLE_RATE", "FrameError", "PcmReader", "Samples", "check_frame", "float_to_pcm16"]
BYTES_PER_SAMPLE = 2

Samples = npt.NDArray[np.float32]


class FrameError(ValueError):
    """A frame the server refuses; the message is a sentence for the client."""


def check_frame(pcm: bytes, *, min_ms: float = 10.0, max_ms: float = 500.0) -> None:
    """Raise FrameError unless `pcm` is whole PCM16 samples lasting min_ms..max_ms at 16 kHz."""
    if len(pcm) % BYTES_PER_SAMPLE:
        raise FrameError(f"audio frames must hold whole 16-bit samples; got {len(pcm)} bytes")
    ms = len(pcm) / BYTES_PER_SAMPLE / SAMPLE_RATE * 1000
    if not min_ms <= ms <= max_ms:
        raise FrameError(
            f"audio frames must last {min_ms:g} to {max_ms:g} ms of 16 kHz mono PCM16; got {ms:.1f} ms"
        )


def pcm16_to_float(pcm: bytes) -> Samples:
    """Little-endian PCM16 (an even number of bytes) to float32 samples in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: npt.NDArray[np.floating]) -> bytes:
    """float samples to little-endian PCM16, clipped."""
    clipped = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 32767 / 32768)
    return (clipped * 32768.0).round().astype("<i2").tobytes()


class PcmReader:
    """Turns bytes of any length into samples, keeping an odd trailing byte for the next call."""

    def __init__(self) -> None:
        self._carry = b""

    def read(self, pcm: bytes) -> Samples:
        data = self._carry + pcm if self._carry else pcm
        whole = len(data) - len(data) % BYTES_PER_SAMPLE
        self._carry = data[whole:]
        return pcm16_to_float(data[:whole])
