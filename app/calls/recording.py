"""Recording of a call's tracks for clip playback, stored as FLAC.

Audio is appended as raw PCM to an open chunk file (appends survive the server being killed),
and each chunk is sealed into FLAC once it is `chunk_seconds` long, when its track stops,
or at the next start for chunks a killed server left behind. A chunk is named by the sample
it starts at, so a track resumed after a restart simply starts a new chunk; where chunks
overlap, the later start wins (it holds the audio the client re-sent).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import soundfile as sf

from app.protocol import SAMPLE_RATE
from nlp.types import Speaker

RATE = SAMPLE_RATE
log = logging.getLogger(__name__)


def _chunk_start(path: Path) -> int:
    return int(path.stem)


class TrackRecorder:
    """Appends one track's PCM to chunk files under `folder`."""

    def __init__(self, folder: Path, chunk_seconds: float) -> None:
        self.folder = folder
        self.chunk_samples = int(chunk_seconds * RATE)
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._start = 0
        self._written = 0

    def write(self, position: int, pcm: bytes) -> None:
        """Record `pcm`, whose first sample is sample `position` of the track."""
        if self._file is not None and position != self._start + self._written:
            self.close()  # a gap or a re-sent stretch: start a new chunk where this audio belongs
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._start, self._written = position, 0
            self._path = self.folder / f"{position:012d}.pcm"
            self._file = self._path.open("ab")
        self._file.write(pcm)
        self._written += len(pcm) // 2

    def full(self) -> bool:
        return self._file is not None and self._written >= self.chunk_samples

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> Path | None:
        """Close the open chunk; returns its path, to be sealed (off the event loop)."""
        if self._file is None:
            return None
        self._file.close()
        path, self._file, self._path = self._path, None, None
        return path


def seal(path: Path) -> None:
    """Turn a raw PCM chunk into FLAC next to it, then remove the raw file."""
    data = np.fromfile(path, dtype="<i2")
    if data.size:
        target = path.with_suffix(".flac")
        tmp = target.with_suffix(".flac.tmp")
        sf.write(tmp, data, RATE, format="FLAC", subtype="PCM_16")
        tmp.replace(target)
    path.unlink(missing_ok=True)


def seal_leftovers(folder: Path) -> int:
    """Seal every raw chunk under `folder` (left by a killed server); returns how many."""
    count = 0
    if folder.is_dir():
        for path in sorted(folder.rglob("*.pcm")):
            try:
                seal(path)
                count += 1
            except (OSError, RuntimeError, ValueError) as exc:
                log.warning("could not seal recording chunk %s: %s", path, exc)
    return count


def _chunk_samples(path: Path) -> int:
    """Samples in a chunk, from its FLAC header or its raw size: nothing is decoded."""
    if path.suffix == ".pcm":
        return path.stat().st_size // 2
    return int(sf.info(str(path)).frames)


def _read_chunk(path: Path, a: int, b: int) -> npt.NDArray[np.float32]:
    """Samples a..b (relative to the chunk's start) of one chunk."""
    if path.suffix == ".pcm":
        data = np.fromfile(path, dtype="<i2", count=b - a, offset=2 * a)
        return data.astype(np.float32) / 32768.0
    audio, _rate = sf.read(path, start=a, stop=b, dtype="float32")
    return np.asarray(audio, dtype=np.float32)


def read_range(folder: Path, start: float, end: float) -> npt.NDArray[np.float32]:
    """The track's audio from `start` to `end` seconds (silence where nothing was recorded).

    Only the chunks that overlap the range are opened, and only the part needed is decoded:
    a clip of a long call costs what the clip costs, not what the call does."""
    lo, hi = int(start * RATE), int(end * RATE)
    out = np.zeros(max(0, hi - lo), dtype=np.float32)
    if not folder.is_dir():
        return out
    chunks = sorted(
        (p for p in folder.iterdir() if p.suffix in (".flac", ".pcm") and p.stem.isdigit()),
        key=lambda p: (_chunk_start(p), p.suffix == ".pcm"),
    )
    for path in chunks:
        first = _chunk_start(path)
        if first >= hi:
            continue  # starts after the range
        try:
            size = _chunk_samples(path)
            a, b = max(lo, first), min(hi, first + size)
            if a >= b:
                continue
            data = _read_chunk(path, a - first, b - first)
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("skipping unreadable recording chunk %s: %s", path, exc)
            continue
        out[a - lo : a - lo + len(data)] = data
    return out


def clip_flac(folder: Path, tracks: list[Speaker], start: float, end: float) -> bytes:
    """A FLAC clip of `tracks` (mixed to mono when both) from `start` to `end` seconds."""
    mix = np.zeros(max(0, int(end * RATE) - int(start * RATE)), dtype=np.float32)
    for track in tracks:
        mix += read_range(folder / track, start, end)
    if len(tracks) > 1:
        mix = np.clip(mix, -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, mix, RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()
