"""A study: what a series of interviews says, in the customers' words.

- Pains and workarounds (the tagger's customer flags in each report) are cut to verbatim quotes
  and clustered by sentence meaning (Universal Sentence Encoder vectors, average-linkage
  agglomerative clustering, cosine >= CLUSTER_SIMILARITY). A cluster must cite at least
  MIN_INTERVIEWS interviews; quotes that meet nobody else's are left out of the clusters.
- Repeated phrases: 2- to 4-word phrases that customers of several interviews used, counted only
  where the customer said it before the interviewer did (not an echo of the question).
- Behaviour: quotes about what customers did (past, evidence) apart from what they say they would
  do (stated: future, wishes, hypotheticals), quotes.basis.
- The problem statement: the most central quote of the strongest pain cluster, with the quotes of
  other interviews that support it.

Deterministic: the same inputs give the same output (ties are broken by input order).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from app.insights.quotes import PREFERENCE, Basis, basis, excerpt
from app.insights.sources import Source
from app.insights.words import STOPWORDS, sentence_spans, words

Kind = Literal["pain", "workaround"]

# Two quotes (or groups) join while their average cosine similarity is at least this. USE vectors
# of two wordings of one complaint score about 0.4-0.7; unrelated sentences of one domain 0.1-0.3.
CLUSTER_SIMILARITY = 0.42
# A cluster must come from this many interviews; below, it is one customer's point, not a pattern.
MIN_INTERVIEWS = 2
# A phrase must come from this many interviews (from this share of them, when that is more).
PHRASE_MIN_INTERVIEWS = 2
PHRASE_MIN_SHARE = 0.12
PHRASE_LENGTHS = (2, 3, 4)
MAX_PHRASES = 20
# Words in a cluster's label (its most central quote, cut).
LABEL_WORDS = 12
# Supporting quotes under the problem statement, one per interview.
PROBLEM_QUOTES = 3


class Encodes(Protocol):
    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class StudyQuote:
    """A verbatim substring of one customer utterance of `interview`, spoken at `start` (s)."""

    interview: str
    text: str
    start: float | None
    basis: Basis
    kind: Kind | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"interview": self.interview, "text": self.text}
        if self.start is not None:
            out["start"] = round(self.start, 3)
        out["basis"] = self.basis
        return out


@dataclass(frozen=True, slots=True)
class Cluster:
    label: str
    kind: Kind
    interviews: tuple[str, ...]
    quotes: tuple[StudyQuote, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "interviews": list(self.interviews),
            "quotes": [q.to_dict() for q in self.quotes],
        }


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    interviews: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProblemStatement:
    text: str
    quotes: tuple[StudyQuote, ...]


@dataclass(frozen=True, slots=True)
class Study:
    interviews: tuple[str, ...]
    clusters: tuple[Cluster, ...]
    phrases: tuple[Phrase, ...]
    problem_statement: ProblemStatement | None
    past: tuple[StudyQuote, ...]
    stated: tuple[StudyQuote, ...]

    def to_dict(self) -> dict[str, Any]:
        ps = self.problem_statement
        return {
            "interviews": list(self.interviews),
            "clusters": [c.to_dict() for c in self.clusters],
            "phrases": [{"text": p.text, "interviews": list(p.interviews)} for p in self.phrases],
            "problem_statement": None
            if ps is None
            else {"text": ps.text, "quotes": [q.to_dict() for q in ps.quotes]},
            "behaviour": {
                "past": [q.to_dict() for q in self.past],
                "stated": [q.to_dict() for q in self.stated],
            },
        }


def flagged_quotes(source: Source) -> list[StudyQuote]:
    """The pains and workarounds of one report as verbatim quotes."""
    out: list[StudyQuote] = []
    report = source.report
    for kind, key in (("pain", "pains"), ("workaround", "workarounds")):
        for q in report.get(key) or ():
            text = str(q.get("text") or "")
            if not text.strip():
                continue
            span = excerpt(text, q.get("evidence"))
            quote = text[span.start : span.end]
            out.append(StudyQuote(source.name, quote, _time(q.get("time")), basis(quote), kind))  # type: ignore[arg-type]
    return out


def _time(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _customer_lines(report: Mapping[str, Any]) -> list[tuple[str, str, float | None]]:
    return [
        (str(line.get("speaker")), str(line.get("text") or ""), _time(line.get("start")))
        for line in report.get("transcript") or ()
    ]


def stated_preferences(source: Source) -> list[StudyQuote]:
    """Customer sentences that state a wish or a preference ("I'd pay for...", "it would be nice")."""
    out = []
    for speaker, text, start in _customer_lines(source.report):
        if speaker != "customer":
            continue
        for s, e in sentence_spans(text):
            sentence = text[s:e]
            if PREFERENCE.search(sentence) and len(sentence.split()) <= 60:
                out.append(StudyQuote(source.name, sentence, start, "stated"))
    return out


def cluster_vectors(vectors: NDArray[np.float32], threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering on cosine similarity: the two groups with the
    highest average similarity join while it is at least `threshold`. Groups in order of their
    first member; members in input order."""
    n = len(vectors)
    if n == 0:
        return []
    sim = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    alive = np.ones(n, dtype=bool)
    while len(members) > 1:
        masked = np.where(alive[:, None] & alive[None, :], sim, -np.inf)
        flat = int(np.argmax(masked))  # the first maximum: ties go to the earliest pair
        i, j = divmod(flat, n)
        if masked[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        ni, nj = len(members[i]), len(members[j])
        # Lance-Williams update for average linkage.
        row = (ni * sim[i] + nj * sim[j]) / (ni + nj)
        sim[i, :] = row
        sim[:, i] = row
        sim[i, i] = -np.inf
        alive[j] = False
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        members[i] = sorted(members[i] + members.pop(j))
    return sorted(members.values(), key=lambda m: m[0])


# Fillers dropped from a cluster's label (the quotes themselves stay verbatim).
FILLERS = re.compile(r"\b(?:uh|um|er|ah|erm|hmm)\b[,.]?\s*", re.IGNORECASE)


# Stammered repeats ("it, it is", "the the") are said once in a label.
REPEATS = re.compile(r"\b(\w+)(?:,? \1\b)+", re.IGNORECASE)
STRAY_COMMAS = re.compile(r"(?<=[.,])(?:\s*,)+|\s+(?=,)")


def _label(text: str) -> str:
    ws = STRAY_COMMAS.sub("", REPEATS.sub(r"\1", FILLERS.sub("", text))).split()
    cut = " ".join(ws[:LABEL_WORDS])
    return cut + ("\u2026" if len(ws) > LABEL_WORDS else "")


def _clusters(quotes: list[StudyQuote], vectors: NDArray[np.float32], kind: Kind) -> list[Cluster]:
    idx = [i for i, q in enumerate(quotes) if q.kind == kind]
    if not idx:
        return []
    sub = vectors[idx]
    out = []
    for group in cluster_vectors(sub, CLUSTER_SIMILARITY):
        members = [quotes[idx[g]] for g in group]
        interviews = tuple(dict.fromkeys(q.interview for q in members))
        if len(interviews) < MIN_INTERVIEWS:
            continue
        centre = sub[group].mean(axis=0)
        central = members[int(np.argmax(sub[group] @ centre))]
        out.append(Cluster(_label(central.text), kind, interviews, tuple(members)))
    return out


def _strength(c: Cluster) -> tuple[int, int]:
    return (len(c.interviews), len(c.quotes))


def _problem(
    clusters: Sequence[Cluster], vectors: Mapping[str, NDArray[np.float32]]
) -> ProblemStatement | None:
    pains = [c for c in clusters if c.kind == "pain"] or list(clusters)
    if not pains:
        return None
    best = pains[0]  # clusters are sorted strongest first
    centre = np.mean([vectors[q.text] for q in best.quotes], axis=0)
    ranked = sorted(best.quotes, key=lambda q: -float(vectors[q.text] @ centre))
    support: list[StudyQuote] = []
    for q in ranked:
        if all(s.interview != q.interview for s in support):
            support.append(q)
        if len(support) == PROBLEM_QUOTES:
            break
    return ProblemStatement(ranked[0].text, tuple(support))


def repeated_phrases(sources: Sequence[Source]) -> list[Phrase]:
    """Phrases of 2-4 words said by the customers of several interviews, each interview counted
    only where its customer said the phrase before its interviewer did."""
    seen: dict[str, list[str]] = {}
    for src in sources:
        first_by: dict[str, str] = {}
        for speaker, text, _ in _customer_lines(src.report):
            ws = words(text)
            for n in PHRASE_LENGTHS:
                for k in range(len(ws) - n + 1):
                    span = ws[k : k + n]
                    if span[0] in STOPWORDS or span[-1] in STOPWORDS or min(len(span[0]), len(span[-1])) < 3:
                        continue
                    first_by.setdefault(" ".join(span), speaker)
        for gram, speaker in first_by.items():
            if speaker == "customer":
                seen.setdefault(gram, []).append(src.name)
    need = max(PHRASE_MIN_INTERVIEWS, round(PHRASE_MIN_SHARE * len(sources)))
    ranked = sorted(
        ((g, names) for g, names in seen.items() if len(names) >= need),
        key=lambda x: (-len(x[1]), -len(x[0].split()), x[0]),
    )
    kept: list[Phrase] = []
    for phrase, names in ranked:
        # A phrase inside a longer kept one from the same interviews says nothing new.
        if any(phrase in p.text and set(names) <= set(p.interviews) for p in kept):
            continue
        kept.append(Phrase(phrase, tuple(names)))
        if len(kept) == MAX_PHRASES:
            break
    return kept


def build_study(sources: Sequence[Source], encoder: Encodes) -> Study:
    quotes = [q for src in sources for q in flagged_quotes(src)]
    texts = list(dict.fromkeys(q.text for q in quotes))
    vectors = encoder.encode(texts)
    by_text = dict(zip(texts, vectors, strict=True))
    matrix = np.stack([by_text[q.text] for q in quotes]) if quotes else np.zeros((0, 1), dtype=np.float32)
    clusters = _clusters(quotes, matrix, "pain") + _clusters(quotes, matrix, "workaround")
    order = {name: i for i, src in enumerate(sources) for name in [src.name]}
    clusters.sort(key=lambda c: (-len(c.interviews), -len(c.quotes), c.kind, order[c.interviews[0]]))
    stated = [q for q in quotes if q.basis == "stated"]
    known = {(q.interview, q.text) for q in stated}
    for src in sources:
        stated += [q for q in stated_preferences(src) if (q.interview, q.text) not in known]
    return Study(
        interviews=tuple(src.name for src in sources),
        clusters=tuple(clusters),
        phrases=tuple(repeated_phrases(sources)),
        problem_statement=_problem(clusters, by_text),
        past=tuple(q for q in quotes if q.basis == "past"),
        stated=tuple(sorted(stated, key=lambda q: (order[q.interview], q.start or 0.0))),
    )


def _quote_from_dict(q: Mapping[str, Any], kind: Kind | None = None) -> StudyQuote:
    b = q.get("basis")
    return StudyQuote(
        str(q["interview"]),
        str(q["text"]),
        _time(q.get("start")),
        b if b in ("past", "stated", "general") else "general",
        kind,
    )


def study_from_dict(data: Mapping[str, Any]) -> Study:
    """A study back from `Study.to_dict()` (the server keeps its synthesis as JSON)."""
    ps = data.get("problem_statement")
    behaviour = data.get("behaviour") or {}
    return Study(
        interviews=tuple(str(i) for i in data.get("interviews") or ()),
        clusters=tuple(
            Cluster(
                str(c["label"]),
                c["kind"],
                tuple(str(i) for i in c["interviews"]),
                tuple(_quote_from_dict(q, c["kind"]) for q in c["quotes"]),
            )
            for c in data.get("clusters") or ()
        ),
        phrases=tuple(
            Phrase(str(p["text"]), tuple(str(i) for i in p["interviews"])) for p in data.get("phrases") or ()
        ),
        problem_statement=None
        if not ps
        else ProblemStatement(str(ps["text"]), tuple(_quote_from_dict(q) for q in ps.get("quotes") or ())),
        past=tuple(_quote_from_dict(q) for q in behaviour.get("past") or ()),
        stated=tuple(_quote_from_dict(q) for q in behaviour.get("stated") or ()),
    )
