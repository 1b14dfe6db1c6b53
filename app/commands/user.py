"""`secondear user add|list|remove|coach`: the workspace's people.

`user add EMAIL --role admin|coach|member` reads the password from standard input when it is not
a terminal (one line; a second line, when given, must repeat it), else asks for it twice.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from app.auth.passwords import PasswordError, hash_password
from app.cli import UsageError
from app.commands.accounts_db import add_data_dir, open_accounts
from app.db.accounts import WORKSPACE_ROLES, AccountError, normalize_email


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add an account (password from stdin, or asked at a terminal)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=WORKSPACE_ROLES)
    add.add_argument("--name", help="display name (default: the part of the email before @)")
    add_data_dir(add)
    listing = sub.add_parser("list", help="every account: email, role, name, coaches")
    add_data_dir(listing)
    remove = sub.add_parser("remove", help="remove an account (its calls stay; admins see them)")
    remove.add_argument("email")
    add_data_dir(remove)
    coach = sub.add_parser("coach", help="let a coach see the calls of an interviewer")
    coach.add_argument("coach_email")
    coach.add_argument("interviewer_email")
    coach.add_argument("--remove", action="store_true", help="end the assignment instead")
    add_data_dir(coach)


def read_password() -> str:
    """The new password: from a terminal (asked twice) or the first line of standard input (a
    second line, if any, is a confirmation and must match)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise UsageError("the two passwords differ")
        return first
    lines = sys.stdin.read().splitlines()
    if not lines or not lines[0]:
        raise UsageError("no password on standard input (one line, or two that match)")
    if len(lines) > 1 and lines[1] and lines[1] != lines[0]:
        raise UsageError("the password and its confirmation (second line) differ")
    return lines[0]


def run(args: argparse.Namespace) -> int:
    accounts = open_accounts(args)
    try:
        if args.action == "add":
            email = normalize_email(args.email)
            if "@" not in email or len(email) > 254:
                raise UsageError(f"{args.email!r} is not an email address")
            name = (args.name or email.split("@")[0]).strip()
            if not name or len(name) > 120:
                raise UsageError("the name must be 1 to 120 characters")
            try:
                password_hash = hash_password(read_password())
            except PasswordError as exc:
                raise UsageError(str(exc)) from exc
            user = accounts.add_user(email=email, name=name, role=args.role, password_hash=password_hash)
            print(f"added {user.role} {user.email} ({user.name})")
        elif args.action == "list":
            coaches = accounts.coach_emails()
            print("email\trole\tname\tcoaches")
            for user in accounts.users():
                print(f"{user.email}\t{user.role}\t{user.name}\t{','.join(coaches.get(user.id, []))}")
        elif args.action == "remove":
            if not accounts.remove_user(args.email):
                raise UsageError(f"no account with the email {normalize_email(args.email)}")
            print(f"removed {normalize_email(args.email)}")
        else:
            accounts.set_coach(args.coach_email, args.interviewer_email, assigned=not args.remove)
            verb = "no longer coaches" if args.remove else "now coaches"
            print(f"{normalize_email(args.coach_email)} {verb} {normalize_email(args.interviewer_email)}")
    except AccountError as exc:
        raise UsageError(str(exc)) from exc
    return 0
