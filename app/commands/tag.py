"""`secondear tag [FILE|-]`: JSONL utterances in, the same lines with their tags out.

Each input line needs `speaker` (interviewer|customer) and `text`; every other field is copied
through. Added: `question` (open|closed|null), `flags` (names), `live_flags` (the flags confident
enough to be sent live), `evidence` (flag -> the words that raised it), and `message` and
`suggestion` where they apply. Lines are parsed in batches with spaCy's nlp.pipe.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from app.cli import UsageError
from app.settings import Settings
from nlp.evaluation import SPEAKER_VALUES, DataError, parse_jsonl
from nlp.pipeline import Tagger
from nlp.rules import RuleError
from nlp.types import Tag, Utterance


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="JSONL utterances; '-' or nothing reads stdin")
    parser.add_argument("--batch-size", type=int, default=256, help="utterances parsed per nlp.pipe batch")


def read_utterances(stream: TextIO) -> list[tuple[dict[str, Any], Utterance]]:
    """Every line as (row, utterance); a bad line is a UsageError naming it."""
    found: list[tuple[dict[str, Any], Utterance]] = []
    try:
        rows = parse_jsonl(stream)
    except DataError as exc:
        raise UsageError(str(exc)) from exc
    for number, row in rows:
        speaker, text = row.get("speaker"), row.get("text")
        if speaker not in SPEAKER_VALUES:
            raise UsageError(
                f'line {number}: \'speaker\' must be "interviewer" or "customer", got {speaker!r}'
            )
        if not isinstance(text, str):
            raise UsageError(f"line {number}: 'text' must be a string")
        utterance = Utterance(speaker=speaker, text=text, id=str(row["id"]) if "id" in row else None)
        found.append((row, utterance))
    return found


def tagged_row(row: dict[str, Any], tag: Tag) -> dict[str, Any]:
    """The input row with the tag's fields; stale message/suggestion fields are dropped."""
    out = dict(row)
    out["question"] = tag.question
    out["flags"] = tag.flags
    # Added fields: which flags are sure enough to reach the buddy live, and the evidence.
    out["live_flags"] = tag.live_flags
    out["evidence"] = {hit.flag.value: hit.evidence for hit in tag.hits}
    for key, value in (("message", tag.message), ("suggestion", tag.suggestion)):
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _batches(
    items: list[tuple[dict[str, Any], Utterance]], size: int
) -> Iterator[list[tuple[dict[str, Any], Utterance]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if args.file == "-":
        items = read_utterances(sys.stdin)
    else:
        try:
            with open(args.file, encoding="utf-8") as stream:
                items = read_utterances(stream)
        except OSError as exc:
            raise UsageError(f"cannot read {args.file} ({exc.strerror or exc})") from exc
    try:
        tagger = Tagger.load(Settings().spacy_model)
    except RuleError as exc:
        raise UsageError(f"rules: {exc}") from exc
    out = sys.stdout
    for batch in _batches(items, args.batch_size):
        tags = tagger.tag_many([u for _, u in batch], batch_size=args.batch_size)
        for (row, _), tag in zip(batch, tags, strict=True):
            out.write(json.dumps(tagged_row(row, tag), ensure_ascii=False) + "\n")
    out.flush()
    return 0
