"""`secondear eval FILE [--json]`: precision, recall and F1 of the detectors on labelled JSONL.

The format is told from the fields: interview-lines (`flags`) or AnnoMI (`transcript`/`input`);
see nlp/evaluation.py for what each is scored on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli import UsageError
from app.settings import Settings
from nlp.evaluation import DataError, detect_format, evaluate, format_table, read_jsonl, utterances
from nlp.pipeline import Tagger
from nlp.rules import RuleError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="labelled JSONL: interview-lines or AnnoMI")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")


def run(args: argparse.Namespace) -> int:
    try:
        rows = read_jsonl(Path(args.file))
        fmt = detect_format(rows)
        items = utterances(rows)
    except DataError as exc:
        raise UsageError(str(exc)) from exc
    try:
        tagger = Tagger.load(Settings().spacy_model)
    except RuleError as exc:
        raise UsageError(f"rules: {exc}") from exc
    report = evaluate(rows, tagger.tag_many(items), fmt)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_table(report))
    return 0
