"""Speech engine benchmark: talk time, WER, speed, latency, hallucinations, interruptions, bleed.

    python -m bench.speech [--calls 4] [--max-turns 40] [--replay-seconds 60] [--noise-minutes 10] [--quick]

About 9 minutes on 2 cores with the defaults (WER needs a few thousand words to be steady:
sox dithers the synthetic calls, so every run hears slightly different audio); --quick, one.

Synthetic two-track calls come from ../shared/tools/synth_calls.py (espeak-ng + sox) with
their truth files. Every row is measured against a baseline in the same run:

- talk share, WER, speed: faster-whisper's own `transcribe(vad_filter=True)` on each whole
  track (the obvious way to do it), its segment times standing for speech;
- interruptions: faster-whisper's whole-file VAD with its default options;
- latency: the same real-time replay with speculative finals off (decode only at the endpoint);
- hallucinations: plain Whisper on the same silence and noise, without VAD;
- bleed: the same VAD pass with the bleed check off.

Timings are wall clock on this machine, shared with whatever else runs; CPU seconds are given
beside them because they do not depend on the other load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.audio.asr import WhisperTranscriber, load_transcriber
from app.audio.bleed import Loudness
from app.audio.engine import SpeechEngine
from app.audio.events import Event, Final, speech_intervals
from app.audio.frames import SAMPLE_RATE, float_to_pcm16
from app.audio.offline import load_tracks, transcribe_tracks
from app.audio.stream import TextContext, TrackProcessor
from app.settings import Settings
from nlp.timing import interruptions, talk_share
from nlp.types import Interval, Speaker

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


# --- truth and scoring -----------------------------------------------------------------------------


@dataclass
class Call:
    name: str
    folder: Path
    truth: dict[str, Any]
    interviewer: np.ndarray
    customer: np.ndarray

    @property
    def duration(self) -> float:
        return len(self.interviewer) / SAMPLE_RATE

    def utterances(self, speaker: Speaker) -> list[dict[str, Any]]:
        return [u for u in self.truth["utterances"] if u["speaker"] == speaker]

    def truth_interruptions(self) -> list[float]:
        return [u["start"] for u in self.truth["utterances"] if u.get("interrupts")]


_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_FILLERS = {"um", "uh", "mm", "hmm", "mhm", "ah", "oh", "er", "erm", "uhm", "mm-hmm", "hm"}


def _number(n: int) -> str:
    if n < 20:
        return _NUMBERS[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _NUMBERS[n % 10])
    return str(n)


# Spellings that are the same words (as Whisper's English text normaliser treats them).
_SAME = {"wanna": "want to", "gonna": "going to", "gotta": "got to", "ok": "okay", "alright": "all right"}


def normalize_words(text: str) -> list[str]:
    """Lower case, no punctuation, digits as words, no fillers: the same for truth and hypothesis."""
    text = text.lower().replace("--", " ").replace("-", " ").replace("%", " percent")
    text = re.sub(r"\d+", lambda m: f" {_number(int(m.group()))} ", text)
    words = [w for w in re.findall(r"[a-z']+", text) if w.strip("'") and w not in _FILLERS]
    return " ".join(_SAME.get(w, w) for w in words).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, y in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x != y))
    return row[-1]


@dataclass
class Wer:
    errors: int = 0
    words: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        ref, hyp = normalize_words(reference), normalize_words(hypothesis)
        self.errors += edit_distance(ref, hyp)
        self.words += len(ref)

    @property
    def rate(self) -> float:
        return self.errors / max(self.words, 1)


def match_recall(truth: list[float], found: list[float], tolerance: float = 0.5) -> tuple[int, int]:
    """(truth events found within `tolerance` s, detections matching no truth event)."""
    unused = sorted(found)
    hits = 0
    for t in truth:
        near = [f for f in unused if abs(f - t) <= tolerance]
        if near:
            hits += 1
            unused.remove(min(near, key=lambda f: abs(f - t)))
    return hits, len(unused)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# --- the calls -------------------------------------------------------------------------------------


def make_calls(data: Path, folder: Path, calls: int, max_turns: int, seed: int = 7) -> list[Call]:
    tool = SHARED / "tools" / "synth_calls.py"
    subprocess.run(
        [
            sys.executable,
            str(tool),
            str(data),
            str(folder),
            "--calls",
            str(calls),
            "--max-turns",
            str(max_turns),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
    )
    return load_calls(folder)


def load_calls(folder: Path) -> list[Call]:
    out = []
    for d in sorted(p for p in folder.iterdir() if (p / "truth.json").is_file()):
        mine, theirs = load_tracks(d / "call.wav")
        out.append(Call(d.name, d, json.loads((d / "truth.json").read_text()), mine, theirs))
    return out


# --- measurements ----------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    ours: str
    baseline: str
    target: str
    ok: bool | None


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, ours: str, baseline: str, target: str, ok: bool | None) -> None:
        self.rows.append(Row(what, ours, baseline, target, ok))
        print(f"  {what}: {ours} (baseline {baseline}; target {target})", flush=True)


def whisper_baseline(transcriber: WhisperTranscriber, audio: np.ndarray) -> tuple[list[Interval], str, float]:
    """faster-whisper's transcribe with its VAD on a whole track: (segment times, text, seconds)."""
    started = time.perf_counter()
    segments, _ = transcriber.model.transcribe(audio, language="en", vad_filter=True, beam_size=5)
    segments = list(segments)
    spent = time.perf_counter() - started
    return [Interval(s.start, s.end) for s in segments], " ".join(s.text for s in segments), spent


