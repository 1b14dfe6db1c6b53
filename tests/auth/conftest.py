"""A server with one of each kind of person: the call's owner, members invited as buddy and as
viewer, a member without access, the owner's coach, and an admin."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import OWNER_TOKENS, Account, add_account, serve_in_thread

from app.commands.accounts_db import open_accounts
from app.main import create_app


@dataclass
class Workspace:
    url: str
    data_dir: Path
    owner: Account
    buddy: Account
    viewer: Account
    stranger: Account
    coach: Account
    admin: Account


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    data_dir = tmp_path_factory.mktemp("data")
    people = {
        "owner": add_account(data_dir, "owner@example.com", "member", "Olga Owner"),
        "buddy": add_account(data_dir, "buddy@example.com", "member", "Bo Buddy"),
        "viewer": add_account(data_dir, "viewer@example.com", "member", "Vi Viewer"),
        "stranger": add_account(data_dir, "stranger@example.com", "member", "Sam Stranger"),
        "coach": add_account(data_dir, "coach@example.com", "coach", "Cora Coach"),
        "admin": add_account(data_dir, "admin@example.com", "admin", "Ada Admin"),
    }
    open_accounts(argparse.Namespace(data_dir=str(data_dir))).set_coach(
        "coach@example.com", "owner@example.com"
    )
    app = create_app(fake_settings(data_dir), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        OWNER_TOKENS[url] = people["owner"].token
        yield Workspace(url, data_dir, **people)
