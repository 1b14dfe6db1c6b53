"""How alike two stretches of one voice are, and two voices: the merge threshold of app.audio.diarize.

    python -m bench.speaker_threshold [--calls 4] [--max-turns 30] [--chunk 8]  (about 10 minutes)

Measured on every labelled recording: the real ones in ../shared/data/real-audio (the pyannote
sample, the nine AMI excerpts, jfk.flac as one voice), synthetic calls mixed down, and each call's
two tracks alone (one voice each). Two measures, both cosine similarity inside one recording
(same room and microphone, as the voices the diarizer compares):
- chunks: the diarizer's own windows (app.audio.diarize.speech_windows) where the reference has
  exactly one speaker, grouped per speaker in time order into chunks of `--chunk` windows (8 =
  6.4 s of speech; a last chunk under half of that dropped); every pair of chunk averages;
- the decision itself: the voices the diarizer finds with no merging, each labelled by the
  reference speaker who talks most in its turns; every pair of them.

Rule: the threshold where the share of same-speaker pairs below it equals the share of
different-speaker pairs above it (the equal error point), each recording weighing the same.
The DER (collar 0.25 s, overlap scored) is then printed with no merging (the product's
default), with each threshold from all recordings (in-sample), and with the decision threshold
chosen without the recording scored (leave one recording out).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from app.audio.diarize import MERGE_SIMILARITY, find_speakers, find_speech, speech_windows
from app.audio.encoders import ENCODERS, SpeakerEncoder, load_named
from app.audio.frames import SAMPLE_RATE
from app.audio.offline import load_mono
from app.audio.voices import level, normalize
from bench.diarize import COLLAR, REAL, mixdown, rttm
from bench.speech import SHARED, make_calls


@dataclass
class Recording:
    name: str
    kind: str  # "real" or "synthetic"
    audio: np.ndarray
    reference: Annotation
    scored: bool = True  # False: its reference is only who speaks (one voice), not when


@dataclass
class Pairs:
    same: np.ndarray
    different: np.ndarray


def recordings(calls: int, max_turns: int, folder: Path) -> list[Recording]:
    out = [
        Recording(
            "pyannote-sample",
            "real",
            load_mono(REAL / "pyannote-sample.flac"),
            rttm(REAL / "pyannote-sample.rttm", "sample"),
        )
    ]
    for i in range(1, 10):
        out.append(
            Recording(
                f"ami-trn0{i}",
                "real",
                load_mono(REAL / f"ami-trn0{i}.flac"),
                rttm(REAL / "ami-trn.rttm", f"trn0{i}"),
            )
        )
    jfk = load_mono(REAL / "jfk.flac")
    whole = Annotation()
    whole[Segment(0, len(jfk) / SAMPLE_RATE)] = "jfk"
    out.append(Recording("jfk (one voice)", "real", jfk, whole, scored=False))
    for call in make_calls(SHARED / "data" / "annomi-dev.jsonl", folder, calls, max_turns):
        ref = Annotation()
        for u in call.truth["utterances"]:
            ref[Segment(u["start"], u["end"])] = u["speaker"]
        out.append(Recording(call.name, "synthetic", mixdown(call), ref))
        # Each side's track alone: a recording of one voice, which should come out as one speaker.
        for side, audio in (("interviewer", call.interviewer), ("customer", call.customer)):
            own = Annotation()
            for u in call.truth["utterances"]:
                if u["speaker"] == side:
                    own[Segment(u["start"], u["end"])] = side
            out.append(Recording(f"{call.name} {side} alone", "synthetic", audio, own))
    return out


def pairs(rec: Recording, encoder: SpeakerEncoder, chunk: int) -> Pairs:
    """Cosine similarities of chunk averages within one recording: same speaker, different speakers."""
    audio = level(rec.audio)
    w = speech_windows(audio, find_speech(audio), encoder)
    half = encoder.recipe.window_s / 2
    by_speaker: dict[str, list[int]] = {}
    for i in np.flatnonzero(~w.short):
        span = Segment(float(w.centres[i] - half), float(w.centres[i] + half))
        who = set(rec.reference.crop(span).labels())
        if len(who) == 1:
            by_speaker.setdefault(who.pop(), []).append(int(i))
    chunks: list[tuple[str, np.ndarray]] = []
    for speaker, idx in by_speaker.items():
        for lo in range(0, len(idx), chunk):
            part = idx[lo : lo + chunk]
            if len(part) * 2 >= chunk:
                chunks.append((speaker, normalize(w.embeddings[part].mean(axis=0, keepdims=True))[0]))
    same: list[float] = []
    different: list[float] = []
    for (s1, v1), (s2, v2) in itertools.combinations(chunks, 2):
        (same if s1 == s2 else different).append(float(v1 @ v2))
    return Pairs(np.array(same), np.array(different))


def equal_error(chosen: list[Pairs]) -> tuple[float, float]:
    """(threshold, error at it): same-speaker pairs below vs different-speaker pairs above,
    each recording's pairs weighted to count once."""
    values = np.concatenate([np.concatenate([p.same, p.different]) for p in chosen])
    best, best_gap, error = 0.0, np.inf, 0.0
    for t in np.unique(np.round(values, 4)):
        missed = _weighted([(p.same <= t) for p in chosen])  # one voice left split
        joined = _weighted([(p.different > t) for p in chosen])  # two people made one
        if abs(missed - joined) < best_gap:
            best, best_gap, error = float(t), abs(missed - joined), (missed + joined) / 2
    return best, error


