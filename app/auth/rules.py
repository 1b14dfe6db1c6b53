"""One FastAPI dependency per access rule. Every route names its rule in its signature (or in
`dependencies=[Public]`); tests/auth/test_role_matrix.py walks `app.routes` and fails on a route
that names none, so a new route cannot ship open.

Calls answer 404 alike when they do not exist and when the asker may not see them, so call ids
cannot be probed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, HTTPException, WebSocket, WebSocketException, status
from starlette.requests import HTTPConnection

from app import protocol
from app.auth.principal import Principal, PrincipalDep
from app.db.tables import CallRow, ReportShareRow, UserRow
from app.deps import Live, LiveDep
from app.protocol import CloseCode, Role

RULE = "__secondear_rule__"
"""The attribute a rule dependency carries: its name, as the role matrix test reads it."""
NO_CALL = "No call with this id, or not one you can open: check the link, or sign in."
SIGN_IN = "Sign in first (or send an API token as Authorization: Bearer)."
ADMIN_ONLY = "Only an admin can do this."
COACH_ONLY = "Only a coach (or an admin) can do this."
NO_SHARE = "This report link does not exist or was revoked."

Level = Literal["read", "end", "capture", "owner"]
"""What a call rule lets through: `read` any role on the call (and its coach, and admins); `end`
the interviewer or the buddy; `capture` the interviewer; `owner` the account that created it."""
_LEVEL_ROLES: dict[str, tuple[Role, ...]] = {
    "read": ("interviewer", "buddy", "viewer"),
    "end": ("interviewer", "buddy"),
    "capture": ("interviewer",),
    "owner": ("interviewer",),
}
_RANK: dict[Role, int] = {"viewer": 0, "buddy": 1, "interviewer": 2}

F = TypeVar("F", bound=Callable[..., Any])


def rule(name: str) -> Callable[[F], F]:
    def mark(fn: F) -> F:
        setattr(fn, RULE, name)
        return fn

    return mark


@dataclass(frozen=True, slots=True)
class Grant:
    """What the asker may do on one call."""

    call: CallRow
    role: Role
    """The protocol role their socket gets: the owner is the interviewer; invited members, coaches
    and admins get what their invitation (or `viewer`) says."""
    actor: str
    """Who, for the audit log: the account's email or the kind of link."""
    owner: bool
    link_token: str | None = None
    """The link's token when the access came from a call link (the report passes it on to its
    clips and exports)."""


def link_alive(live: Live, call: CallRow) -> bool:
    """A call's role links stop working a set time after the call ends."""
    ended = call.ended_at
    return ended is None or time.time() < ended + live.settings.link_hours_after_end * 3600


async def grant_for(live: Live, call: CallRow, principal: Principal) -> Grant | None:
    grants: list[Grant] = []
    if principal.link_token and link_alive(live, call):
        role = live.repo.role_for(call, principal.link_token)
        if role is not None:
            grants.append(Grant(call, role, f"{role} link", False, principal.link_token))
    user = principal.user
    if user is not None:
        if call.owner_id == user.id:
            grants.append(Grant(call, "interviewer", user.email, True))
        else:
            invited = await live.store.run(live.accounts.member_role, call.id, user.id)
            if invited in ("buddy", "viewer"):
                grants.append(Grant(call, invited, user.email, False))  # type: ignore[arg-type]
            elif user.role == "admin" or (
                user.role == "coach"
                and await live.store.run(live.accounts.is_coach_of, user.id, call.owner_id)
            ):
                grants.append(Grant(call, "viewer", user.email, False))
    return max(grants, key=lambda g: (_RANK[g.role], g.owner), default=None)


async def _deny_call(conn: HTTPConnection) -> Any:
    if isinstance(conn, WebSocket):
        # A socket gets the reason as an `error` message before the close, like any refusal.
        await conn.accept()
        with contextlib.suppress(RuntimeError, OSError):
            await conn.send_text(protocol.dump(protocol.Error(code="no_call", message=NO_CALL)))
        raise WebSocketException(CloseCode.NO_CALL, NO_CALL[:120])
    raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CALL)