def vad_only(call: Call, settings: Settings, *, bleed: bool = True, leak_db: float | None = None):
    """Speech intervals of both tracks from the track processors, no decoding."""
    mine = call.interviewer
    if leak_db is not None:
        mine = np.clip(mine + call.customer * 10 ** (leak_db / 20), -1, 1)
    loud = Loudness()
    customer = TrackProcessor("customer", settings, partials=False, speculate=False, loudness=loud)
    interviewer = TrackProcessor(
        "interviewer", settings, partials=False, speculate=False, reference=loud if bleed else None
    )
    events = customer.feed(float_to_pcm16(call.customer)) + customer.finish()
    events += interviewer.feed(float_to_pcm16(mine)) + interviewer.finish()
    return speech_intervals(events, "interviewer"), speech_intervals(events, "customer")


def stream_transcripts(call: Call, settings: Settings, transcriber: WhisperTranscriber) -> dict[str, str]:
    """Each track's finals, decoded inline as the live engine would, the tracks fed in turn."""
    context = TextContext(settings.final_context_words)
    processors = {
        sp: TrackProcessor(sp, settings, transcriber=transcriber, partials=False, context=context)  # type: ignore[arg-type]
        for sp in ("interviewer", "customer")
    }
    audio = {"interviewer": call.interviewer, "customer": call.customer}
    finals: dict[str, list[str]] = {"interviewer": [], "customer": []}
    step = SAMPLE_RATE // 2
    for lo in range(0, len(call.interviewer), step):
        for sp, processor in processors.items():
            events = processor.feed(float_to_pcm16(audio[sp][lo : lo + step]))
            finals[sp] += [e.text for e in events if isinstance(e, Final)]
    for sp, processor in processors.items():
        finals[sp] += [e.text for e in processor.finish() if isinstance(e, Final)]
    return {sp: " ".join(texts) for sp, texts in finals.items()}


def measure_offline(
    calls: list[Call], settings: Settings, transcriber: WhisperTranscriber, res: Results
) -> None:
    print("offline analysis and the whole-track Whisper baseline ...", flush=True)
    share_err, base_share_err = [], []
    ours_wall = ours_cpu = base_wall = base_cpu = audio_s = 0.0
    offline_wer, base_wer, stream_wer = Wer(), Wer(), Wer()
    for call in calls:
        t, c = time.perf_counter(), time.process_time()
        rec = transcribe_tracks(call.interviewer, call.customer, settings=settings, transcriber=transcriber)
        ours_wall += time.perf_counter() - t
        ours_cpu += time.process_time() - c
        audio_s += call.duration
        truth_share = call.truth["interviewer_share"]
        share = talk_share(rec.speech["interviewer"], rec.speech["customer"]) or 0.0
        share_err.append(abs(share - truth_share) * 100)

        base: dict[str, list[Interval]] = {}
        t, c = time.perf_counter(), time.process_time()
        for speaker, audio in (("interviewer", call.interviewer), ("customer", call.customer)):
            intervals, text, _ = whisper_baseline(transcriber, audio)
            base[speaker] = intervals
            reference = " ".join(u["text"] for u in call.utterances(speaker))  # type: ignore[arg-type]
            base_wer.add(reference, text)
            offline_wer.add(reference, " ".join(u.text for u in rec.utterances if u.speaker == speaker))
        base_wall += time.perf_counter() - t
        base_cpu += time.process_time() - c
        base_share = talk_share(base["interviewer"], base["customer"]) or 0.0
        base_share_err.append(abs(base_share - truth_share) * 100)

        # Streaming finals: the live segmentation and decode (short window, beam 5, the call's
        # recent text as context), both tracks fed in turn as the live engine gets them. The
        # live engine cuts and decodes exactly these pieces; only when they are decoded differs.
        for speaker, text in stream_transcripts(call, settings, transcriber).items():
            reference = " ".join(u["text"] for u in call.utterances(speaker))  # type: ignore[arg-type]
            stream_wer.add(reference, text)

    res.add(
        "interviewer talk share vs truth (points, worst call)",
        f"{max(share_err):.2f}",
        f"{max(base_share_err):.2f}",
        "<= 2",
        max(share_err) <= 2.0,
    )
    res.add(
        "streaming WER (%)",
        f"{stream_wer.rate * 100:.1f}",
        f"{base_wer.rate * 100:.1f} (offline whole track)",
        "<= baseline + 1.5",
        stream_wer.rate * 100 <= base_wer.rate * 100 + 1.5,
    )
    res.add(
        "offline analysis WER (%)",
        f"{offline_wer.rate * 100:.1f}",
        f"{base_wer.rate * 100:.1f}",
        "(no target)",
        None,
    )
    res.add(
        "offline analysis speed, stereo call (x real time)",
        f"{audio_s / ours_wall:.1f} (CPU {ours_cpu:.1f} s)",
        f"{audio_s / base_wall:.1f} (CPU {base_cpu:.1f} s)",
        ">= 20",
        audio_s / ours_wall >= 20,
    )


