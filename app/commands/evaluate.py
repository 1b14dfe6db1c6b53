"""`secondear eval FILE [--json] [--cv K --group file|transcript]`: how well the detectors do.

The format is told from the fields: interview-lines or real-interview turns (`flags`), or AnnoMI
(`transcript`/`input`); see nlp/evaluation.py for what each is scored on. Without `--cv` the
shipped model tags every row (in-sample when it was trained on them). With `--cv K` the rows are
dealt to K folds by whole interview (`--group`), and each fold is tagged by a model trained
without it: on the other folds plus the other files of the training corpus (`--data`).
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
from nlp.training import CORPUS, cross_validate, load_corpus

DEFAULT_DATA = Path("..") / "shared" / "data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="labelled JSONL: interview-lines, real-interview turns or AnnoMI")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--cv", type=int, metavar="K", help="grouped K-fold cross-validation (K >= 2)")
    parser.add_argument(
        "--group",
        metavar="FIELD",
        help="the field naming a row's interview, held out whole (file, transcript); default: "
        "file or transcript, whichever the rows have",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"with --cv: the training corpus folder ({', '.join(CORPUS)}); the other files are "
        f"added to every fold's training data (default {DEFAULT_DATA}; a missing folder: FILE alone)",
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        rows = read_jsonl(path)
        fmt = detect_format(rows)
        items = utterances(rows)
    except DataError as exc:
        raise UsageError(str(exc)) from exc
    if args.cv is not None and args.cv < 2:
        raise UsageError("--cv needs at least 2 folds")
    if args.group is not None and args.cv is None:
        raise UsageError("--group only applies with --cv")
    if args.group is not None and not any(args.group in row for row in rows):
        raise UsageError(f"--group {args.group}: no row of {path} has that field")
    try:
        tagger = Tagger.load(Settings().spacy_model)
    except RuleError as exc:
        raise UsageError(f"rules: {exc}") from exc
    if args.cv is None:
        report = evaluate(rows, tagger.tag_many(items), fmt)
    else:
        corpus = args.data if (args.data / CORPUS[0]).exists() else None
        try:
            extra = load_corpus(corpus, tagger, skip=path) if corpus else []
            tags = cross_validate(tagger, rows, args.cv, args.group, extra)
        except (DataError, ValueError) as exc:
            raise UsageError(str(exc)) from exc
        training = ["the other folds of " + path.name]
        training += [name for name in CORPUS if corpus and (corpus / name).resolve() != path.resolve()]
        report = evaluate(rows, tags, fmt)
        group = args.group or next((g for g in ("file", "transcript") if g in rows[0]), "row")
        report = report.with_validation(
            {"method": "grouped-cv", "folds": args.cv, "group": group, "training": training}
        )
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_table(report))
    return 0
