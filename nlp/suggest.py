"""Open rephrases of flagged questions, built from the words of the question itself.

"Do you use Excel for this?" -> "Walk me through how you use Excel for this."

The wording lives in `rules/suggestions.jsonl`; this module only reads the question's shape
(which auxiliary opens it, who its subject is) and fills the template's slots from the parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from nlp.detectors.base import Analysis
from nlp.detectors.clauses import Clause
from nlp.messages import Coaching
from nlp.rules import RULES_DIR, RuleError, read_rows
from nlp.types import Flag

SUGGESTIONS_FILE = RULES_DIR / "suggestions.jsonl"
SHAPES = frozenset(
    {
        "do_you",
        "did_you",
        "have_you",
        "modal_you",
        "be_thing",
        "be_you",
        "either_or",
        "declarative_you",
        "any",
    }
)
_KEYS = frozenset({"id", "flag", "shape", "template"})
_SLOT = re.compile(r"\{(\w+)\}")
SLOTS = frozenset({"vp", "subject", "topic"})

_DO = frozenset({"do", "does"})
_HAVE = frozenset({"have", "has"})
_MODAL = frozenset({"can", "ca", "could", "will", "wo", "would"})
_BE = frozenset({"is", "are", "was", "were", "'s"})
_THINGS = frozenset({"that", "this"})
# Verbs of saying and opinion: "how you say the onboarding was confusing" is no rephrase.
_OPINION = frozenset({"say", "think", "feel", "agree", "like", "want", "mind", "know", "guess", "believe"})
# Words that end a question without adding to what it asks ("..., right?").
_TAIL = frozenset({"right", "yeah", "correct", "ok", "okay", "huh", "eh", "yes", "no"})


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    flag: Flag
    shape: str
    text: str
    slots: frozenset[str]


def load_templates(path: Path = SUGGESTIONS_FILE) -> list[Template]:
    """Read and check the suggestion templates; a bad row is a RuleError naming its line."""
    templates: list[Template] = []
    for where, row in read_rows(path, "suggestions"):
        if not isinstance(row, dict) or set(row) != _KEYS:
            raise RuleError(f"{where}: a suggestion has exactly the keys {', '.join(sorted(_KEYS))}")
        if not all(isinstance(row[k], str) and row[k] for k in _KEYS):
            raise RuleError(f"{where}: every value must be a non-empty string")
        try:
            flag = Flag(row["flag"])
        except ValueError as exc:
            raise RuleError(f"{where}: unknown flag {row['flag']!r}") from exc
        if row["shape"] not in SHAPES:
            raise RuleError(f"{where}: unknown shape {row['shape']!r}; known: {', '.join(sorted(SHAPES))}")
        slots = frozenset(_SLOT.findall(row["template"]))
        if slots - SLOTS:
            raise RuleError(f"{where}: unknown slot(s) {', '.join(sorted(slots - SLOTS))}")
        templates.append(Template(row["id"], flag, row["shape"], row["template"], slots))
    return templates


def _content_end(doc: Doc, clause: Clause) -> int:
    """End of the clause's words: closing punctuation and a tag like ', right?' dropped."""
    end = clause.end
    while end > clause.head and (doc[end - 1].is_punct or doc[end - 1].lower_ in _TAIL):
        end -= 1
    return end


def _phrase(tokens: Iterable[Token]) -> str:
    return "".join(t.text_with_ws for t in tokens).strip()


@dataclass(frozen=True, slots=True)
class QuestionShape:
    """What the suggestion templates can draw on from one question."""

    shapes: frozenset[str]
    slots: Mapping[str, str]


def read_shape(doc: Doc, clause: Clause) -> QuestionShape:
    shapes = {"any"}
    slots: dict[str, str] = {}
    end = _content_end(doc, clause)
    words = doc[clause.head : end]
    topic = _topic(words)
    if topic:
        slots["topic"] = topic
    if not len(words):
        return QuestionShape(frozenset(shapes), slots)
    first = words[0]
    if any(t.lower_ == "or" for t in words):
        shapes.add("either_or")
    i = first.i + 1
    if i < end and doc[i].lower_ == "n't":
        i += 1
    subject = doc[i] if i < end else None
    if subject is not None and clause.cue == "inversion":
        aux = first.lower_
        slots["subject"] = subject.lower_ if subject.pos_ == "PRON" else subject.text
        verb = next((t for t in doc[subject.i + 1 : end] if t.pos_ in ("VERB", "AUX")), None)
        if subject.lower_ == "you":
            if aux in _BE:
                shapes.add("be_you")
            elif verb is not None:
                kind = "do_you" if aux in _DO else "did_you" if aux == "did" else None
                kind = kind or ("have_you" if aux in _HAVE else "modal_you" if aux in _MODAL else None)
                if kind and verb.lemma_ not in _OPINION:
                    shapes.add(kind)
                    # "Have you lost data?" -> "the last time you lost data": only a regular
                    # participle doubles as the past tense.
                    if kind != "have_you" or (verb.tag_ == "VBN" and verb.lower_.endswith("ed")):
                        slots["vp"] = _phrase(doc[verb.i : end])
        elif aux in _BE and subject.lower_ in _THINGS:
            shapes.add("be_thing")
    elif first.lower_ == "you" and clause.cue in (None, "tag"):
        verb = next((t for t in words[1:] if t.pos_ in ("VERB", "AUX")), None)
        if verb is not None and verb.tag_ in ("VBP", "VBD", "VB"):
            shapes.add("declarative_you")
            slots["vp"] = _phrase(doc[verb.i : end])
    return QuestionShape(frozenset(shapes), slots)


def _topic(words: Span) -> str | None:
    chunks = [c for c in words.noun_chunks if c.root.pos_ not in ("PRON",)]
    if not chunks:
        return None
    chunk = chunks[-1]
    text = chunk.text
    if chunk[0].lower_ in ("a", "an"):
        text = "the " + chunk[1:].text
    return text


class Suggester:
    """Picks the rephrase for the most important flag that has one."""

    def __init__(self, templates: Sequence[Template] | None = None) -> None:
        self.templates = tuple(templates if templates is not None else load_templates())

    def suggest(
        self, analysis: Analysis, flags: Sequence[Flag], messages: Mapping[Flag, Coaching]
    ) -> str | None:
        if not flags:
            return None
        asked = [c for c in analysis.questions if not c.abandoned] or analysis.questions
        shape = read_shape(analysis.doc, asked[-1]) if asked else QuestionShape(frozenset({"any"}), {})
        for flag in sorted(set(flags), key=lambda f: messages[f].rank):
            text = self._for_flag(flag, analysis, asked, shape) or messages[flag].suggestion
            if text:
                return text
        return None

    def _for_flag(
        self, flag: Flag, analysis: Analysis, asked: Sequence[Clause], shape: QuestionShape
    ) -> str | None:
        if flag == Flag.STACKED_QUESTIONS and asked:
            # One question at a time: the first one asked, on its own.
            first = asked[0]
            end = first.end
            doc = analysis.doc
            while end > first.head + 1 and (
                doc[end - 1].is_punct or doc[end - 1].lower_ in ("and", "or", "but", "so")
            ):
                end -= 1
            words = analysis.text(first.head, end)
            return f"{words[0].upper()}{words[1:]}?"
        for template in self.templates:
            if template.flag != flag or template.shape not in shape.shapes:
                continue
            if template.slots <= set(shape.slots):
                text = template.text.format(**{k: shape.slots[k] for k in template.slots})
                return text[0].upper() + text[1:]
        return None
