"""Signing in and out: `POST /api/session` sets the session cookie, `GET` says who is signed in
(and gives the pages their CSRF token), `DELETE` signs out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app.auth.passwords import verify_password
from app.auth.principal import CSRF_FAILED, SESSION_COOKIE, PrincipalDep, same_origin
from app.auth.rules import CurrentUser, MaybeUser, Public
from app.db.accounts import normalize_email
from app.db.tables import UserRow
from app.deps import LiveDep

router = APIRouter(prefix="/api/session", tags=["session"])

WRONG = "The email or the password is wrong."
# One message for a wrong password, an unknown email and a paused account: none tells which.
TOO_MANY = "Too many failed sign-ins: wait a few minutes and try again."
NO_ACCOUNTS = "No accounts yet: run `secondear user add you@example.com --role admin` on the server."


class SignIn(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    email: str
    name: str
    role: str


class SessionOut(BaseModel):
    signed_in: bool
    user: Me | None = None
    csrf: str | None = Field(
        default=None,
        description="Send it as X-CSRF-Token on each POST, PUT and DELETE made with the cookie.",
    )
    setup: str | None = Field(default=None, description="Set while the server has no accounts yet.")


def me(user: UserRow) -> Me:
    return Me(email=user.email, name=user.name, role=user.role)


@router.post("", response_model=SessionOut, dependencies=[Public])
async def sign_in(body: SignIn, request: Request, response: Response, live: LiveDep) -> SessionOut:
    """Sign in with email and password: sets an HttpOnly session cookie (Secure over HTTPS)."""
    if not same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_FAILED)
    email = normalize_email(body.email)
    address = request.client.host if request.client else "unknown"
    limits = live.login_limits
    if limits.blocked(address, email):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY)
    user = await live.store.run(live.accounts.user_by_email, email)
    # argon2 takes tens of milliseconds: off the event loop.
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, body.password)
    if user is None or not ok:
        limits.failed(address, email)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG)
    limits.succeeded(email)
    lifetime = live.settings.session_hours * 3600
    token, csrf = await live.store.run(live.accounts.create_session, user.id, lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime),
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/",
    )
    return SessionOut(signed_in=True, user=me(user), csrf=csrf)


@router.get("", response_model=SessionOut)
async def who(user: MaybeUser, principal: PrincipalDep, live: LiveDep) -> SessionOut:
    """Who is signed in; `setup` says what to do on a server without accounts."""
    if user is None:
        setup = NO_ACCOUNTS if await live.store.run(live.accounts.count_users) == 0 else None
        return SessionOut(signed_in=False, setup=setup)
    return SessionOut(signed_in=True, user=me(user), csrf=principal.csrf)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(user: CurrentUser, request: Request, live: LiveDep) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await live.store.run(live.accounts.delete_session, cookie)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
