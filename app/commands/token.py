"""`secondear token create EMAIL`: an API token for scripts (`Authorization: Bearer TOKEN`).
Shown once, alone on the last line; only its hash is stored."""

from __future__ import annotations

import argparse

from app.cli import UsageError
from app.commands.accounts_db import add_data_dir, open_accounts
from app.db.accounts import normalize_email


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="a new API token for the account (printed once)")
    create.add_argument("email")
    add_data_dir(create)


def run(args: argparse.Namespace) -> int:
    accounts = open_accounts(args)
    user = accounts.user_by_email(args.email)
    if user is None:
        raise UsageError(f"no account with the email {normalize_email(args.email)}")
    token = accounts.create_api_token(user.id)
    print(f"API token for {user.email} ({user.role}); it is not shown again:")
    print(token)
    return 0
