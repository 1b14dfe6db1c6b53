"""Who sent a request: a signed-in account (session cookie or API token), a call link's token,
or nobody. Cookie-authenticated requests that change something must carry the session's CSRF
token; cookie-authenticated sockets must come from the server's own origin."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, WebSocket, status
from starlette.requests import HTTPConnection

from app.db.tables import UserRow
from app.deps import LiveDep

SESSION_COOKIE = "secondear_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FAILED = "This page's sign-in is out of date: reload the page and try again."


@dataclass(frozen=True, slots=True)
class Principal:
    user: UserRow | None
    """The signed-in account, if any."""
    link_token: str | None
    """A token that is not an account's: it may be one call's role link."""
    via: str
    """How the account was recognised: "session", "api token", or "" (none)."""
    csrf: str | None = None
    """The session's CSRF token (signed in with the cookie only), for the pages to send back."""


def header_token(conn: HTTPConnection) -> str | None:
    """`Authorization: Bearer …`: an API token or a call link's token."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def request_token(conn: HTTPConnection) -> str | None:
    """The header's token, else `?token=` (page links and browser sockets carry it there; the
    access log never shows it, see app/auth/redact.py)."""
    return header_token(conn) or conn.query_params.get("token") or None


def same_origin(conn: HTTPConnection) -> bool:
    """True when the request's Origin (if the browser sent one) is this server's own."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def current_principal(conn: HTTPConnection, live: LiveDep) -> Principal:
    token = request_token(conn)
    if token:
        user = await live.store.run(live.accounts.token_user, token)
        if user is not None:
            return Principal(user, None, "api token")
    cookie = conn.cookies.get(SESSION_COOKIE)
    # A request that names its credentials in the Authorization header is judged by them alone:
    # no other site can make a browser send that header, so the cookie (and CSRF) do not come in.
    if cookie and header_token(conn) is None:
        found = await live.store.run(live.accounts.session_user, cookie)
        if found is not None:
            user, csrf = found
            if isinstance(conn, WebSocket):
                # A socket from another site's page carries our cookie too: it gets no account.
                return Principal(user if same_origin(conn) else None, token, "session")
            _check_forgery(conn, csrf)
            return Principal(user, token, "session", csrf)
    return Principal(None, token, "")


def _check_forgery(conn: HTTPConnection, csrf: str) -> None:
    """A cookie goes with every request the browser makes, whichever site asked for it; the CSRF
    token (which another site cannot read) and the Origin prove the request came from our pages."""
    if conn.scope.get("method", "GET") in SAFE_METHODS:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not same_origin(conn) or not hmac.compare_digest(sent.encode(), csrf.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_FAILED)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
