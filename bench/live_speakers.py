"""Live calls from one microphone: how often a speech segment goes to the right person, as the call goes.

    python -m bench.live_speakers [--calls 4] [--max-turns 40]

Each recording is fed to `LiveSpeakers` in order, as a live call would, and each reference turn is
labelled when it ends (the live call labels each final the same way). Scored two ways: turns to
the right person, and seconds of speech to the right person. Speaker numbers are named as the live
call names them (the first voice heard is the interviewer's), so a swap counts as wrong.
Baseline in the same run: every turn to the first voice (what one track without splitting gives).

Recordings: synthetic calls (espeak-ng, ../shared/tools/synth_calls.py) mixed down to one channel,
and the real two-person recording of ../shared/data/real-audio (turns from its RTTM).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from app.audio.live_speakers import LiveSpeakers
from app.audio.offline import load_mono
from app.audio.voices import load_encoder
from bench.speech import SHARED, make_calls

REAL = SHARED / "data" / "real-audio"
RATE = 16000


def score(audio: np.ndarray, turns: list[tuple[float, float, str]]) -> tuple[int, float, int, float, float]:
    """(turns right, seconds right, turns, seconds, seconds right for the baseline)."""
    live = LiveSpeakers(load_encoder())
    fed = 0
    labels: list[int] = []
    for start, end, _ in turns:
        upto = min(len(audio), int(end * RATE) + RATE // 2)  # a final comes a little after its speech
        if upto > fed:
            live.feed(audio[fed:upto])
            fed = upto
        labels.append(live.label(start, end))
    first = turns[0][2]
    other = next((who for _, _, who in turns if who != first), "")
    named = [first if k == 0 else other for k in labels]
    right = [n == who for n, (_, _, who) in zip(named, turns, strict=True)]
    seconds = [end - start for start, end, _ in turns]
    baseline = sum(s for s, (_, _, who) in zip(seconds, turns, strict=True) if who == first)
    return (
        sum(right),
        sum(s for s, r in zip(seconds, right, strict=True) if r),
        len(turns),
        sum(seconds),
        baseline,
    )


def rttm_turns(path: Path, name: str | None = None) -> list[tuple[float, float, str]]:
    """The turns of recording `name` (every turn when None)."""
    out = []
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) > 7 and f[0] == "SPEAKER" and name in (None, f[1]):
            out.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=40)
    args = parser.parse_args()
    rows: list[tuple[str, tuple[int, float, int, float, float]]] = []
    cpu = time.process_time()
    real = REAL / "pyannote-sample.flac"
    rows.append(("real pyannote-sample", score(load_mono(real), rttm_turns(real.with_suffix(".rttm")))))
    with tempfile.TemporaryDirectory() as tmp:
        data = SHARED / "data" / "annomi-dev.jsonl"
        for call in make_calls(data, Path(tmp), args.calls, args.max_turns, seed=3):
            mixed = ((call.interviewer + call.customer) / 2).astype(np.float32)
            turns = [(u["start"], u["end"], u["speaker"]) for u in call.truth["utterances"]]
            rows.append((f"synthetic {call.name}", score(mixed, turns)))
    print("| recording | turns right | speech right | baseline (all to the first voice) |")
    print("|---|---|---|---|")
    for name, (r, sr, n, s, base) in rows:
        print(f"| {name} | {r}/{n} ({r / n:.0%}) | {sr / s:.1%} | {base / s:.1%} |")
    syn = [v for name, v in rows if name.startswith("synthetic")]
    turns_right, n_turns = sum(v[0] for v in syn), sum(v[2] for v in syn)
    seconds_right, seconds, base = (sum(v[i] for v in syn) for i in (1, 3, 4))
    print(
        f"| all synthetic | {turns_right}/{n_turns} ({turns_right / n_turns:.0%}) "
        f"| {seconds_right / seconds:.1%} | {base / seconds:.1%} |"
    )
    speech = sum(v[3] for _, v in rows)
    used = time.process_time() - cpu
    print(f"\nCPU: {used:.1f} s for {speech:.0f} s of speech (shared machine; embedding included)")


if __name__ == "__main__":
    main()
