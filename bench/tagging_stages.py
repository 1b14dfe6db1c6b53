"""Where one live final's tagging time goes: p50 / p95 / mean ms of each stage of `Tagger.tag`.

    .venv/bin/python -m bench.tagging_stages [--limit N] [--json]

The same texts as `bench.tagging` (finals of up to 40 words), tagged one at a time by the steps
`Tagger.tag` runs, each timed on its own: cleaning, each spaCy component (the tokenizer first),
the rules' matching, clauses, the rule detectors, features, the model's decision and the tag
(coaching line and suggestion). The stages' sum is a little over a plain `Tagger.tag`, by the
timer's own cost. Times are CPU time of the thread (`time.thread_time`), which other jobs on a
shared machine disturb far less than wall time: the stages compare, the bench's wall times
are what a final waits.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from bench.tagging import LIVE_WORDS, percentile, run_bench
from nlp.decide import decide
from nlp.detectors.base import Analysis, Finding
from nlp.detectors.clauses import split_clauses, turn_form
from nlp.features import features
from nlp.pipeline import Prepared, Tagger
from nlp.speech import clean
from nlp.types import FlagHit, Tag, Utterance


def stage_times(tagger: Tagger, utterance: Utterance) -> tuple[dict[str, float], Tag]:
    """Tag one utterance the way `Tagger.tag` does, timing each step (ms)."""
    times: dict[str, float] = {}
    clock = time.thread_time

    start = clock()
    cleaned = clean(utterance.text)
    now = clock()
    times["clean"] = now - start

    start = now
    doc = tagger.nlp.make_doc(cleaned.text)
    now = clock()
    times["spacy.tokenizer"] = now - start
    for name, pipe in tagger.nlp.pipeline:
        start = now
        doc = pipe(doc)
        now = clock()
        times[f"spacy.{name}"] = now - start

    start = now
    hits = tuple(tagger.matcher(doc))
    now = clock()
    times["rules"] = now - start

    start = now
    clauses = tuple(split_clauses(doc, hits))
    analysis = Analysis(
        doc=doc, speaker=utterance.speaker, hits=hits, clauses=clauses, question=turn_form(clauses)
    )
    now = clock()
    times["clauses"] = now - start

    start = now
    findings: list[Finding] = []
    for detector in tagger.detectors:
        if analysis.speaker in detector.speakers:
            findings.extend(detector.detect(analysis))
    now = clock()
    times["detectors"] = now - start

    start = now
    prepared = Prepared(cleaned, analysis, tuple(findings), tuple(features(analysis, findings)))
    now = clock()
    times["features"] = now - start

    start = now
    question, decided = decide(prepared, tagger.model)
    now = clock()
    times["decide"] = now - start

    start = now
    messages = tagger.messages
    hit_list = tuple(
        FlagHit(d.flag, d.rule_id, d.evidence, messages[d.flag].message, d.live, d.confidence)
        for d in decided
    )
    top = min(decided, key=lambda d: messages[d.flag].rank, default=None)
    tag = Tag(
        question=question,
        hits=hit_list,
        message=messages[top.flag].message if top else None,
        suggestion=tagger.suggester.suggest(analysis, [d.flag for d in decided], messages),
    )
    now = clock()
    times["tag+suggest"] = now - start
    return {k: v * 1000 for k, v in times.items()}, tag


def measure(tagger: Tagger, utterances: Sequence[Utterance]) -> dict[str, Any]:
    live = [u for u in utterances if len(u.text.split()) <= LIVE_WORDS]
    for u in live[:20]:  # warm up caches and lazily built tables
        stage_times(tagger, u)
    rows: list[dict[str, float]] = []
    for u in live:
        times, tag = stage_times(tagger, u)
        if tag != tagger.tag(u):
            raise AssertionError(f"the staged tag differs from Tagger.tag on {u.text!r}")
        rows.append(times)
    names = list(rows[0])
    total = [sum(r.values()) for r in rows]
    out: dict[str, Any] = {"utterances": len(rows), "stages": {}}
    for name in [*names, "total"]:
        values = total if name == "total" else [r[name] for r in rows]
        out["stages"][name] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "mean": statistics.mean(values),
            "share": statistics.mean(values) / statistics.mean(total),
        }
    return out


def table(result: dict[str, Any], source: str) -> str:
    lines = [
        f"tagging stages: {source}, {result['utterances']} finals of up to {LIVE_WORDS} words",
        "",
        f"{'stage (ms)':<24}{'p50':>8}{'p95':>8}{'mean':>8}{'share':>8}",
        "-" * 56,
    ]
    for name, s in result["stages"].items():
        if name == "total":
            lines.append("-" * 56)
        lines.append(f"{name:<24}{s['p50']:>8.3f}{s['p95']:>8.3f}{s['mean']:>8.3f}{s['share']:>8.1%}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return run_bench(
        argv, prog="python -m bench.tagging_stages", doc=__doc__, limit=1000, measure=measure, table=table
    )


if __name__ == "__main__":
    raise SystemExit(main())