async def replay(
    call: Call, settings: Settings, transcriber: WhisperTranscriber, seconds: float
) -> tuple[list[float], float, dict[str, Any]]:
    """Stream both tracks in real time; return end-of-speech -> final latencies and the max lag."""
    n = min(len(call.interviewer), int(seconds * SAMPLE_RATE))
    tracks = {"interviewer": call.interviewer[:n], "customer": call.customer[:n]}
    finals: dict[str, list[tuple[Final, float]]] = {"interviewer": [], "customer": []}
    frame = 320  # samples: 20 ms, as the capture page sends
    max_lag = 0.0
    async with SpeechEngine(settings, transcriber=transcriber) as engine:

        def sink(speaker: str):
            def on_event(event: Event) -> None:
                if isinstance(event, Final):
                    finals[speaker].append((event, time.perf_counter()))

            return on_event

        lives = {sp: engine.open_track("bench", sp, sink(sp)) for sp in tracks}  # type: ignore[arg-type]
        t0 = time.perf_counter()
        for k, lo in enumerate(range(0, n, frame)):
            for sp, live in lives.items():
                live.feed(float_to_pcm16(tracks[sp][lo : lo + frame]))
            max_lag = max(max_lag, engine.queue_lag)
            delay = t0 + (k + 1) * frame / SAMPLE_RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*(live.finish() for live in lives.values()))
        stats = engine.stats
    latencies = []
    horizon = n / SAMPLE_RATE - 2.0
    for speaker in ("interviewer", "customer"):
        mine = call.utterances(speaker)  # type: ignore[arg-type]
        for k, u in enumerate(mine):
            nxt = mine[k + 1]["start"] if k + 1 < len(mine) else float("inf")
            # Only real ends of speech: the same speaker going on within the endpoint is one segment.
            if u["end"] > horizon or nxt - u["end"] < settings.vad_endpoint + 0.3:
                continue
            covering = [
                (f, w) for f, w in finals[speaker] if f.start <= u["end"] + 0.3 and f.end >= u["end"] - 1.5
            ]
            if covering:
                _, wall = min(covering, key=lambda fw: abs(fw[0].end - u["end"]))
                latencies.append(wall - (t0 + u["end"]))
    return (
        latencies,
        max_lag,
        {"finals": stats.finals, "partials": stats.partials, "dropped": stats.dropped_partials},
    )


def measure_latency(
    call: Call, settings: Settings, transcriber: WhisperTranscriber, seconds: float, res: Results
) -> None:
    print(f"real-time replay of {min(seconds, call.duration):.0f} s of {call.name}, twice ...", flush=True)
    ours, lag, stats = asyncio.run(replay(call, settings, transcriber, seconds))
    plain = settings.model_copy(update={"final_speculate_after": 0.0})
    base, base_lag, _ = asyncio.run(replay(call, plain, transcriber, seconds))
    res.add(
        "end of speech -> final p50 / p95 (s)",
        f"{percentile(ours, 50):.2f} / {percentile(ours, 95):.2f} (n={len(ours)}, max lag {lag:.2f} s)",
        f"{percentile(base, 50):.2f} / {percentile(base, 95):.2f} (no speculation, max lag {base_lag:.2f} s)",
        "p50 <= 1.0, p95 <= 1.5",
        percentile(ours, 50) <= 1.0 and percentile(ours, 95) <= 1.5,
    )
    res.notes.append(f"replay decodes: {stats}")


