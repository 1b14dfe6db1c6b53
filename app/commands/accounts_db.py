"""The account store as the `user` and `token` commands open it: the server's database (same
settings, same `--data-dir`), brought up to date first."""

from __future__ import annotations

import argparse

from app.db.accounts import Accounts
from app.db.engine import migrate, open_engine
from app.settings import Settings


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="the server's folder for the database (default: SECONDEAR_DATA_DIR)"
    )


def open_accounts(args: argparse.Namespace) -> Accounts:
    overrides: dict[str, object] = {"data_dir": args.data_dir} if args.data_dir else {}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(settings.resolved_database_url())
    migrate(engine)
    return Accounts(engine)