def CallAccess(level: Level) -> Any:
    """The rule of a route on one call (`{call_id}` in its path), at `level`."""

    @rule(f"call:{level}")
    async def call_access(
        conn: HTTPConnection, call_id: str, principal: PrincipalDep, live: LiveDep
    ) -> Grant:
        call = await live.store.run(live.repo.get_call, call_id)
        grant = None if call is None else await grant_for(live, call, principal)
        if grant is None or grant.role not in _LEVEL_ROLES[level] or (level == "owner" and not grant.owner):
            return await _deny_call(conn)  # type: ignore[no-any-return]
        return grant

    return Depends(call_access)


ReadCall = Annotated[Grant, CallAccess("read")]
EndCall = Annotated[Grant, CallAccess("end")]
CaptureCall = Annotated[Grant, CallAccess("capture")]
OwnCall = Annotated[Grant, CallAccess("owner")]


@rule("public")
async def public() -> None:
    """Open to anyone: pages without data, health, signing in."""


Public = Depends(public)


@rule("public")
async def optional_user(principal: PrincipalDep) -> UserRow | None:
    """Open to anyone; the account when signed in (the pages ask who is there)."""
    return principal.user


MaybeUser = Annotated[UserRow | None, Depends(optional_user)]


@rule("user")
async def current_user(principal: PrincipalDep) -> UserRow:
    if principal.user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, SIGN_IN, headers={"WWW-Authenticate": "Bearer"})
    return principal.user


CurrentUser = Annotated[UserRow, Depends(current_user)]


@rule("admin")
async def admin_user(user: CurrentUser) -> UserRow:
    if user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, ADMIN_ONLY)
    return user


AdminUser = Annotated[UserRow, Depends(admin_user)]


@rule("coach")
async def coach_user(user: CurrentUser) -> UserRow:
    """A coach (who sees the interviewers they coach) or an admin (who sees everyone)."""
    if user.role not in ("coach", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, COACH_ONLY)
    return user


CoachUser = Annotated[UserRow, Depends(coach_user)]


@dataclass(frozen=True, slots=True)
class Shared:
    call: CallRow
    share: ReportShareRow


@rule("share")
async def shared_report(share_token: str, live: LiveDep) -> Shared:
    """A report share's token, in the path: read-only, one call's report, revocable."""
    found = await live.store.run(live.accounts.shared_call, share_token)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SHARE)
    return Shared(*found)


ShareAccess = Annotated[Shared, Depends(shared_report)]


# --- coaching: the coach's review and the interviewer's answers ---------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    """Who is at a call's review: its owner (who answers) or a coach of the owner or an admin
    (who comment, mark and override)."""

    call: CallRow
    user: UserRow
    coach: bool
    """True for the owner's coach and for admins; False for the owner answering."""


async def _review(
    conn: HTTPConnection, call_id: str, principal: Principal, live: Live, coach_only: bool
) -> Review:
    call = await live.store.run(live.repo.get_call, call_id)
    user = principal.user
    if call is not None and user is not None:
        coaches = user.role == "admin" or (
            user.role == "coach" and await live.store.run(live.accounts.is_coach_of, user.id, call.owner_id)
        )
        if coaches:
            return Review(call, user, True)
        if not coach_only and call.owner_id == user.id:
            return Review(call, user, False)
    return await _deny_call(conn)  # type: ignore[no-any-return]


@rule("call:review")
async def review_access(conn: HTTPConnection, call_id: str, principal: PrincipalDep, live: LiveDep) -> Review:
    """A call's review: the owner's coach, an admin, or the owner (signed in; links do not count)."""
    return await _review(conn, call_id, principal, live, coach_only=False)


@rule("call:coach")
async def coach_access(conn: HTTPConnection, call_id: str, principal: PrincipalDep, live: LiveDep) -> Review:
    """What only the owner's coach (or an admin) does on a call: mark moments, override detectors."""
    return await _review(conn, call_id, principal, live, coach_only=True)


ReviewCall = Annotated[Review, Depends(review_access)]
CoachCall = Annotated[Review, Depends(coach_access)]
