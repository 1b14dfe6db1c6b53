"""What routes need, as `Annotated` dependencies: a route's signature says what it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.calls.manager import CallManager
from app.db.repository import Repository, Store
from app.settings import Settings


@dataclass
class Live:
    """The running server's shared parts, built by the lifespan in `app.main`."""

    settings: Settings
    store: Store
    calls: CallManager

    @property
    def repo(self) -> Repository:
        return self.store.repo


def get_live(conn: HTTPConnection) -> Live:
    live: Live = conn.app.state.live
    return live


LiveDep = Annotated[Live, Depends(get_live)]


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an HTTP request: `Authorization: Bearer …`, else `?token=`."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return conn.query_params.get("token") or None


TokenDep = Annotated[str | None, Depends(bearer_token)]