def _weighted(flags: list[np.ndarray]) -> float:
    shares = [f.mean() for f in flags if len(f)]
    return float(np.mean(shares)) if shares else 0.0


def cluster_pairs(rec: Recording, encoder: SpeakerEncoder) -> Pairs:
    """The decision itself: cosine similarity of the voices the diarizer finds (no merging), each
    pair labelled same or different by the reference speaker who talks most in each voice's turns."""
    found = find_speakers(rec.audio, encoder, merge_above=None)
    owner: list[str | None] = []
    for k in range(found.speakers):
        talk: dict[str, float] = {}
        for span in found.speech(k):
            cropped = rec.reference.crop(Segment(span.start, span.end))
            for segment, _, label in cropped.itertracks(yield_label=True):
                talk[label] = talk.get(label, 0.0) + segment.duration
        owner.append(max(talk, key=lambda x: talk[x]) if talk else None)
    same: list[float] = []
    different: list[float] = []
    for a, b in itertools.combinations(range(found.speakers), 2):
        if owner[a] is not None and owner[b] is not None:
            (same if owner[a] == owner[b] else different).append(float(found.voices[a] @ found.voices[b]))
    return Pairs(np.array(same), np.array(different))


def der(
    rec: Recording, encoder: SpeakerEncoder, merge_above: float | None
) -> tuple[float, int, float, float]:
    """(DER, speakers found, error seconds, scored seconds) of one recording."""
    found = find_speakers(rec.audio, encoder, merge_above=merge_above)
    hyp = Annotation()
    for t in found.turns:
        hyp[Segment(t.start, t.end)] = f"s{t.speaker}"
    metric = DiarizationErrorRate(collar=COLLAR, skip_overlap=False)
    detail = metric(rec.reference, hyp, detailed=True)
    return (
        float(detail["diarization error rate"]),
        found.speakers,
        detail["diarization error rate"] * detail["total"],
        float(detail["total"]),
    )


