"""Split a turn into clauses and judge which ones ask a question, and in what form.

The rules in `question_form.jsonl` only say where cues are (a wh-word with its verb, an
auxiliary before its subject, "tell me", a tag like ", right?"). Which cue decides a clause,
and which clause decides the turn, is this module's small piece of logic:

- a turn splits into pieces at sentence ends, question marks and restart dashes;
- a piece splits again where a new question starts after a comma or "and"
  ("How do you do it today, what tools do you use, and is it painful?"), but not after "or",
  which offers alternatives to one question;
- a rating scale named in a sentence (or before a restart dash in it) makes its question closed;
- a clause asks a question when it opens with a question cue, or when it ends in "?" (a
  declarative question, "So you run it weekly?", is closed);
- the turn's form is the form of its last question: the one the customer is left to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from nlp.rules import Rule, RuleHit
from nlp.types import QuestionForm

FILLER = "filler"
# Labels of cues that open a question, and of those that open a plain statement.
START_LABELS = frozenset({"request_open", "wh_fact", "wh_open", "inversion", "statement"})
# A rating scale named anywhere in the sentence makes its question ask for one number.
RATING = "rating"
# The order in which cues decide the form of a clause that asks; the first present wins.
DECISION: tuple[tuple[str, QuestionForm | None], ...] = (
    (RATING, "closed"),
    ("request_open", "open"),
    ("tag", "closed"),
    ("statement", None),
    ("wh_fact", "closed"),
    ("wh_open", "open"),
    ("inversion", "closed"),
)
DASHES = frozenset({"\u2014", "\u2013", "--"})
SEPARATORS = frozenset({",", ";", ":"})
JOINERS = frozenset({"and", "but", "so", "then"})
ALTERNATIVE = "or"
WH_LABELS = frozenset({"wh_open", "wh_fact"})
SUBJECTS = frozenset({"PRON", "PROPN", "NOUN", "DET"})


@dataclass(frozen=True, slots=True)
class Clause:
    """Tokens doc[start:end]; `head` is the first word after fillers."""

    start: int
    head: int
    end: int
    form: QuestionForm | None
    """The clause's question form, None when it asks nothing."""
    rule_id: str | None
    """The rule whose cue decided the form; None for a bare '?' or no question."""
    cue: str | None
    """That rule's label (wh_open, inversion, tag, ...)."""
    abandoned: bool
    """The speaker broke off (a restart dash) before finishing it."""

    @property
    def asks(self) -> bool:
        return self.form is not None


def _pieces(doc: Doc) -> list[tuple[int, int, bool]]:
    """(start, end, abandoned) for each sentence, split further at '?' and dashes."""
    pieces: list[tuple[int, int, bool]] = []
    for sent in doc.sents:
        begin = sent.start
        for tok in sent:
            last = tok.i == sent.end - 1
            if tok.text in DASHES:
                if tok.i > begin:
                    pieces.append((begin, tok.i + 1, True))
                begin = tok.i + 1
            elif tok.text == "?" and not last and not doc[tok.i + 1].is_punct:
                pieces.append((begin, tok.i + 1, False))
                begin = tok.i + 1
        if begin < sent.end:
            pieces.append((begin, sent.end, False))
    return pieces


def _ends_with_question_mark(doc: Doc, start: int, end: int) -> bool:
    return any(tok.text == "?" for tok in doc[start:end]) and doc[end - 1].text not in DASHES


def _joined_after_separator(
    doc: Doc, i: int, piece_start: int, fillers: set[int], *, alternative_splits: bool
) -> bool:
    """True when token i follows a comma, ';' or 'and' (fillers between allowed).

    After 'or' only when `alternative_splits`: "Is it X or is it Y?" is one question, while
    "..., or what are your thoughts?" starts another.
    """
    saw_separator = False
    j = i - 1
    while j >= piece_start:
        tok = doc[j]
        lower = tok.lower_
        if lower == ALTERNATIVE:
            if not alternative_splits:
                return False
            saw_separator = True
        elif tok.text in SEPARATORS or lower in JOINERS:
            saw_separator = True
        elif not (j in fillers or tok.is_space or tok.is_punct):
            return saw_separator
        j -= 1
    return False


