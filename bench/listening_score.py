"""How well the listening score separates good from poor interviews.

For every AnnoMI dev transcript (expert judgement `quality` high or low), build the report
from the detectors' tags and the turn-start times, and print the ROC AUC of
`listening_score` for high over low, with each component's own AUC beside it.

    .venv/bin/python -m bench.listening_score [../shared/data/annomi-dev.jsonl] [--json]

    .venv/bin/python -m bench.listening_score --cv 5    (grouped cross-validation)

The AUC is the Mann-Whitney statistic: the chance that a random high-quality transcript
scores above a random low-quality one (ties count a half).

The score's formula is fixed (app/reports/score.py: anchors from coaching practice, nothing
fitted), but the detectors' model was trained on AnnoMI dev among other data. With `--cv K`
every transcript is tagged by a model trained without it (whole transcripts dealt to K folds,
the other corpus files added to each fold's training), so the AUC is one on unseen interviews.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from app.reports import build_report
from app.reports.model import Report
from app.transcripts.model import Turn, finish, parse_time
from nlp.evaluation import read_jsonl
from nlp.pipeline import Tagger
from nlp.training import CORPUS, cross_validate, load_corpus
from nlp.types import Tag, TaggedUtterance, Utterance

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "annomi-dev.jsonl"


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """ROC AUC by Mann-Whitney: P(a positive scores above a negative), ties counting a half."""
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative")
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


def load_transcripts(path: Path) -> dict[str, tuple[str, list[Utterance]]]:
    """transcript id -> (quality, timed utterances); a turn lasts until the next one starts."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                rows[str(row["transcript"])].append(row)
    out: dict[str, tuple[str, list[Utterance]]] = {}
    for tid, rs in rows.items():
        rs.sort(key=lambda r: int(str(r["turn"])))
        turns = [
            Turn(str(r["speaker"]), str(r["text"]), parse_time(r.get("start")), None, i + 1)
            for i, r in enumerate(rs)
        ]
        transcript = finish(turns, f"transcript {tid}")
        utterances = [
            Utterance(t.name, t.text, t.start, t.end)  # type: ignore[arg-type]
            for t in transcript.turns
        ]
        out[tid] = (str(rs[0]["quality"]), utterances)
    return out


def reports(
    data: dict[str, tuple[str, list[Utterance]]], tagger: Tagger, tags: Sequence[Tag] | None = None
) -> dict[str, tuple[str, Report]]:
    """One report per transcript; `tags` (in the order of `data`'s utterances) or the tagger's."""
    flat = [u for _, us in data.values() for u in us]
    found = iter(tags if tags is not None else tagger.tag_many(flat))
    out: dict[str, tuple[str, Report]] = {}
    for tid, (quality, us) in data.items():
        tagged = [TaggedUtterance(u, next(found)) for u in us]
        out[tid] = (quality, build_report(tagged, timing_source="starts"))
    return out


def cross_validated_tags(path: Path, tagger: Tagger, k: int) -> list[Tag]:
    """Out-of-fold tags for every utterance, in load_transcripts' order (transcript, then turn)."""
    rows = read_jsonl(path)
    corpus = path.parent
    extra = load_corpus(corpus, tagger, skip=path) if (corpus / CORPUS[0]).exists() else []
    tags = cross_validate(tagger, rows, k, "transcript", extra)
    by_transcript: dict[str, list[tuple[int, Tag]]] = defaultdict(list)
    for row, tag in zip(rows, tags, strict=True):
        by_transcript[str(row["transcript"])].append((int(str(row["turn"])), tag))
    # load_transcripts keeps the transcripts in file order and sorts each by turn.
    return [tag for turns in by_transcript.values() for _, tag in sorted(turns, key=lambda t: t[0])]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--cv", type=int, metavar="K", help="tag by grouped K-fold cross-validation")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    data = load_transcripts(args.data)
    tagger = Tagger.load()
    done = reports(data, tagger, cross_validated_tags(args.data, tagger, args.cv) if args.cv else None)
    seconds = time.perf_counter() - t0

    def scores(quality: str, key: str | None = None) -> list[float]:
        vals: list[float] = []
        for q, r in done.values():
            if q != quality:
                continue
            if key is None:
                vals.append(float(r.listening_score.score))
                continue
            comp = next(c for c in r.listening_score.components if c.key == key)
            # A component without evidence is scored as its average share of points would be: half.
            vals.append(comp.points / comp.weight if comp.points is not None else 0.5)
        return vals

    high, low = scores("high"), scores("low")
    components = {
        c.key: round(auc(scores("high", c.key), scores("low", c.key)), 3)
        for c in next(iter(done.values()))[1].listening_score.components
    }
    result: dict[str, object] = {
        "transcripts": {"high": len(high), "low": len(low)},
        "auc": round(auc(high, low), 3),
        "score": {
            q: {
                "median": statistics.median(v),
                "mean": round(statistics.fmean(v), 1),
                "min": min(v),
                "max": max(v),
            }
            for q, v in (("high", high), ("low", low))
        },
        "components": components,
        "seconds": round(seconds, 1),
        "validation": f"grouped {args.cv}-fold cross-validation by transcript" if args.cv else "in-sample",
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"listening_score on {args.data.name}: {len(high)} high, {len(low)} low transcripts")
    how = f"grouped {args.cv}-fold CV by transcript" if args.cv else "in-sample"
    print(f"ROC AUC (high over low): {auc(high, low):.3f}   (target >= 0.85; {how})")
    for q, v in (("high", high), ("low", low)):
        ordered = " ".join(f"{x:.0f}" for x in sorted(v))
        print(f"  {q:4}  median {statistics.median(v):5.1f}  mean {statistics.fmean(v):5.1f}  [{ordered}]")
    print("component AUCs (each alone):")
    for key, value in components.items():
        print(f"  {key:15} {value:.3f}")
    print(f"({seconds:.1f} s, tagging included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
