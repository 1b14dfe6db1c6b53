"""How well the listening score separates good from poor interviews.

For every AnnoMI dev transcript (expert judgement `quality` high or low), build the report
from the detectors' tags and the turn-start times, and print the ROC AUC of
`listening_score` for high over low, with each component's own AUC beside it.

    .venv/bin/python -m bench.listening_score [../shared/data/annomi-dev.jsonl] [--json]

    .venv/bin/python -m bench.listening_score --cv 5    (grouped cross-validation)

    .venv/bin/python -m bench.listening_score --fit     (fitted formulas, nested CV; ~2 min)

The AUC is the Mann-Whitney statistic: the chance that a random high-quality transcript
scores above a random low-quality one (ties count a half).

The score's formula is fixed (app/reports/score.py: anchors from coaching practice, nothing
fitted), but the detectors' model was trained on AnnoMI dev among other data. With `--cv K`
every transcript is tagged by a model trained without it (whole transcripts dealt to K folds,
the other corpus files added to each fold's training), so the AUC is one on unseen interviews.
Those out-of-fold tags are cached under .cache/listening/ (keyed by the data, the detector code,
rules and model), so a second run, or `--fit`, does not train again.

`--fit` measures a small family of formulas whose weights or anchors are fitted
(bench/listening_fit.py) by 50 random 5-fold splits of the transcripts, each fold's formula
fitted on the others, the family chosen by an inner CV (nested), beside their in-sample AUC.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.reports import build_report
from app.reports.model import Report
from app.reports.score import ANCHORS
from app.transcripts.model import Turn, finish, parse_time
from bench.listening_fit import (
    FAMILIES,
    FITS,
    Sample,
    auc,
    bootstrap_interval,
    choose,
    nested,
    position,
    score,
)
from nlp.evaluation import read_jsonl
from nlp.pipeline import Tagger
from nlp.training import CORPUS, cross_validate, load_corpus
from nlp.types import Tag, TaggedUtterance, Utterance

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "annomi-dev.jsonl"
# Out-of-fold tags take minutes on 2 cores; they are kept here (gitignored), keyed by what made them.
CACHE = REPO / ".cache" / "listening"


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


def cached_cv_tags(path: Path, tagger: Tagger, k: int) -> list[Tag]:
    """cross_validated_tags, kept under .cache/ keyed by the data, the corpus, the code and k."""
    from nlp.pipeline import MODEL_FILE

    key = hashlib.sha256(str(k).encode())
    sources = [path, *(path.parent / name for name in CORPUS), MODEL_FILE]
    sources += sorted((REPO / "nlp").rglob("*.py")) + sorted((REPO / "nlp" / "rules").glob("*.jsonl"))
    for source in sources:
        if source.exists():
            key.update(source.name.encode() + source.read_bytes())
    cached = CACHE / f"tags-{path.stem}-cv{k}-{key.hexdigest()[:16]}.pickle"
    if cached.exists():
        # Our own file, written below from this tree's code: safe to unpickle.
        with cached.open("rb") as f:
            tags: list[Tag] = pickle.load(f)
        return tags
    tags = cross_validated_tags(path, tagger, k)
    CACHE.mkdir(parents=True, exist_ok=True)
    with cached.open("wb") as f:
        pickle.dump(tags, f)
    return tags


def samples(done: dict[str, tuple[str, Report]]) -> list[Sample]:
    """Each transcript's quality and its components' measured values."""
    return [
        Sample(q == "high", {c.key: c.value for c in r.listening_score.components}) for q, r in done.values()
    ]


def fit_table(cv: list[Sample], shipped: list[Sample], k: int, repeats: int, inner: int) -> dict[str, object]:
    """Every family's repeated grouped-CV AUC, the nested choice's, and the fit on all transcripts."""
    runs, chosen = nested(cv, k, repeats, inner)
    low_end, high_end = bootstrap_interval([score(ANCHORS, s.values) for s in cv], cv)
    pick, inner_means = choose(cv, k, inner * 4, random.Random(1))
    final = FITS[pick](cv)
    in_sample = {
        name: {
            "oof_tags": _fit_auc(name, cv),
            "shipped_tags": _fit_auc(name, shipped),
        }
        for name in FAMILIES
    }
    return {
        "cv": {
            name: {
                "mean": round(statistics.fmean(v), 3),
                "sd": round(statistics.stdev(v), 3),
                "min": round(min(v), 3),
                "max": round(max(v), 3),
            }
            for name, v in runs.items()
        },
        "anchors_bootstrap_95": [round(low_end, 3), round(high_end, 3)],
        "nested_choices": chosen,
        "choice_on_all": pick,
        "choice_cv_means": {n: round(m, 3) for n, m in inner_means.items()},
        "formula": [
            {"key": a.key, "weight": a.weight, "good": round(a.good, 3), "bad": round(a.bad, 3)}
            for a in final
        ],
        "in_sample": in_sample,
        "fits_on_all": {
            name: {a.key: [a.weight, round(a.good, 3), round(a.bad, 3)] for a in FITS[name](cv)}
            for name in FAMILIES
            if name != "anchors"
        },
    }


def render_fit(table: dict[str, Any], k: int, repeats: int, inner: int) -> str:
    lines = [
        f"listening_score formulas: AUC high over low, {repeats} random {k}-fold splits of the transcripts,",
        f"every transcript tagged by a detector model trained without it (grouped {k}-fold CV);",
        f"'nested' picks the family on each training set by an inner {k}-fold CV ({inner} splits).",
        "",
        f"  {'formula':9} {'CV mean':>8} {'sd':>6} {'min':>6} {'max':>6}"
        "   in-sample (OOF tags / shipped model's tags)",
    ]
    for name, row in table["cv"].items():
        ins = table["in_sample"].get(name)
        both = f"{ins['oof_tags']:.3f} / {ins['shipped_tags']:.3f}" if ins else ""
        lines.append(
            f"  {name:9} {row['mean']:8.3f} {row['sd']:6.3f} {row['min']:6.3f} {row['max']:6.3f}   {both}"
        )
    low_end, high_end = table["anchors_bootstrap_95"]
    lines.append(
        f"  (the anchors' AUC, transcripts resampled within each class: 95 % in {low_end:.3f}-{high_end:.3f})"
    )
    picks = ", ".join(f"{n} {c}" for n, c in table["nested_choices"].items())
    lines += [
        "",
        f"nested choices over {repeats * k} training sets: {picks}",
        "chosen on all transcripts: "
        + table["choice_on_all"]
        + " (mean CV AUC per family: "
        + ", ".join(f"{n} {m:.3f}" for n, m in table["choice_cv_means"].items())
        + ")",
        "its formula, fitted on all transcripts (key weight good bad):",
    ]
    lines += [f"  {a['key']:15} {a['weight']:>4g} {a['good']:>8g} {a['bad']:>8g}" for a in table["formula"]]
    lines.append("each family fitted on all transcripts (weights; medians: good/bad where moved):")
    for name, fit in table["fits_on_all"].items():
        moved = {k: v for k, v in fit.items() if name != "medians" or (v[1], v[2]) != _coaching(k)}
        shown = (f"{k} {v[1]:g}/{v[2]:g}" if name == "medians" else f"{k} {v[0]:g}" for k, v in moved.items())
        lines.append(f"  {name:9} " + ", ".join(shown))
    lines.append(f"({table['seconds']} s)")
    return "\n".join(lines)


def _coaching(key: str) -> tuple[float, float]:
    a = next(a for a in ANCHORS if a.key == key)
    return (a.good, a.bad)


def _fit_auc(name: str, rows: list[Sample]) -> float:
    """In-sample: the family fitted on `rows` and scored on them."""
    anchors = FITS[name](rows)
    return round(auc(*_split([score(anchors, s.values) for s in rows], rows)), 3)


def _split(scores: list[float], rows: list[Sample]) -> tuple[list[float], list[float]]:
    return (
        [x for x, s in zip(scores, rows, strict=True) if s.high],
        [x for x, s in zip(scores, rows, strict=True) if not s.high],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--cv", type=int, metavar="K", help="tag by grouped K-fold cross-validation")
    parser.add_argument(
        "--fit",
        action="store_true",
        help="fit the formula (bench/listening_fit.py) and measure it by repeated, nested grouped CV",
    )
    parser.add_argument("--repeats", type=int, default=50, help="random K-fold splits of transcripts (--fit)")
    parser.add_argument("--inner", type=int, default=5, help="inner splits choosing the family (--fit)")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    data = load_transcripts(args.data)
    tagger = Tagger.load()
    if args.fit:
        k = args.cv or 5
        oof = samples(reports(data, tagger, cached_cv_tags(args.data, tagger, k)))
        table = fit_table(oof, samples(reports(data, tagger)), k, args.repeats, args.inner)
        table["seconds"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(table, indent=2) if args.json else render_fit(table, k, args.repeats, args.inner))
        return 0
    done = reports(data, tagger, cached_cv_tags(args.data, tagger, args.cv) if args.cv else None)
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
            anchor = next(a for a in ANCHORS if a.key == key)
            # A component without evidence is scored as its average share of points would be: half.
            p = position(anchor, comp.value)
            vals.append(0.5 if p is None else p)
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
