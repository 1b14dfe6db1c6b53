"""How fast the tagger is, against the bare spaCy pipeline it runs on, in the same process.

    .venv/bin/python -m bench.tagging [--limit N] [--json]

Texts: the utterances of ../shared/data/interview-lines.jsonl, annomi-dev.jsonl and the
real-interview turns when present (every k-th one, up to --limit), else a built-in set of
interview lines. The tagger is the shipped one, with its trained model loaded. Measured:

- per utterance: p50 and p95 wall time of `Tagger.tag` (clean, parse, match, detect, the
  model's say) and of the baseline, one utterance at a time, interleaved. The baseline is the
  spaCy pipeline exactly as shipped (`load_spacy(stock=True)`: NER excluded, nothing else
  changed) parsing the text the tagger parses, i.e. the final once cleaned (the cleaning is
  not timed in it), so the ratio is what the tagger adds to a stock spaCy call;
- batched: utterances per second of `Tagger.tag_many` and of the baseline `nlp.pipe`.

The target is p95 <= 10 ms per final of up to 40 words (a live final) on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.spacy_model import load_spacy
from nlp.evaluation import read_jsonl
from nlp.pipeline import Tagger
from nlp.speech import clean
from nlp.types import Speaker, Utterance

if TYPE_CHECKING:
    from spacy.language import Language

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
TARGET_P95_MS = 10.0
# A live final is at most ~15 s of speech, about 40 words; longer turns come only from files.
LIVE_WORDS = 40

BUILT_IN: list[tuple[Speaker, str]] = [
    ("interviewer", "Walk me through the last time you put the monthly report together."),
    ("interviewer", "Do you use a spreadsheet for this?"),
    ("interviewer", "So you run it every week?"),
    ("interviewer", "Would you pay for something that did this automatically?"),
    ("interviewer", "Oh, you can just click the gear icon and export it."),
    ("interviewer", "So it sounds like the export eats most of your Friday."),
    ("interviewer", "How do you do it today, what tools do you use, and is it painful?"),
    ("customer", "I just copy everything into a sheet and fix the dates by hand."),
    ("customer", "It drives me crazy every single Monday, honestly it takes forever."),
    ("customer", "Yeah, we mostly use it on Tuesdays."),
]


def load_texts(limit: int) -> tuple[list[Utterance], str]:
    rows: list[dict[str, Any]] = []
    for name in ("interview-lines.jsonl", "annomi-dev.jsonl", "real-interviews/turns.jsonl"):
        if (SHARED / name).is_file():
            rows.extend(read_jsonl(SHARED / name))
    if rows:
        step = max(1, len(rows) // limit)
        picked = rows[::step][:limit]
        return [
            Utterance(r["speaker"], r["text"]) for r in picked
        ], f"{len(picked)} utterances of the shared data"
    return [Utterance(s, t) for s, t in BUILT_IN], f"{len(BUILT_IN)} built-in lines (shared data absent)"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(tagger: Tagger, utterances: Sequence[Utterance], nlp: Language | None = None) -> dict[str, Any]:
    """Time the tagger against `nlp` (default: the stock pipeline) on the same cleaned texts."""
    nlp = nlp or load_spacy(stock=True)
    texts = [u.text for u in utterances]
    parsed = [clean(t).text for t in texts]
    for u, text in zip(utterances[:20], parsed, strict=False):  # warm up caches and lazily built tables
        nlp(text)
        tagger.tag(u)
    base_ms: list[float] = []
    tag_ms: list[float] = []
    for u, text in zip(utterances, parsed, strict=True):
        base_ms.append(_timed(lambda text=text: nlp(text)))  # type: ignore[misc]
        tag_ms.append(_timed(lambda u=u: tagger.tag(u)))  # type: ignore[misc]
    base_batch_s = _timed(lambda: list(nlp.pipe(parsed, batch_size=256))) / 1000
    tag_batch_s = _timed(lambda: tagger.tag_many(utterances, batch_size=256)) / 1000
    n = len(utterances)
    live = [i for i, t in enumerate(texts) if len(t.split()) <= LIVE_WORDS]
    return {
        "utterances": n,
        "words_mean": round(statistics.mean(len(t.split()) for t in texts), 1),
        "cpu_count": os.cpu_count(),
        "per_utterance_ms": {
            "tagger": {
                "p50": percentile(tag_ms, 50),
                "p95": percentile(tag_ms, 95),
                "mean": statistics.mean(tag_ms),
            },
            "spacy": {
                "p50": percentile(base_ms, 50),
                "p95": percentile(base_ms, 95),
                "mean": statistics.mean(base_ms),
            },
        },
        "live_p95_ms": {
            "utterances": len(live),
            "tagger": percentile([tag_ms[i] for i in live], 95),
            "spacy": percentile([base_ms[i] for i in live], 95),
        },
        "batched_per_s": {"tagger": n / tag_batch_s, "spacy": n / base_batch_s},
        "target_p95_ms": TARGET_P95_MS,
    }


def table(result: dict[str, Any], source: str) -> str:
    per, batch, live = result["per_utterance_ms"], result["batched_per_s"], result["live_p95_ms"]
    t, b = per["tagger"], per["spacy"]
    lines = [
        f"tagging: {source}, {result['words_mean']} words on average, {result['cpu_count']} CPUs",
        "",
        f"{'measure':<28}{'Tagger':>12}{'spaCy alone':>14}{'ratio':>8}",
        "-" * 62,
        f"{'p50 per utterance (ms)':<28}{t['p50']:>12.2f}{b['p50']:>14.2f}{t['p50'] / b['p50']:>8.2f}",
        f"{'p95 per utterance (ms)':<28}{t['p95']:>12.2f}{b['p95']:>14.2f}{t['p95'] / b['p95']:>8.2f}",
        f"{'mean per utterance (ms)':<28}{t['mean']:>12.2f}{b['mean']:>14.2f}{t['mean'] / b['mean']:>8.2f}",
        f"{f'p95, <= {LIVE_WORDS} words (ms)':<28}{live['tagger']:>12.2f}{live['spacy']:>14.2f}"
        f"{live['tagger'] / live['spacy']:>8.2f}",
        f"{'batched (utterances/s)':<28}{batch['tagger']:>12.0f}{batch['spacy']:>14.0f}"
        f"{batch['tagger'] / batch['spacy']:>8.2f}",
        "-" * 62,
        f"target: p95 <= {TARGET_P95_MS:.0f} ms per final of up to {LIVE_WORDS} words: "
        + ("met" if live["tagger"] <= TARGET_P95_MS else "NOT met"),
    ]
    return "\n".join(lines)


def run_bench(
    argv: Sequence[str] | None,
    *,
    prog: str,
    doc: str,
    limit: int,
    measure: Callable[[Tagger, list[Utterance]], dict[str, Any]],
    table: Callable[[dict[str, Any], str], str],
) -> int:
    """The tagging benches' command line: time the Tagger over up to --limit shared utterances,
    print a table (or --json)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--limit", type=int, default=limit, help=f"most utterances to time (default {limit})")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    utterances, source = load_texts(max(1, args.limit))
    result = measure(Tagger.load(), utterances)
    print(json.dumps({"source": source, **result}, indent=2) if args.json else table(result, source))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_bench(
        argv, prog="python -m bench.tagging", doc=__doc__, limit=2000, measure=measure, table=table
    )


if __name__ == "__main__":
    raise SystemExit(main())
