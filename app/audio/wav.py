"""A WAV file's header, checked against the file before decoding.

FFmpeg trusts neither the header's data size nor its byte rate: a WAV cut short, or one whose
header was written wrong, decodes to a few samples of noise or none, and the report comes out
empty with no word of why. Reading the RIFF chunks first lets the user hear what is wrong.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

# Writers that stream a WAV before knowing its length put one of these in the data size.
_UNKNOWN_SIZES = frozenset({0, 0xFFFFFFFF})
# A header may claim a little more than the file holds (a last partial frame, padding).
_SLACK_S = 0.5


class WavError(ValueError):
    """A WAV header that does not describe the file; the message says what is wrong."""


@dataclass(frozen=True)
class WavHeader:
    channels: int
    sample_rate: int
    bits: int
    data_bytes: int
    """What the data chunk's size field claims."""
    file_data_bytes: int
    """What the file holds after the data chunk's header."""

    @property
    def claimed_s(self) -> float:
        return self.data_bytes / (self.sample_rate * self.channels * max(1, self.bits // 8))

    @property
    def held_s(self) -> float:
        return self.file_data_bytes / (self.sample_rate * self.channels * max(1, self.bits // 8))


def read_wav_header(path: Path) -> WavHeader | None:
    """The header of a RIFF/WAVE file, None for any other kind of file; raises WavError."""
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        size = path.stat().st_size
        fmt: tuple[int, int, int, int, int] | None = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise WavError("its WAV header has no data chunk: the file is cut short or not a WAV")
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                body = f.read(min(length, 40))
                if len(body) < 16:
                    raise WavError("its WAV header is cut short")
                _tag, channels, rate, byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                fmt = channels, rate, byte_rate, block_align, bits
                f.seek(length - len(body) + (length & 1), 1)
            elif name == b"data":
                if fmt is None:
                    raise WavError("its WAV header has no format chunk before the audio")
                return _checked(fmt, length, size - f.tell())
            else:
                f.seek(length + (length & 1), 1)
                if f.tell() > size:
                    raise WavError("its WAV header has no data chunk: the file is cut short or not a WAV")


def _checked(fmt: tuple[int, int, int, int, int], data_bytes: int, held: int) -> WavHeader:
    channels, rate, byte_rate, block_align, bits = fmt
    if not (1 <= channels <= 32 and 1000 <= rate <= 768_000 and bits in (8, 16, 24, 32, 64)):
        raise WavError(
            f"its WAV header is wrong ({channels} channels, {rate} Hz, {bits}-bit): "
            "the file is damaged or not a WAV"
        )
    if block_align != channels * bits // 8 or byte_rate != rate * block_align:
        raise WavError(
            f"its WAV header is inconsistent (byte rate {byte_rate} for {channels} channels of "
            f"{bits}-bit at {rate} Hz): the file is damaged"
        )
    header = WavHeader(channels, rate, bits, data_bytes, max(0, held))
    if data_bytes not in _UNKNOWN_SIZES and header.claimed_s - header.held_s > _SLACK_S:
        raise WavError(
            f"its WAV header says {header.claimed_s:.1f} s of audio, but the file holds "
            f"{header.held_s:.1f} s: it was cut short (an interrupted copy or download?)"
        )
    return header
