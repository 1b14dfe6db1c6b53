"""`secondear overrides export -o FILE`: the coaches' overrides of the detectors as labelled lines
in the interview-lines JSONL format (what `secondear eval` and the detector training read), from
the server's database (same settings, same `--data-dir`).

`--coach EMAIL` keeps the overrides on the calls of the interviewers that coach coaches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import UsageError
from app.coaching.labels import to_jsonl
from app.commands.accounts_db import add_data_dir, open_accounts
from app.db.coaching import Coaching
from app.db.engine import open_engine
from app.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write the overrides as interview-lines JSONL")
    export.add_argument("-o", "--output", required=True, help="the file to write ('-': standard output)")
    export.add_argument("--coach", help="only the overrides on the calls of this coach's interviewers")
    add_data_dir(export)


def run(args: argparse.Namespace) -> int:
    accounts = open_accounts(args)  # brings the database up to date first
    owners: list[str] | None = None
    if args.coach:
        coach = accounts.user_by_email(args.coach)
        if coach is None:
            raise UsageError(f"no account with the email {args.coach.strip().lower()}")
        owners = accounts.coachees(coach.id)
    overrides: dict[str, object] = {"data_dir": args.data_dir} if args.data_dir else {}
    engine = open_engine(Settings(**overrides).resolved_database_url())  # type: ignore[arg-type]
    try:
        rows = Coaching(engine).overrides(owners=owners)
    finally:
        engine.dispose()
    text = to_jsonl(rows)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out} ({exc.strerror or exc})") from exc
    print(f"wrote {len(rows)} override(s) to {out}", file=sys.stderr)
    return 0
