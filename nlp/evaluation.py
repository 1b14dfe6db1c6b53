"""Measure the tagger against labelled utterances: precision, recall and F1 per label.

Two labelled formats are understood, told apart by their fields:

- interview-lines: `{"speaker", "text", "question", "flags": [...]}`; every flag is scored over
  every utterance, and the question form over interviewer utterances that carry one.
- AnnoMI: `{"transcript", "speaker", "text", "question", "input", "reflection", ...}`; the
  question form over interviewer utterances with a question label (predicting no question
  counts against the gold class), `hot_tip` against `input` in {advice, information, options}
  and `reflection` against a non-null `reflection`, both over every interviewer utterance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from nlp.types import Flag, QuestionForm, Speaker, Tag, Utterance

Format = Literal["interview-lines", "annomi"]
FORMS: tuple[QuestionForm, ...] = ("open", "closed")
HOT_TIP_INPUTS = frozenset({"advice", "information", "options"})
SPEAKER_VALUES: tuple[Speaker, ...] = ("interviewer", "customer")


class DataError(ValueError):
    """A labelled file cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one label and the measures built from them."""

    label: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """What `secondear eval` prints."""

    format: Format
    utterances: int
    question_scores: tuple[Score, ...]
    """open and closed, over the utterances with a gold question form."""
    flag_scores: tuple[Score, ...]
    question_support: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    live_scores: tuple[Score, ...] = field(default_factory=tuple)
    """The same flags counting only the hits confident enough to be sent live."""
    validation: dict[str, Any] = field(default_factory=lambda: {"method": "in-sample"})
    """How the tags were made: in-sample, or grouped cross-validation (folds, group, training)."""

    @property
    def macro_f1(self) -> float:
        return sum(s.f1 for s in self.question_scores) / len(self.question_scores)

    def with_validation(self, validation: dict[str, Any]) -> Report:
        return replace(self, validation=validation)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "utterances": self.utterances,
            "question": {
                "support": self.question_support,
                "macro_f1": round(self.macro_f1, 4),
                "classes": {s.label: s.as_dict() for s in self.question_scores},
            },
            "flags": {s.label: s.as_dict() for s in self.flag_scores},
            "notes": list(self.notes),
            "live": {s.label: s.as_dict() for s in self.live_scores},
            "validation": self.validation,
        }


def score(label: str, pairs: Iterable[tuple[bool, bool]]) -> Score:
    """Score (gold, predicted) booleans."""
    tp = fp = fn = 0
    for gold, predicted in pairs:
        if gold and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif gold:
            fn += 1
    return Score(label, tp, fp, fn)


def parse_jsonl(lines: Iterable[str]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line is a DataError naming it."""
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise DataError(f"line {number}: expected a JSON object")
        rows.append((number, row))
    return rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; a bad line is a DataError naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path} ({exc.strerror or exc})") from exc
    return [row for _, row in parse_jsonl(lines)]


def detect_format(rows: Sequence[Mapping[str, Any]]) -> Format:
    """interview-lines rows have `flags`; AnnoMI rows have `transcript` or `input`."""
    if not rows:
        raise DataError("the file holds no utterances")
    first = rows[0]
    if "flags" in first:
        return "interview-lines"
    if "transcript" in first or "input" in first:
        return "annomi"
    raise DataError(
        "line 1: unknown format (expected 'flags' for interview-lines, or AnnoMI's 'transcript'/'input')"
    )


def utterances(rows: Sequence[Mapping[str, Any]]) -> list[Utterance]:
    """The rows as utterances; a row without a speaker role or text is a DataError."""
    found: list[Utterance] = []
    for number, row in enumerate(rows, start=1):
        speaker, text = row.get("speaker"), row.get("text")
        if speaker not in SPEAKER_VALUES:
            raise DataError(f"utterance {number}: 'speaker' must be interviewer or customer, got {speaker!r}")
        if not isinstance(text, str):
            raise DataError(f"utterance {number}: 'text' must be a string")
        found.append(Utterance(speaker=speaker, text=text))
    return found


def _question_scores(pairs: Sequence[tuple[str, QuestionForm | None]]) -> tuple[Score, ...]:
    return tuple(
        score(form, ((gold == form, predicted == form) for gold, predicted in pairs)) for form in FORMS
    )