def describe(values: np.ndarray) -> str:
    if not len(values):
        return "none"
    q = np.quantile(values, [0.0, 0.1, 0.5, 0.9, 1.0])
    return f"n={len(values)} min {q[0]:.3f} p10 {q[1]:.3f} median {q[2]:.3f} p90 {q[3]:.3f} max {q[4]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=8, help="windows per chunk (0.8 s step)")
    parser.add_argument("--encoder", choices=ENCODERS, default="voicefilter", help="speaker encoder")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="'uem' was approximated")
    encoder = load_named(args.encoder)
    # The merge threshold alone: without the encoder's one-voice rule (bench/speaker_separation.py).
    encoder.one_voice_eigen_ratio = None
    print(f"encoder: {args.encoder} (its one-voice rule off)")
    with tempfile.TemporaryDirectory() as tmp:
        recs = recordings(args.calls, args.max_turns, Path(tmp))
    chunked = [pairs(r, encoder, args.chunk) for r in recs]
    clustered = [cluster_pairs(r, encoder) for r in recs]
    for title, measured in (
        (f"chunks of {args.chunk} windows, one speaker each", chunked),
        ("the voices the diarizer finds (no merging), labelled by the reference", clustered),
    ):
        print(f"\ncosine similarity, {title}")
        for r, p in zip(recs, measured, strict=True):
            if len(p.same) or len(p.different):
                print(f"  {r.name}: same {describe(p.same)}; different {describe(p.different)}")
        for kind in ("real", "synthetic"):
            mine = [p for r, p in zip(recs, measured, strict=True) if r.kind == kind]
            print(f"  all {kind}: same {describe(np.concatenate([p.same for p in mine]))}")
            print(f"  all {kind}: different {describe(np.concatenate([p.different for p in mine]))}")
        rule, error = equal_error(measured)
        print(f"  equal error threshold: {rule:.3f} (error there {error:.1%})")
    by_chunks = equal_error(chunked)[0]
    by_clusters = equal_error(clustered)[0]
    print(f"\nin code: MERGE_SIMILARITY = {MERGE_SIMILARITY}")

    columns = ("none", "chunks", "clusters", "leave-one-out")
    rows: dict[str, list[tuple[str, float, float]]] = {c: [] for c in columns}
    print(
        "\nrecording (reference speakers): DER (speakers found) with no merging | threshold from chunks "
        "| from the diarizer's voices | the same, leave one recording out"
    )
    for i, r in enumerate(recs):
        held = equal_error([p for j, p in enumerate(clustered) if j != i])[0]
        cells = []
        if not r.scored:
            found = [find_speakers(r.audio, encoder, merge_above=m).speakers for m in (None, by_clusters)]
            print(f"  {r.name}: speakers found {found[0]} with no merging, {found[1]} with {by_clusters:.3f}")
            continue
        thresholds: tuple[float | None, ...] = (None, by_chunks, by_clusters, held)
        for how, t in zip(columns, thresholds, strict=True):
            d, k, err, total = der(r, encoder, t)
            rows[how].append((r.name, err, total))
            cells.append(f"{d:.1%} ({k})")
        print(
            f"  {r.name} ({len(r.reference.labels())}): {' | '.join(cells)} (held-out threshold {held:.3f})"
        )
    groups = {
        "real two-speaker": [r.name for r in recs if r.kind == "real" and len(r.reference.labels()) == 2],
        "AMI all": [r.name for r in recs if r.name.startswith("ami")],
        "synthetic calls mixed down": [
            r.name for r in recs if r.kind == "synthetic" and len(r.reference.labels()) == 2
        ],
        "synthetic one-voice tracks": [
            r.name for r in recs if r.kind == "synthetic" and len(r.reference.labels()) == 1
        ],
    }
    print(
        f"\n| recordings | no merging | chunk threshold {by_chunks:.3f} (in-sample) "
        f"| voice threshold {by_clusters:.3f} (in-sample) | voice threshold, leave one recording out |"
    )
    print("|---|---|---|---|---|")
    for group, names in groups.items():
        cells = []
        for how in columns:
            err = sum(e for n, e, _ in rows[how] if n in names)
            total = sum(t for n, _, t in rows[how] if n in names)
            cells.append(f"{err / max(total, 1e-9):.1%}")
        print(f"| {group} ({len(names)}) | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
