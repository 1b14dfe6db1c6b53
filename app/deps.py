"""What routes need, as `Annotated` dependencies: a route's signature says what it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.auth.limits import LoginLimits
from app.calls.manager import CallManager
from app.db.accounts import Accounts
from app.db.repository import Repository, Store
from app.settings import Settings


@dataclass
class Live:
    """The running server's shared parts, built by the lifespan in `app.main`."""

    settings: Settings
    store: Store
    calls: CallManager
    accounts: Accounts
    login_limits: LoginLimits

    @property
    def repo(self) -> Repository:
        return self.store.repo


def get_live(conn: HTTPConnection) -> Live:
    live: Live = conn.app.state.live
    return live


LiveDep = Annotated[Live, Depends(get_live)]
