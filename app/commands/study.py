"""`secondear study`: what a series of interviews says, in the customers' words.

    secondear study TRANSCRIPTS_OR_REPORTS... [--format json|md|html|csv] [-o FILE]

Reports are what `secondear analyze --format json` writes; transcripts are analysed first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import UsageError
from app.insights.sources import SourceError, read_sources
from app.insights.study_render import STUDY_FORMATS
from app.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", type=Path, metavar="TRANSCRIPT_OR_REPORT", help="files or folders of them"
    )
    parser.add_argument("--format", choices=STUDY_FORMATS, default="md", help="output format (default: md)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    from app.insights.embed import Encoder
    from app.insights.study import build_study
    from app.insights.study_render import render_study

    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"{args.output}: cannot write (no folder {args.output.parent})")
    try:
        sources = read_sources(args.inputs, spacy_model=Settings().spacy_model)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    study = build_study(sources, Encoder())
    write_output(render_study(study, args.format), args.output)
    return 0
