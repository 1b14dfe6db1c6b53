"""`secondear trends`: an interviewer's figures across calls, with the team's median and the goals.

    secondear trends REPORTS_OR_FOLDERS... [--format json|md|html] [-o FILE]

Reports are what `secondear analyze --format json` writes; transcripts are analysed first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import UsageError
from app.commands.study import write_output
from app.insights.sources import SourceError, read_sources
from app.insights.trends_render import TRENDS_FORMATS
from app.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", type=Path, metavar="REPORT", help="report files or folders of them"
    )
    parser.add_argument("--format", choices=TRENDS_FORMATS, default="md", help="output format (default: md)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from app.insights.trends import build_trends
    from app.insights.trends_render import render_trends

    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"{args.output}: cannot write (no folder {args.output.parent})")
    settings = Settings()
    try:
        sources = read_sources(args.inputs, spacy_model=settings.spacy_model)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    write_output(render_trends(build_trends(sources, settings), args.format), args.output)
    return 0
