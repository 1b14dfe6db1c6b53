"""What the learned model reads of one utterance: words, where they sit, and what the rules said.

Features are plain strings (`w=what`, `q1=how_do`, `r=form.wh.open`, `det=stacked_questions`).
The question the customer is left to answer weighs most for the question form, so its words get
their own features (`q…`), as do the first and last words of the turn's last sentence (`s…`).
Every rule that fired and every flag the rule detectors raised is a feature too: the model learns
how far to trust each rule on real speech, and the rules keep carrying the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from spacy.tokens import Doc, Span, Token

from nlp.detectors.base import Analysis, Finding

# Lengths (in words) at which a turn changes bucket: a backchannel, a question, a story.
LENGTH_BUCKETS = (3, 8, 20, 50)


def _words(tokens: Iterable[Token]) -> list[str]:
    """Lower-case words, and question marks (they carry the form); other punctuation dropped."""
    return [t.lower_ for t in tokens if t.text == "?" or not (t.is_punct or t.is_space)]


def _grams(prefix: str, words: Sequence[str]) -> list[str]:
    out = [f"{prefix}={w}" for w in words]
    out += [f"{prefix}b={a}_{b}" for a, b in pairwise(words)]
    return out


def _edges(prefix: str, words: Sequence[str]) -> list[str]:
    if not words:
        return [f"{prefix}0=<none>"]
    out = [f"{prefix}1={words[0]}", f"{prefix}2={'_'.join(words[:2])}", f"{prefix}3={'_'.join(words[:3])}"]
    out.append(f"{prefix}e={words[-1]}")
    out.append(f"{prefix}e2={'_'.join(words[-2:])}")
    return out


def _last_sentence(doc: Doc) -> Span | None:
    last = None
    for sent in doc.sents:
        if any(not t.is_punct for t in sent):
            last = sent
    return last


def _bucket(n: int) -> str:
    for i, edge in enumerate(LENGTH_BUCKETS):
        if n <= edge:
            return str(i)
    return str(len(LENGTH_BUCKETS))


def features(analysis: Analysis, findings: Sequence[Finding]) -> list[str]:
    """The feature names of one analysed utterance and the rule detectors' findings on it."""
    doc = analysis.doc
    words = _words(doc)
    out = [f"sp={analysis.speaker}", f"len={_bucket(len(words))}"]
    out += _grams("w", words)
    asked = analysis.questions
    finished = [c for c in asked if not c.abandoned]
    out.append(f"form={analysis.question or 'none'}")
    out.append(f"nq={min(3, len(finished))}")
    out.append(f"qm={min(3, sum(1 for t in doc if t.text == '?'))}")
    out.append(f"end?={bool(len(doc)) and doc[-1].text == '?'}")
    if asked:
        last = next((c for c in reversed(asked) if not c.abandoned), asked[-1])
        q_words = _words(doc[last.head : last.end])
        out += _grams("q", q_words)
        out += _edges("q", q_words)
        out.append(f"qcue={last.cue or 'mark'}")
        # How much the turn says after its last question: a question buried mid-turn is not
        # the one the customer is left with.
        out.append(f"after={_bucket(len(_words(doc[last.end :])))}")
    sentence = _last_sentence(doc)
    if sentence is not None:
        out += _edges("s", _words(sentence))
    for hit in analysis.hits:
        if analysis.anchored(hit):
            out.append(f"r={hit.rule.id}")
            out.append(f"l={hit.rule.label}")
    out += [f"det={f.flag.value}" for f in findings]
    return [f"{analysis.speaker[0]}:{name}" for name in out]
