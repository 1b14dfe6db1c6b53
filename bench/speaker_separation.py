"""One voice or two, measured relative to the recording: how far apart the diarizer's two-way split is,
against how much one voice varies within the same recording.

    python -m bench.speaker_separation [--calls 4] [--max-turns 30]  (about 2 minutes)

bench/speaker_threshold.py found that the raw cosine similarity of two voices' averages cannot tell
one voice split in two from two people (it depends more on the recording than on the people). Here
the same recordings are split two ways as the diarizer does it (spectral clustering of the smoothed
windows, then each window to the nearer average; no merging) and scored by scale-free measures:
- silhouette: mean over the windows of (b - a) / max(a, b), cosine distance to the own (a) and the
  other (b) side; near 0 when one voice is cut in two, towards 1 for two well apart voices;
- smoothed silhouette: the same on the windows averaged with their neighbours (as clustered);
- fisher: (1 - cos(c1, c2)) / mean over the windows of (1 - cos(window, its own average));
- eigen ratio: lambda2 / lambda3 of the clustering's Laplacian (app.audio.diarize.window_laplacian):
  small when the windows fall in two blocks, near 1 when they form one;
- raw cosine of the two averages, for comparison with bench/speaker_threshold.py.

Classes, from the references: "one voice" is jfk.flac, each synthetic call's track alone, and an AMI
excerpt where one person has at least 90 % of the talk; "two or more" is the pyannote sample, the
synthetic calls mixed down, and an AMI excerpt where two or more people each talk at least 3 s. Any
other excerpt is printed but in neither class. A measure separates the classes when every recording
of one class lies beyond every recording of the other; its threshold is then the midpoint between
the two classes. Otherwise the equal error threshold is printed with its error (each recording
counting once), which says how far the measure is from usable.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.linalg import eigh
from sklearn.metrics import silhouette_samples

from app.audio.diarize import (
    find_speech,
    label_windows,
    one_voice,
    smooth_windows,
    speech_windows,
    window_laplacian,
)
from app.audio.encoders import ENCODERS, SpeakerEncoder, load_named
from app.audio.voices import level, normalize
from bench.speaker_threshold import Recording, recordings

ONE, TWO = "one voice", "two or more"
DOMINANT_SHARE = 0.9  # of the talk: an AMI excerpt this much one person's counts as one voice
OWN_SECONDS = 3.0  # each of two or more people talking this long: two or more


@dataclass(frozen=True)
class Split:
    silhouette: float
    smoothed_silhouette: float
    fisher: float
    eigen_ratio: float
    cosine: float
    smaller_share: float  # of the windows, on the smaller side


# name, higher means two or more people
MEASURES: tuple[tuple[str, bool], ...] = (
    ("silhouette", True),
    ("smoothed_silhouette", True),
    ("fisher", True),
    ("eigen_ratio", False),
    ("cosine", False),
)


def label(rec: Recording) -> str | None:
    """The class of a recording from its reference, or None when it is in neither."""
    if not rec.scored or rec.name.endswith(" alone"):
        return ONE
    if rec.kind == "synthetic" or rec.name == "pyannote-sample":
        return TWO
    talk = {who: sum(s.duration for s in rec.reference.label_timeline(who)) for who in rec.reference.labels()}
    total = sum(talk.values())
    if total and max(talk.values()) >= DOMINANT_SHARE * total:
        return ONE
    if sum(t >= OWN_SECONDS for t in talk.values()) >= 2:
        return TWO
    return None


def split(rec: Recording, encoder: SpeakerEncoder) -> Split | None:
    """The diarizer's two-way split of `rec` (as app.audio.diarize.diarize makes it) and its measures."""
    audio = level(rec.audio)
    w = speech_windows(audio, find_speech(audio), encoder)
    whole = np.flatnonzero(~w.short)
    if len(whole) < 6:
        return None
    smooth = smooth_windows(w.embeddings, w.regions)
    sample, labels = label_windows(w.embeddings, smooth, whole, 2)
    x = w.embeddings[whole]
    if len(np.unique(labels)) < 2:
        return None
    centroids = normalize(np.stack([x[labels == k].mean(axis=0) for k in range(2)]))
    within = float(np.mean(1.0 - np.sum(x * centroids[labels], axis=1)))
    between = 1.0 - float(centroids[0] @ centroids[1])
    values = eigh(window_laplacian(smooth[sample]), subset_by_index=[0, 2], eigvals_only=True)
    return Split(
        silhouette=float(np.mean(silhouette_samples(x, labels, metric="cosine"))),
        smoothed_silhouette=float(np.mean(silhouette_samples(smooth[whole], labels, metric="cosine"))),
        fisher=between / max(within, 1e-9),
        eigen_ratio=one_voice(values),
        cosine=float(centroids[0] @ centroids[1]),
        smaller_share=float(np.bincount(labels).min() / len(labels)),
    )