def split_clauses(doc: Doc, hits: Sequence[RuleHit]) -> list[Clause]:
    fillers: set[int] = set()
    starts: dict[int, list[RuleHit]] = {}
    ends: dict[int, list[RuleHit]] = {}
    ratings: list[RuleHit] = []
    for hit in hits:
        label = hit.rule.label
        if label == RATING:
            ratings.append(hit)
        elif label == FILLER:
            fillers.update(range(hit.start, hit.end))
        elif hit.rule.anchor == "start" and label in START_LABELS:
            starts.setdefault(hit.start, []).append(hit)
        elif hit.rule.anchor == "end":
            ends.setdefault(hit.end, []).append(hit)

    clauses: list[Clause] = []
    # A restart repeats the question it broke off ("on a scale of 1 to 100, how serious-- how
    # important is it?"): a scale named before the dash still rates the question after it.
    restarted_at: int | None = None
    for start, end, abandoned in _pieces(doc):
        scale_from = start if restarted_at is None else restarted_at
        restarted_at = scale_from if abandoned else None
        question_mark = _ends_with_question_mark(doc, start, end)
        head = _first_word(doc, start, end, fillers)
        if head is None:
            # "Yeah?", "Okay?": only fillers, but asked.
            if not question_mark:
                continue
            head = next(i for i in range(start, end) if not doc[i].is_space)
        heads = [head]
        for i in range(head + 1, end):
            cues = starts.get(i)
            if not cues or i in fillers:
                continue
            opens_wh = any(c.rule.label in WH_LABELS for c in cues)
            if not _joined_after_separator(doc, i, start, fillers, alternative_splits=opens_wh):
                continue
            # Mid-sentence wh-words are often relative clauses ("my manager, who approves it"):
            # they open a new question only in a sentence that asks one, or with an inverted
            # subject ("..., how would you rate it").
            if question_mark or any(_opens_question(doc, c, end) for c in cues):
                heads.append(i)
        bounds = [start, *heads[1:], end]
        for k, clause_head in enumerate(heads):
            c_start, c_end = bounds[k], bounds[k + 1]
            is_last = k == len(heads) - 1
            form, rule = _judge(
                starts.get(clause_head, []),
                _ending_cues(ends, doc, c_end),
                [h for h in ratings if scale_from <= h.start < c_end],
                question_mark=question_mark and is_last,
            )
            clauses.append(
                Clause(
                    c_start,
                    clause_head,
                    c_end,
                    form,
                    rule.id if rule else None,
                    rule.label if rule else None,
                    abandoned and is_last,
                )
            )
    return clauses


def _opens_question(doc: Doc, cue: RuleHit, end: int) -> bool:
    if cue.rule.label not in WH_LABELS:
        return True
    # "..., how would you rate it": the wh-word's verb is an auxiliary and its subject follows.
    return cue.end < end and doc[cue.end - 1].pos_ == "AUX" and doc[cue.end].pos_ in SUBJECTS


def _first_word(doc: Doc, start: int, end: int, fillers: set[int]) -> int | None:
    for i in range(start, end):
        tok = doc[i]
        if not (tok.is_punct or tok.is_space or i in fillers):
            return i
    return None


def _ending_cues(ends: dict[int, list[RuleHit]], doc: Doc, end: int) -> list[RuleHit]:
    # An end cue ends on the clause's last token, or just before closing quotes/punctuation.
    found: list[RuleHit] = []
    i = end
    while i > 0:
        found.extend(ends.get(i, []))
        if not doc[i - 1].is_punct or doc[i - 1].text == "?":
            break
        i -= 1
    return found


def _judge(
    start_cues: Sequence[RuleHit],
    end_cues: Sequence[RuleHit],
    context_cues: Sequence[RuleHit],
    *,
    question_mark: bool,
) -> tuple[QuestionForm | None, Rule | None]:
    cues = {hit.rule.label: hit.rule for hit in (*context_cues, *end_cues, *start_cues)}
    asks = question_mark or any(
        label in cues for label, form in DECISION if form is not None and label != RATING
    )
    if not asks:
        return None, None
    for label, form in DECISION:
        if label in cues:
            if form is None and question_mark:
                continue
            return form, cues[label]
    return "closed", None


def turn_form(clauses: Sequence[Clause]) -> QuestionForm | None:
    """The form of the question the customer is left to answer: the last one asked.

    A broken-off question counts only when nothing else was asked.
    """
    asked = [c for c in clauses if c.asks]
    finished = [c for c in asked if not c.abandoned]
    chosen = finished or asked
    return chosen[-1].form if chosen else None