def evaluate(rows: Sequence[Mapping[str, Any]], tags: Sequence[Tag], fmt: Format | None = None) -> Report:
    """Score tags against the rows they were made from."""
    if len(rows) != len(tags):
        raise ValueError("one tag per row is needed")
    fmt = fmt or detect_format(rows)
    return _interview_lines(rows, tags) if fmt == "interview-lines" else _annomi(rows, tags)


def _gold_form(row: Mapping[str, Any]) -> QuestionForm | None:
    value = row.get("question")
    return value if value in FORMS else None


def _question_pairs(
    rows: Sequence[Mapping[str, Any]], tags: Sequence[Tag]
) -> list[tuple[str, QuestionForm | None]]:
    pairs: list[tuple[str, QuestionForm | None]] = []
    for row, tag in zip(rows, tags, strict=True):
        gold = _gold_form(row)
        if row.get("speaker") == "interviewer" and gold is not None:
            pairs.append((gold, tag.question))
    return pairs


def _flags(tag: Tag, live: bool) -> list[str]:
    return tag.live_flags if live else tag.flags


def _interview_lines(rows: Sequence[Mapping[str, Any]], tags: Sequence[Tag]) -> Report:
    pairs = _question_pairs(rows, tags)

    def scores(live: bool) -> tuple[Score, ...]:
        return tuple(
            score(
                flag.value,
                (
                    (
                        flag.value in (row.get("flags") or []),
                        flag.value in _flags(tag, live),
                    )
                    for row, tag in zip(rows, tags, strict=True)
                ),
            )
            for flag in Flag
        )

    return Report(
        "interview-lines",
        len(rows),
        _question_scores(pairs),
        scores(False),
        len(pairs),
        live_scores=scores(True),
    )


def _annomi(rows: Sequence[Mapping[str, Any]], tags: Sequence[Tag]) -> Report:
    pairs = _question_pairs(rows, tags)
    interviewer = [
        (row, tag) for row, tag in zip(rows, tags, strict=True) if row.get("speaker") == "interviewer"
    ]
    golds: dict[Flag, Callable[[Mapping[str, Any]], bool]] = {
        Flag.HOT_TIP: lambda row: row.get("input") in HOT_TIP_INPUTS,
        Flag.REFLECTION: lambda row: row.get("reflection") is not None,
    }
    flag_scores = tuple(
        score(flag.value, ((gold(row), flag.value in tag.flags) for row, tag in interviewer))
        for flag, gold in golds.items()
    )
    live_scores = tuple(
        score(flag.value, ((gold(row), flag.value in tag.live_flags) for row, tag in interviewer))
        for flag, gold in golds.items()
    )
    notes = (
        "question: interviewer utterances with a question label; no prediction counts against the gold class",
        "hot_tip: gold is input in {advice, information, options}, over every interviewer utterance",
        "reflection: gold is a non-null reflection label, over every interviewer utterance",
    )
    return Report("annomi", len(rows), _question_scores(pairs), flag_scores, len(pairs), notes, live_scores)


def format_table(report: Report) -> str:
    """A plain-text table: one row per label, then the open/closed macro-F1."""
    lines = [f"{report.format}: {report.utterances} utterances", ""]
    lines.append(f"{'label':<24}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    lines.append("-" * 59)
    named = [(f"question={s.label}", s) for s in report.question_scores]
    named += [(s.label, s) for s in report.flag_scores]
    for name, s in named:
        lines.append(f"{name:<24}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}{s.support:>9d}")
    lines.append("-" * 59)
    lines.append(f"open/closed macro-F1 {report.macro_f1:.3f} over {report.question_support} questions")
    for note in report.notes:
        lines.append(f"  {note}")
    sent = [s for s in report.live_scores if s.tp + s.fp]
    if sent:
        lines.append("live (confident enough to reach the buddy): " + ", ".join(
            f"{s.label} P {s.precision:.3f} ({s.tp + s.fp} sent)" for s in sent
        ))  # fmt: skip
    v = report.validation
    if v.get("method") == "grouped-cv":
        lines.append(
            f"validation: grouped {v['folds']}-fold cross-validation by {v['group']}, "
            f"whole interviews held out; trained on {', '.join(v['training'])}"
        )
    else:
        lines.append("validation: in-sample (the shipped model; it has seen this data if trained on it)")
    return "\n".join(lines)
