"""One-channel recordings split by speaker: DER, talk share, words to the right speaker, speed, WER.

    python -m bench.diarize [--calls 4] [--max-turns 30] [--minutes 30] [--quick] [--no-speed]

Every row has a baseline measured in the same run:
- DER (pyannote.metrics, collar 0.25 s each side, overlap scored) on the real two-speaker
  recordings of ../shared/data/real-audio and on synthetic calls mixed down; baseline: all
  speech given to one speaker (what a report without diarization would assume);
- interviewer talk share from the mixed-down synthetic calls vs from their two tracks;
- words given to the right speaker (speakers mapped to the reference one to one);
- speed on a one-channel recording of `--minutes` (the synthetic mixes end to end), against the
  two-track analysis of the same audio;
- WER of the mixed channel vs the same model on the separated tracks;
- overlap marked vs the references' overlapping speech, and the diarization's own CPU cost.

The machine is shared with other jobs: speeds are pessimistic (CPU seconds are printed beside).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate
from scipy.optimize import linear_sum_assignment

from app.audio.asr import load_transcriber
from app.audio.diarize import find_speakers
from app.audio.encoders import ENCODERS, load_named
from app.audio.frames import SAMPLE_RATE
from app.audio.mixed import MixedTranscript, transcribe_mixed
from app.audio.offline import load_mono, transcribe_tracks
from app.commands.analyze import mixed_transcript, speaker_labels, tag_transcript
from app.settings import Settings
from bench.speech import SHARED, Call, Wer, make_calls
from nlp.pipeline import Tagger
from nlp.timing import talk_share
from nlp.types import Interval, Utterance

REAL = SHARED / "data" / "real-audio"
COLLAR = 0.5  # pyannote's collar is the whole width: 0.25 s on each side of a boundary


def rttm(path: Path, name: str) -> Annotation:
    ref = Annotation(uri=name)
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) > 7 and f[0] == "SPEAKER" and f[1] == name:
            ref[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    return ref


def hypothesis(m: MixedTranscript) -> Annotation:
    hyp = Annotation()
    for t in m.diarization.turns:
        hyp[Segment(t.start, t.end)] = f"s{t.speaker}"
    return hyp


def one_speaker(m: MixedTranscript) -> Annotation:
    hyp = Annotation()
    for t in m.diarization.turns:
        hyp[Segment(t.start, t.end)] = "all"
    return hyp


def words_right(m: MixedTranscript, ref: list[tuple[float, float, str]]) -> tuple[int, int]:
    """(words given to the right speaker, words scored): each word's reference speaker is the
    one talking at its middle (words in overlap or outside any turn are not scored)."""
    pairs: list[tuple[int, str]] = []
    for turn in m.turns:
        for w in turn.words:
            mid = (w.start + w.end) / 2
            who = {s for a, b, s in ref if a - 0.2 <= mid <= b + 0.2}
            if len(who) == 1:
                pairs.append((turn.speaker, who.pop()))
    if not pairs:
        return 0, 0
    hyps = sorted({h for h, _ in pairs})
    refs = sorted({r for _, r in pairs})
    counts = np.zeros((len(hyps), len(refs)))
    for h, r in pairs:
        counts[hyps.index(h), refs.index(r)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return int(counts[rows, cols].sum()), len(pairs)


def overlap_marked(pairs: list[tuple[Annotation, list[Interval]]]) -> tuple[float, float, float, float]:
    """(seconds marked, of them near a reference overlap, reference overlap seconds, of them
    marked): "near" and "marked" allow the DER collar, 0.25 s, either side."""

    def meet(a0: float, a1: float, b0: float, b1: float) -> float:
        return max(0.0, min(a1, b1) - max(a0, b0))

    marked = right = truth = found = 0.0
    pad = COLLAR / 2
    for ref, ours in pairs:
        both = [(s.start, s.end) for s in ref.get_overlap().support()]
        for o in ours:
            marked += o.end - o.start
            right += sum(meet(o.start, o.end, a - pad, b + pad) for a, b in both)
        for a, b in both:
            truth += b - a
            found += sum(meet(a, b, o.start - pad, o.end + pad) for o in ours)
    return marked, right, truth, found


def mixdown(call: Call) -> np.ndarray:
    return ((call.interviewer + call.customer) / 2).astype(np.float32)


def interviewer_share(m: MixedTranscript, tagger: Tagger) -> float:
    names = speaker_labels(m.diarization.speakers, None)
    transcript = mixed_transcript(m, names, "mix")
    tagged, _ = tag_transcript(transcript, tagger)
    roles = {turn.name: t.utterance.speaker for turn, t in zip(transcript.turns, tagged, strict=True)}
    speech: dict[str, list[Interval]] = {"interviewer": [], "customer": []}
    for k, name in enumerate(names):
        speech[roles.get(name, "customer")] += m.speech[k]
    return talk_share(speech["interviewer"], speech["customer"])  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "annomi-dev.jsonl")
    parser.add_argument("--quick", action="store_true", help="2 calls, 5 minutes for speed")
    parser.add_argument("--no-speed", action="store_true", help="accuracy rows only (no 30-minute run)")
    parser.add_argument("--encoder", choices=ENCODERS, default="voicefilter", help="speaker encoder")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.minutes = 2, 5.0
    settings = Settings()
    transcriber = load_transcriber(settings)
    tagger = Tagger.load(settings.spacy_model)
    encoder = load_named(args.encoder)
    print(f"encoder: {args.encoder}", flush=True)
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, ours: str, baseline: str, target: str) -> None:
        rows.append((what, ours, baseline, target))
        print(f"  {what}: {ours} (baseline {baseline}; target {target})", flush=True)

    # --- real recordings ---
    print("real recordings", flush=True)
    der2, base2 = (DiarizationErrorRate(collar=COLLAR, skip_overlap=False) for _ in range(2))
    der_all, base_all = (DiarizationErrorRate(collar=COLLAR, skip_overlap=False) for _ in range(2))
    right, scored = 0, 0
    wer_real = Wer()
    overlaps_real: list[tuple[Annotation, list[Interval]]] = []
    real: list[tuple[str, Path, str]] = [("pyannote-sample", REAL / "pyannote-sample.rttm", "sample")]
    real += [(f"ami-trn0{i}", REAL / "ami-trn.rttm", f"trn0{i}") for i in range(1, 10)]
    for stem, ref_path, name in real:
        ref = rttm(ref_path, name)
        m = transcribe_mixed(
            load_mono(REAL / f"{stem}.flac"), settings=settings, transcriber=transcriber, encoder=encoder
        )
        hyp = hypothesis(m)
        overlaps_real.append((ref, m.diarization.overlaps))
        d = der_all(ref, hyp, uem=None)
        base_all(ref, one_speaker(m))
        if len(ref.labels()) == 2:
            der2(ref, hyp)
            base2(ref, one_speaker(m))
        print(f"    {stem}: {len(ref.labels())} speakers, found {m.diarization.speakers}, DER {d:.1%}")
    stm = [
        ln.split(maxsplit=5) for ln in (REAL / "pyannote-sample.stm").read_text().splitlines() if ln.strip()
    ]
    ref_turns = [(float(f[3]), float(f[4]), f[2]) for f in stm]
    m = transcribe_mixed(
        load_mono(REAL / "pyannote-sample.flac"), settings=settings, transcriber=transcriber, encoder=encoder
    )
    r, s = words_right(m, ref_turns)
    right, scored = right + r, scored + s
    wer_real.add(" ".join(f[5] for f in stm), " ".join(t.text for t in m.turns))
    # The same model on the speech separated by the reference: each person's turns (0.25 s
    # either side, the DER collar) on a track of their own, silence elsewhere, decoded as a
    # two-track recording decodes one side (the other side silent: no bleed check drops words).
    sample = load_mono(REAL / "pyannote-sample.flac")
    separated: list[Utterance] = []
    for person in sorted({f[2] for f in stm}):
        own = np.zeros_like(sample)
        for f in stm:
            if f[2] == person:
                lo, hi = (
                    int(max(0.0, float(f[3]) - 0.25) * SAMPLE_RATE),
                    int((float(f[4]) + 0.25) * SAMPLE_RATE),
                )
                own[lo:hi] = sample[lo:hi]
        separated += transcribe_tracks(
            own, np.zeros_like(own), settings=settings, transcriber=transcriber
        ).utterances
    wer_real_sep = Wer()
    wer_real_sep.add(
        " ".join(f[5] for f in stm), " ".join(u.text for u in sorted(separated, key=lambda u: u.start))
    )
    add("DER, real two-speaker recordings", f"{abs(der2):.1%}", f"{abs(base2):.1%} (one speaker)", "<= 15 %")
    add("DER, AMI meetings (1-4 speakers)", f"{abs(der_all):.1%}", f"{abs(base_all):.1%} (one speaker)", "-")

    # Two read sentences, one per channel: WER mixed down vs each channel alone.
    left_right = [
        "He began a confused complaint against the wizard, who had vanished behind the curtain on the left.",
        "The horizon seems extremely distant.",
    ]
    from app.audio.offline import load_tracks

    left, right_ch = load_tracks(REAL / "stereo-two-speakers.flac")
    sep = transcribe_tracks(left, right_ch, settings=settings, transcriber=transcriber)
    wer_sep_real, wer_mix_real = Wer(), Wer()
    wer_sep_real.add(" ".join(left_right), " ".join(u.text for u in sep.utterances))
    mixed = transcribe_mixed(
        ((left + right_ch) / 2).astype(np.float32),
        settings=settings,
        transcriber=transcriber,
        encoder=encoder,
    )
    wer_mix_real.add(" ".join(left_right), " ".join(t.text for t in mixed.turns))

    # --- synthetic calls ---
    print("synthetic calls", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        calls = make_calls(args.data, Path(tmp), args.calls, args.max_turns)
        der_syn, base_syn = (DiarizationErrorRate(collar=COLLAR, skip_overlap=False) for _ in range(2))
        share_gap: list[float] = []
        share_truth_gap: list[float] = []
        wer_mix, wer_two = Wer(), Wer()
        syn_right, syn_scored = 0, 0
        overlaps_syn: list[tuple[Annotation, list[Interval]]] = []
        for call in calls:
            ref = Annotation()
            truth: list[tuple[float, float, str]] = []
            for u in call.truth["utterances"]:
                ref[Segment(u["start"], u["end"])] = u["speaker"]
                truth.append((u["start"], u["end"], u["speaker"]))
            m = transcribe_mixed(
                mixdown(call), settings=settings, transcriber=transcriber, speakers=None, encoder=encoder
            )
            der_syn(ref, hypothesis(m))
            overlaps_syn.append((ref, m.diarization.overlaps))
            base_syn(ref, one_speaker(m))
            r, s = words_right(m, truth)
            syn_right, syn_scored = syn_right + r, syn_scored + s
            two = transcribe_tracks(
                call.interviewer, call.customer, settings=settings, transcriber=transcriber
            )
            two_share = talk_share(two.speech["interviewer"], two.speech["customer"])
            mix_share = interviewer_share(m, tagger)
            share_gap.append(abs(mix_share - two_share) * 100)
            talk = call.truth.get("talk_seconds")
            if isinstance(talk, dict):
                true_share = talk["interviewer"] / max(1e-9, talk["interviewer"] + talk["customer"])
                share_truth_gap.append(abs(mix_share - true_share) * 100)
            reference = " ".join(u["text"] for u in call.truth["utterances"])
            wer_mix.add(reference, " ".join(t.text for t in m.turns))
            wer_two.add(reference, " ".join(u.text for u in two.utterances))
            print(f"    {call.name}: share mixed {mix_share:.1%} two-track {two_share:.1%}", flush=True)
        add(
            "DER, synthetic calls mixed down",
            f"{abs(der_syn):.1%}",
            f"{abs(base_syn):.1%} (one speaker)",
            "<= 15 %",
        )
        add(
            "interviewer talk share, mixed vs two tracks (points)",
            f"mean {np.mean(share_gap):.1f}, max {np.max(share_gap):.1f}",
            "0 (the two tracks themselves)"
            + (f"; mixed vs truth mean {np.mean(share_truth_gap):.1f}" if share_truth_gap else ""),
            "within 3",
        )
        add(
            "words to the right speaker",
            f"{right / max(scored, 1):.1%} real ({scored} words), "
            f"{syn_right / max(syn_scored, 1):.1%} synthetic ({syn_scored} words)",
            "-",
            ">= 90 %",
        )
        add(
            "WER, one mixed channel vs separated tracks",
            f"{wer_mix.rate:.1%} synthetic, {wer_mix_real.rate:.1%} stereo clip mixed, "
            f"{wer_real.rate:.1%} pyannote-sample",
            f"{wer_two.rate:.1%} synthetic, {wer_sep_real.rate:.1%} stereo clip separated, "
            f"{wer_real_sep.rate:.1%} pyannote-sample separated by its reference turns",
            "reported",
        )

        for what, pairs in (("real recordings", overlaps_real), ("synthetic calls", overlaps_syn)):
            marked, right_s, truth_s, found_s = overlap_marked(pairs)
            add(
                f"overlap marked, {what}",
                f"{marked:.1f} s marked, {right_s / max(marked, 1e-9):.0%} of it where the reference "
                f"has two voices; {found_s / max(truth_s, 1e-9):.0%} of {truth_s:.1f} s of overlap found",
                "0 s (each moment forced onto one speaker)",
                "marked, not forced onto one person",
            )
        # The diarization alone (VAD, encoder, clustering), every recording above once more.
        audios = [load_mono(REAL / f"{stem}.flac") for stem, _, _ in real] + [mixdown(c) for c in calls]
        cpu_d = time.process_time()
        for audio in audios:
            find_speakers(audio, encoder)
        cpu_d = time.process_time() - cpu_d
        audio_s = sum(len(a) for a in audios) / SAMPLE_RATE
        add(
            "diarization CPU cost",
            f"{cpu_d / audio_s:.4f} CPU-s per audio-s ({audio_s / 60:.0f} min of recordings)",
            "-",
            "<= 0.015",
        )
        if args.no_speed:
            print_table(rows)
            return

        # --- speed ---
        print("speed", flush=True)
        want = int(args.minutes * 60 * SAMPLE_RATE)
        mono_parts, left_parts, right_parts, have = [], [], [], 0
        while have < want:
            for call in calls:
                mono_parts.append(mixdown(call))
                left_parts.append(call.interviewer)
                right_parts.append(call.customer)
                have += len(call.interviewer)
        mono = np.concatenate(mono_parts)[:want]
        seconds = len(mono) / SAMPLE_RATE
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        transcribe_mixed(mono, settings=settings, transcriber=transcriber, encoder=encoder)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        load = max(load, os.getloadavg()[0])
        started, cpu2 = time.perf_counter(), time.process_time()
        transcribe_tracks(
            np.concatenate(left_parts)[:want],
            np.concatenate(right_parts)[:want],
            settings=settings,
            transcriber=transcriber,
        )
        wall2, cpu2 = time.perf_counter() - started, time.process_time() - cpu2
        add(
            f"analysis speed, one channel of {seconds / 60:.0f} min",
            f"{seconds / wall:.1f}x real time ({wall:.0f} s wall, {cpu:.0f} CPU-s, load average {load:.1f})",
            f"{seconds / wall2:.1f}x two-track analysis of the same audio ({cpu2:.0f} CPU-s)",
            ">= 15x",
        )

    print_table(rows)


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    print("\n| what | ours | baseline (same run) | target |\n|---|---|---|---|")
    for what, ours, baseline, target in rows:
        print(f"| {what} | {ours} | {baseline} | {target} |")


if __name__ == "__main__":
    main()
