"""Short two-track calls spoken by espeak-ng, with the true time of every turn."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

RATE = 16000
VOICES = {"interviewer": ["-v", "en-us+m3", "-s", "165"], "customer": ["-v", "en-gb+f3", "-s", "155"]}


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start: float
    end: float


def need_espeak() -> None:
    if not shutil.which("espeak-ng") or not shutil.which("sox"):
        pytest.skip("espeak-ng and sox make the test audio (scripts/system-deps.sh installs them)")


def say(text: str, speaker: str) -> npt.NDArray[np.int16]:
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", *VOICES[speaker], "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(
            ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
             "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"],
            check=True, capture_output=True,
        )  # fmt: skip
        data, _ = sf.read(out, dtype="int16")
        return np.asarray(data, dtype=np.int16)


def make_call(path: Path, script: list[tuple[str, str, float]], tail: float = 1.5) -> list[Turn]:
    """Write a stereo WAV (left interviewer, right customer) of `script`: (speaker, text, gap before)."""
    clips = [(speaker, say(text, speaker), text, gap) for speaker, text, gap in script]
    t = 0.0
    turns: list[Turn] = []
    for speaker, clip, text, gap in clips:
        t += gap
        turns.append(Turn(speaker, text, t, t + len(clip) / RATE))
        t += len(clip) / RATE
    n = int((t + tail) * RATE)
    stereo = np.zeros((n, 2), dtype=np.int16)
    for turn, (speaker, clip, _, _) in zip(turns, clips, strict=True):
        a = int(turn.start * RATE)
        stereo[a : a + len(clip), 0 if speaker == "interviewer" else 1] = clip
    sf.write(path, stereo, RATE, subtype="PCM_16")
    return turns


def closest_line(heard: str, lines: list[str]) -> int:
    """Which of lines the decoded text heard is closest to, by letters alone.

    Tests never assert exact ASR words: tiny.en on espeak speech varies with the machine and the
    batch ("a strength sheet" for "a spreadsheet"), but it never confuses two different sentences."""

    def letters(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.lower())

    scores = [difflib.SequenceMatcher(None, letters(heard), letters(line)).ratio() for line in lines]
    return scores.index(max(scores))
