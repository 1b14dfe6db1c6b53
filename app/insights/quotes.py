"""Customer quotes cut from what the customer said, and what they rest on: past behaviour
(evidence) or a stated preference, a future or a hypothetical (weak evidence).

A quote is always a verbatim substring of one customer utterance: the sentence holding the
detector's evidence, or, where a machine transcript has no sentence ends, a window of words
around it. Nothing is re-worded, so a quote can be searched for in the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.insights.words import sentence_spans

Basis = Literal["past", "stated", "general"]

# A quote longer than this (words) is cut to a window around the evidence.
MAX_QUOTE_WORDS = 40
# Words kept before the evidence when a long sentence is cut.
WORDS_BEFORE = 12
# A sentence shorter than this (words) takes the next one along, so a quote stands on its own.
MIN_QUOTE_WORDS = 6

# Future, conditional and wishful talk: what a customer says they would do. Wins over past markers
# ("if we had had a tool" is a hypothetical, not a story).
STATED = re.compile(
    r"\b(would|wouldn't|i'd|we'd|they'd|you'd|could|should|will|i'll|we'll|going to|gonna|wish|hope|"
    r"prefer|ideally|if (?:i|we|you|there|it|they)|want(?:ed)? to|would like|might)\b",
    re.IGNORECASE,
)
# What happened: past-tense verbs after a person, common irregular pasts, and time in the past.
PAST = re.compile(
    r"\b(?:(?:i|we|they|he|she|you|it)\s+(?:\w+ed|was|were|had|did|tried|spent|built|wrote|lost|took|went|"
    r"made|got|found|ran|paid|bought|chose|left|kept|told|asked|saw|thought|broke|ended up|used to)|"
    r"last (?:week|month|year|time|quarter|sprint)|yesterday|ago|at the time|back then|that time|"
    r"the other day|once we|when we (?:\w+ed|were|had|did))\b",
    re.IGNORECASE,
)
# A customer sentence that states a preference or a wish, kept even when no detector flagged it.
PREFERENCE = re.compile(
    r"\b(?:(?:i|we)(?:'d| would) (?:like|love|want|use|pay|buy|prefer|switch|try)|"
    r"it would be (?:nice|great|good|useful|helpful|cool)|i wish|we wish|"
    r"if (?:there|i|we) (?:was|were|had) (?:a|an|some)\b)",
    re.IGNORECASE,
)


def basis(text: str) -> Basis:
    """What a quote rests on: "stated" (would, will, if...), "past" (what they did), or "general"."""
    if STATED.search(text):
        return "stated"
    if PAST.search(text):
        return "past"
    return "general"


@dataclass(frozen=True, slots=True)
class Excerpt:
    start: int
    end: int


def excerpt(text: str, evidence: str | None) -> Excerpt:
    """Where the quote lies in `text`: the sentence with the evidence (and the next one when it is
    short), cut to MAX_QUOTE_WORDS around the evidence. `text[e.start:e.end]` is the quote."""
    spans = list(sentence_spans(text)) or [(0, len(text))]
    at = text.find(evidence) if evidence else -1
    if at < 0 and evidence:
        at = text.casefold().find(evidence.casefold())
    idx = 0
    if at >= 0:
        idx = next((i for i, (s, e) in enumerate(spans) if s <= at < e), 0)
    start, end = spans[idx]
    if len(text[start:end].split()) < MIN_QUOTE_WORDS and idx + 1 < len(spans):
        end = spans[idx + 1][1]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    if len(words) > MAX_QUOTE_WORDS:
        rel = at - start if at >= start else 0
        first = next((i for i, (s, e) in enumerate(words) if e > rel), 0)
        first = max(0, first - WORDS_BEFORE)
        last = min(len(words), first + MAX_QUOTE_WORDS)
        first = max(0, last - MAX_QUOTE_WORDS)
        start, end = start + words[first][0], start + words[last - 1][1]
    return Excerpt(start, end)