def judge(values: dict[str, list[float]], higher_is_two: bool) -> str:
    """Whether the classes are apart on one measure, and the threshold by the stated rule."""
    sign = 1.0 if higher_is_two else -1.0
    one, two = sign * np.array(values[ONE]), sign * np.array(values[TWO])
    margin = float(two.min() - one.max())
    if margin > 0:
        return f"SEPARATES, margin {margin:.3f}, midpoint threshold {sign * (two.min() + one.max()) / 2:.3f}"
    best, best_gap, error = 0.0, np.inf, 0.0
    for t in np.unique(np.concatenate([one, two])):
        missed = float((one >= t).mean())  # one voice called two
        joined = float((two < t).mean())  # two people called one
        if abs(missed - joined) < best_gap:
            best, best_gap, error = float(t), abs(missed - joined), (missed + joined) / 2
    overlapping = int((one >= two.min()).sum() + (two <= one.max()).sum())
    return (
        f"does not separate: {overlapping} recordings inside the other class's range; equal error "
        f"threshold {sign * best:.3f}, error there {error:.0%}"
    )


def calibrate(one: list[float], two: list[float]) -> float:
    """The eigen ratio above which a recording is one voice: the midpoint between neighbouring
    values with the fewest errors, each class weighing the same (ties: the highest such cut, since
    two people made one costs more than one voice left split)."""
    values = np.unique(np.concatenate([one, two]))
    cuts = (values[1:] + values[:-1]) / 2
    errors = [float((np.array(one) <= c).mean() + (np.array(two) > c).mean()) for c in cuts]
    best = min(errors)
    return float(max(c for c, e in zip(cuts, errors, strict=True) if e <= best + 1e-9))


def leave_one_out(names: dict[str, list[str]], values: dict[str, list[float]]) -> None:
    """The eigen-ratio threshold calibrated without each recording, and how it judges that one."""
    wrong = 0
    rows: list[str] = []
    for kind in (ONE, TWO):
        for i, name in enumerate(names[kind]):
            one = [v for j, v in enumerate(values[ONE]) if kind != ONE or j != i]
            two = [v for j, v in enumerate(values[TWO]) if kind != TWO or j != i]
            t = calibrate(one, two)
            said = ONE if values[kind][i] > t else TWO
            wrong += said != kind
            rows.append(f"    {name} ({kind}): {values[kind][i]:.3f} vs {t:.3f} -> {said}")
    full = calibrate(values[ONE], values[TWO])
    in_sample = sum(v <= full for v in values[ONE]) + sum(v > full for v in values[TWO])
    print(f"\n  eigen ratio threshold (in-sample, all recordings): {full:.3f}, {in_sample} wrong")
    print(f"  leave one recording out: {wrong} of {len(values[ONE]) + len(values[TWO])} wrong")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=30)
    parser.add_argument("--encoder", choices=ENCODERS, default="voicefilter", help="speaker encoder")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="'uem' was approximated")
    encoder = load_named(args.encoder)
    print(f"encoder: {args.encoder}")
    with tempfile.TemporaryDirectory() as tmp:
        recs = recordings(args.calls, args.max_turns, Path(tmp))
    print(
        f"\n| recording | class | {' | '.join(name for name, _ in MEASURES)} | smaller side |\n"
        f"|---|---|{'---|' * len(MEASURES)}---|"
    )
    by_class: dict[str, dict[str, list[float]]] = {ONE: {}, TWO: {}}
    names: dict[str, list[str]] = {ONE: [], TWO: []}
    for rec in recs:
        kind = label(rec)
        s = split(rec, encoder)
        if s is None:
            print(f"| {rec.name} | {kind or 'neither'} | too little speech to split |")
            continue
        cells = [f"{getattr(s, name):.3f}" for name, _ in MEASURES]
        print(f"| {rec.name} | {kind or 'neither'} | {' | '.join(cells)} | {s.smaller_share:.0%} |")
        if kind is not None:
            names[kind].append(rec.name)
            for name, _ in MEASURES:
                by_class[kind].setdefault(name, []).append(getattr(s, name))
    counts = {k: len(v["cosine"]) for k, v in by_class.items()}
    print(f"\n{counts[ONE]} one-voice recordings, {counts[TWO]} two or more")
    for name, higher_is_two in MEASURES:
        one, two = by_class[ONE][name], by_class[TWO][name]
        print(
            f"  {name}: one voice {min(one):.3f}..{max(one):.3f}, "
            f"two or more {min(two):.3f}..{max(two):.3f}: " + judge({ONE: one, TWO: two}, higher_is_two)
        )
    leave_one_out(names, {kind: by_class[kind]["eigen_ratio"] for kind in (ONE, TWO)})
    print(f"  in code: {args.encoder}'s one_voice_eigen_ratio = {encoder.one_voice_eigen_ratio}")


if __name__ == "__main__":
    main()