def noise_track(minutes: float, seed: int = 3) -> np.ndarray:
    """Silence and the noises of a desk: hiss at several levels, hum, brown rumble, clicks, typing."""
    rng = np.random.default_rng(seed)
    piece = 15 * SAMPLE_RATE
    parts = []
    kinds = ["silence", "hiss-50", "hiss-35", "hiss-25", "hum", "rumble", "clicks", "typing"]
    for k in range(int(minutes * 60 * SAMPLE_RATE) // piece):
        kind = kinds[k % len(kinds)]
        t = np.arange(piece) / SAMPLE_RATE
        if kind == "silence":
            x = np.zeros(piece)
        elif kind.startswith("hiss"):
            x = rng.normal(0, 10 ** (-int(kind[5:]) / 20), piece)
        elif kind == "hum":
            x = (
                0.02 * np.sin(2 * np.pi * 50 * t)
                + 0.01 * np.sin(2 * np.pi * 150 * t)
                + rng.normal(0, 0.002, piece)
            )
        elif kind == "rumble":
            x = np.cumsum(rng.normal(0, 0.002, piece))
            x = (x - np.convolve(x, np.ones(800) / 800, mode="same")) * 0.5
        else:
            x = rng.normal(0, 0.001, piece)
            gap = SAMPLE_RATE // (8 if kind == "typing" else 2)
            for at in range(0, piece - 400, gap):
                at += int(rng.integers(0, gap // 2))
                x[at : at + 300] += rng.normal(0, 0.2, 300) * np.exp(-np.arange(300) / 60)
        parts.append(x)
    return np.clip(np.concatenate(parts), -1, 1).astype(np.float32)


def measure_noise(minutes: float, settings: Settings, transcriber: WhisperTranscriber, res: Results) -> None:
    print(f"{minutes:g} minutes of silence and noise ...", flush=True)
    audio = noise_track(minutes)
    # As in a call: earlier text as Whisper's context, which makes inventing more tempting.
    context = TextContext(settings.final_context_words)
    context.add("So tell me about the last time you had to reconcile the invoices. What did that look like?")
    processor = TrackProcessor("customer", settings, transcriber=transcriber, partials=False, context=context)
    events = processor.feed(float_to_pcm16(audio)) + processor.finish()
    ours = [e.text for e in events if isinstance(e, Final)]
    segments, _ = transcriber.model.transcribe(audio, language="en", vad_filter=False, beam_size=5)
    base = [s.text for s in segments if s.text.strip()]
    res.add(
        f"hallucinated finals in {minutes:g} min of silence and noise",
        f"{len(ours)}",
        f"{len(base)} (Whisper without VAD)",
        "0",
        not ours,
    )
    if ours:
        res.notes.append(f"finals on noise: {ours[:5]}")


def offline_vad(audio: np.ndarray) -> list[Interval]:
    """faster-whisper's whole-file Silero pass with its default options."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return [
        Interval(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE)
        for s in get_speech_timestamps(audio, VadOptions())
    ]


def measure_interruptions(calls: list[Call], settings: Settings, res: Results) -> None:
    print(f"interruptions and bleed on {len(calls)} calls (VAD only) ...", flush=True)
    truth_n = hits = false = base_hits = base_false = 0
    bleed_err, nobleed_err = [], []
    for call in calls:
        truth = call.truth_interruptions()
        mine, theirs = vad_only(call, settings)
        h, f = match_recall(truth, interruptions(mine, theirs))
        bh, bf = match_recall(truth, interruptions(offline_vad(call.interviewer), offline_vad(call.customer)))
        truth_n, hits, false, base_hits, base_false = (
            truth_n + len(truth),
            hits + h,
            false + f,
            base_hits + bh,
            base_false + bf,
        )
        # mic bleed: the customer leaks into the interviewer's mic at -20 dB
        share_truth = call.truth["interviewer_share"]
        for keep, errs in ((True, bleed_err), (False, nobleed_err)):
            mine_b, theirs_b = vad_only(call, settings, bleed=keep, leak_db=-20.0)
            errs.append(abs((talk_share(mine_b, theirs_b) or 0.0) - share_truth) * 100)
    recall = hits / max(truth_n, 1)
    res.add(
        "interruptions found vs truth (recall; false alarms)",
        f"{recall:.2f} ({hits}/{truth_n}; {false} false)",
        f"{base_hits / max(truth_n, 1):.2f} ({base_hits}/{truth_n}; {base_false} false; "
        "faster-whisper VAD defaults)",
        "recall >= 0.8",
        recall >= 0.8,
    )
    res.add(
        "talk share error with the customer leaking in at -20 dB (points, worst call)",
        f"{max(bleed_err):.2f}",
        f"{max(nobleed_err):.2f} (bleed check off)",
        "(no target; <= 2 wanted)",
        None,
    )


def measure_feed_cost(call: Call, settings: Settings, res: Results) -> None:
    """What `LiveTrack.feed` costs the event loop: Silero + segmentation + bleed check, 20 ms frames."""
    loud = Loudness()
    customer = TrackProcessor("customer", settings, partials=False, speculate=False, loudness=loud)
    interviewer = TrackProcessor("interviewer", settings, partials=False, speculate=False, reference=loud)
    frame = 320
    n = min(len(call.interviewer), 120 * SAMPLE_RATE)
    costs = []
    for lo in range(0, n, frame):
        for processor, audio in ((customer, call.customer), (interviewer, call.interviewer)):
            data = float_to_pcm16(audio[lo : lo + frame])
            started = time.perf_counter()
            processor.feed(data)
            costs.append((time.perf_counter() - started) * 1000)
    per_second = sum(costs) / (n / SAMPLE_RATE) / 2
    res.add(
        "feed() cost in the event loop per track (ms per 20 ms frame: mean / p99; ms per audio second)",
        f"{statistics.mean(costs):.3f} / {percentile(costs, 99):.2f}; {per_second:.1f}",
        "-",
        "(cheap: no target)",
        None,
    )


def print_table(res: Results, header: str) -> None:
    print()
    print(header)
    print()
    print("| what | SecondEar | baseline | target | met |")
    print("|---|---|---|---|---|")
    for r in res.rows:
        met = "" if r.ok is None else ("yes" if r.ok else "**no**")
        print(f"| {r.what} | {r.ours} | {r.baseline} | {r.target} | {met} |")
    for note in res.notes:
        print(f"\n- {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "annomi-dev.jsonl")
    parser.add_argument("--calls", type=int, default=4, help="calls for talk share, WER and speed")
    parser.add_argument("--max-turns", type=int, default=40)
    parser.add_argument(
        "--interruption-calls", type=int, default=10, help="calls for interruptions (VAD only)"
    )
    parser.add_argument("--interruption-turns", type=int, default=60)
    parser.add_argument("--replay-seconds", type=float, default=90.0, help="0: skip the real-time replay")
    parser.add_argument("--noise-minutes", type=float, default=10.0, help="0: skip")
    parser.add_argument("--calls-dir", type=Path, help="use these synth_calls.py folders instead")
    parser.add_argument("--quick", action="store_true", help="a small run (about a minute) to try things")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.max_turns, args.replay_seconds, args.noise_minutes = 1, 20, 30.0, 1.0
        args.interruption_calls, args.interruption_turns = 2, 30
    if not args.data.is_file() and args.calls_dir is None:
        parser.error(f"{args.data} not found: pass --data or --calls-dir")

    settings = Settings()
    transcriber = load_transcriber(settings)
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        if args.calls_dir:
            calls = load_calls(args.calls_dir)
            more = calls
        else:
            print(f"making {args.calls} + {args.interruption_calls} synthetic calls ...", flush=True)
            calls = make_calls(args.data, Path(tmp) / "calls", args.calls, args.max_turns)
            more = make_calls(
                args.data, Path(tmp) / "more", args.interruption_calls, args.interruption_turns, seed=11
            )
        measure_offline(calls, settings, transcriber, res)
        if args.replay_seconds > 0:
            measure_latency(calls[0], settings, transcriber, args.replay_seconds, res)
        if args.noise_minutes > 0:
            measure_noise(args.noise_minutes, settings, transcriber, res)
        measure_interruptions(more, settings, res)
        measure_feed_cost(calls[0], settings, res)
    minutes = sum(c.duration for c in calls) / 60
    print_table(
        res,
        f"Speech engine, tiny.en int8, {settings.whisper_threads} threads; {len(calls)} calls "
        f"({minutes:.1f} min) for talk share/WER/speed, {len(more)} for interruptions.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
