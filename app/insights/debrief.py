"""The debrief right after a call: prefilled from the report, edited by the interviewer and the
buddy at once, merged field by field.

Prefill: the three strongest pains and workarounds as verbatim customer quotes with their moments
(strongest: about what the customer did rather than would do, then the most content words), the
openings the interviewer's questions used most ("do you" 12 times), the flagged moments, and the
problem drafted from the strongest pain.

Merge: a three-way merge against the version both editors started from. A field one editor changed
and the other did not keeps the change, so two people editing different fields both keep their
edits. When both changed the same field, the later save wins for that field (and only that field),
and the field is reported as a conflict so a page can say so. A pain (its words, its moment and
whether it is a quote) is one field: a quote must keep its moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from app.insights.quotes import basis, excerpt
from app.insights.words import content_words, sentence_spans, words
from app.reports.debrief import PAINS, AskedQuestion, Debrief, DebriefPoint, FlaggedMoment, NextTest
from app.reports.model import Quote, Report

# Question openings shown: the most frequent few, each used at least twice.
QUESTION_OPENINGS = 3
OPENING_WORDS = 2
T = TypeVar("T")
BASIS_RANK = {"past": 0, "general": 1, "stated": 2}


def strongest(quotes: Sequence[Quote], n: int = PAINS) -> list[DebriefPoint]:
    """The n strongest quotes, cut to verbatim excerpts, in the order of the call."""
    ranked: list[tuple[tuple[int, int, int], DebriefPoint]] = []
    seen: set[str] = set()
    for i, q in enumerate(quotes):
        span = excerpt(q.text, q.evidence)
        text = q.text[span.start : span.end]
        if not text.strip() or text in seen:
            continue
        seen.add(text)
        key = (BASIS_RANK[basis(text)], -len(content_words(text)), i)
        ranked.append((key, DebriefPoint(text, q.time, quote=True)))
    best = sorted(ranked, key=lambda r: r[0])[:n]
    return [p for _, p in sorted(best, key=lambda r: r[0][2])]


def _question_sentence(text: str) -> str:
    sentences = [text[s:e] for s, e in sentence_spans(text)] or [text]
    return next((s for s in sentences if s.rstrip().endswith("?")), sentences[-1])


def asked_most(report: Report) -> list[AskedQuestion]:
    counts: dict[str, list[tuple[str, float | None]]] = {}
    for line in report.transcript:
        if line.speaker != "interviewer" or line.question is None:
            continue
        sentence = _question_sentence(line.text).strip()
        opening = " ".join(words(sentence)[:OPENING_WORDS])
        if opening:
            counts.setdefault(opening, []).append((sentence, line.start))
    ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        AskedQuestion(opening, len(seen), seen[0][0], seen[0][1])
        for opening, seen in ranked[:QUESTION_OPENINGS]
        if len(seen) >= 2
    ]


def prefill(report: Report) -> Debrief:
    pains = strongest(report.pains)
    problem = min(pains, key=lambda p: BASIS_RANK[basis(p.text)]).text if pains else ""
    return Debrief(
        pains=tuple(pains) + (DebriefPoint(),) * (PAINS - len(pains)),
        problem=problem,
        workarounds=tuple(strongest(report.workarounds)),
        questions=tuple(asked_most(report)),
        flagged=tuple(FlaggedMoment(m.time, m.kind, m.text) for m in report.moments),
    )


@dataclass(frozen=True, slots=True)
class Merged:
    debrief: Debrief
    conflicts: tuple[str, ...]  # fields both editors changed; the later save won


def _pick(name: str, base: T, mine: T, theirs: T, conflicts: list[str]) -> T:
    if mine in (base, theirs):
        return theirs
    if theirs == base:
        return mine
    conflicts.append(name)
    return theirs


def merge(base: Debrief, mine: Debrief, theirs: Debrief) -> Merged:
    """Merge two edits of `base`. `theirs` is the later save: it wins where both changed a field."""
    conflicts: list[str] = []
    pains = tuple(
        _pick(f"pains[{i}]", b, m, t, conflicts)
        for i, (b, m, t) in enumerate(zip(base.pains, mine.pains, theirs.pains, strict=True))
    )
    test = NextTest(
        **{
            f: _pick(
                f"next_test.{f}",
                getattr(base.next_test, f),
                getattr(mine.next_test, f),
                getattr(theirs.next_test, f),
                conflicts,
            )
            for f in ("change", "metric", "by_when")
        }
    )
    fields = {
        f: _pick(f, getattr(base, f), getattr(mine, f), getattr(theirs, f), conflicts)
        for f in ("assumed", "surprised", "problem")
    }
    merged = replace(theirs, pains=pains, next_test=test, **fields)
    return Merged(merged, tuple(conflicts))
