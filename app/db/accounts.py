"""People and who may see which call: accounts, sign-in sessions, API tokens, coaching, call
members, the calls' role links, report shares and the audit log. Synchronous, like `Repository`;
the server runs it on the store's thread (`Store.run`)."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.orm import sessionmaker

from app.db.repository import hash_token, new_id
from app.db.tables import (
    ApiTokenRow,
    AuditRow,
    CallMemberRow,
    CallRow,
    CoachingRow,
    ReportShareRow,
    SessionRow,
    UserRow,
)
from app.protocol import Role

WORKSPACE_ROLES = ("admin", "coach", "member")
MEMBER_ROLES = ("buddy", "viewer")
"""The roles an owner can invite a member as (the interviewer is the owner)."""
TOKEN_COLUMNS = {"interviewer": "interviewer_token", "buddy": "buddy_token", "viewer": "viewer_token"}
API_TOKEN_PREFIX = "se_"
"""API tokens start with this, so a leaked one is recognisable (and never taken for a call link)."""


class AccountError(Exception):
    """A change to people that cannot be made, in words for the person who asked."""


class UnknownCursor(LookupError):
    """A page of calls asked to start after a call the person cannot see (or that is gone)."""


@dataclass(frozen=True, slots=True)
class Member:
    user: UserRow
    role: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # --- people -------------------------------------------------------------------------------
    def add_user(self, *, email: str, name: str, role: str, password_hash: str) -> UserRow:
        email = normalize_email(email)
        if role not in WORKSPACE_ROLES:
            raise AccountError(f"the role must be one of {', '.join(WORKSPACE_ROLES)}")
        with self._sessions.begin() as s:
            if s.scalar(select(UserRow).where(UserRow.email == email)) is not None:
                raise AccountError(f"an account with the email {email} exists already")
            row = UserRow(
                id=new_id("u"),
                email=email,
                name=name,
                role=role,
                password_hash=password_hash,
                created_at=time.time(),
            )
            s.add(row)
            return row

    def users(self) -> list[UserRow]:
        with self._sessions() as s:
            return list(s.scalars(select(UserRow).order_by(UserRow.email)))

    def count_users(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(UserRow)) or 0)

    def user_by_email(self, email: str) -> UserRow | None:
        with self._sessions() as s:
            return s.scalar(select(UserRow).where(UserRow.email == normalize_email(email)))

    def remove_user(self, email: str) -> bool:
        """Remove an account, its sessions, tokens and invitations; its calls stay (admins see them)."""
        with self._sessions.begin() as s:
            user = s.scalar(select(UserRow).where(UserRow.email == normalize_email(email)))
            if user is None:
                return False
            s.execute(update(CallRow).where(CallRow.owner_id == user.id).values(owner_id=None))
            for table in (SessionRow, ApiTokenRow, CallMemberRow):
                s.execute(delete(table).where(table.user_id == user.id))
            s.execute(
                delete(CoachingRow).where(
                    or_(CoachingRow.coach_id == user.id, CoachingRow.interviewer_id == user.id)
                )
            )
            s.delete(user)
            return True

    def set_coach(self, coach_email: str, interviewer_email: str, *, assigned: bool = True) -> None:
        with self._sessions.begin() as s:
            coach = s.scalar(select(UserRow).where(UserRow.email == normalize_email(coach_email)))
            interviewer = s.scalar(select(UserRow).where(UserRow.email == normalize_email(interviewer_email)))
            if coach is None or interviewer is None:
                missing = coach_email if coach is None else interviewer_email
                raise AccountError(f"no account with the email {normalize_email(missing)}")
            if coach.role != "coach":
                raise AccountError(f"{coach.email} is a {coach.role}, not a coach")
            existing = s.get(CoachingRow, (coach.id, interviewer.id))
            if assigned and existing is None:
                s.add(CoachingRow(coach_id=coach.id, interviewer_id=interviewer.id))
            elif not assigned and existing is not None:
                s.delete(existing)

    def coachees(self, coach_id: str) -> list[str]:
        with self._sessions() as s:
            return list(s.scalars(select(CoachingRow.interviewer_id).where(CoachingRow.coach_id == coach_id)))

    def coach_emails(self) -> dict[str, list[str]]:
        """Each interviewer's id -> the emails of their coaches (for `user list`)."""
        with self._sessions() as s:
            rows = s.execute(
                select(CoachingRow.interviewer_id, UserRow.email).join(
                    UserRow, UserRow.id == CoachingRow.coach_id
                )
            )
            found: dict[str, list[str]] = {}
            for interviewer_id, email in rows:
                found.setdefault(interviewer_id, []).append(email)
            return found

    # --- sign-in sessions and API tokens --------------------------------------------------------
    def create_session(self, user_id: str, lifetime: float) -> tuple[str, str]:
        """A new session for `user_id`: its cookie token and its CSRF token."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        with self._sessions.begin() as s:
            s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            s.add(
                SessionRow(
                    token_hash=hash_token(token),
                    user_id=user_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return token, csrf

    def session_user(self, token: str) -> tuple[UserRow, str] | None:
        """The account and CSRF token of a live session, or None."""
        with self._sessions() as s:
            row = s.get(SessionRow, hash_token(token))
            if row is None or row.expires_at < time.time():
                return None
            user = s.get(UserRow, row.user_id)
            return None if user is None else (user, row.csrf_token)

    def delete_session(self, token: str) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == hash_token(token)))

    def create_api_token(self, user_id: str) -> str:
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as s:
            s.add(ApiTokenRow(token_hash=hash_token(token), user_id=user_id, created_at=time.time()))
        return token

    def token_user(self, token: str) -> UserRow | None:
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        with self._sessions() as s:
            row = s.get(ApiTokenRow, hash_token(token))
            return None if row is None else s.get(UserRow, row.user_id)

    # --- calls: owners, members, links, shares ----------------------------------------------------
    def member_role(self, call_id: str, user_id: str) -> str | None:
        with self._sessions() as s:
            row = s.get(CallMemberRow, (call_id, user_id))
            return None if row is None else row.role

    def is_coach_of(self, coach_id: str, interviewer_id: str | None) -> bool:
        if interviewer_id is None:
            return False
        with self._sessions() as s:
            return s.get(CoachingRow, (coach_id, interviewer_id)) is not None

    def invite(self, call_id: str, email: str, role: str) -> UserRow:
        if role not in MEMBER_ROLES:
            raise AccountError("Invite a member as buddy or viewer.")
        with self._sessions.begin() as s:
            user = s.scalar(select(UserRow).where(UserRow.email == normalize_email(email)))
            if user is None:
                raise AccountError("No account has this email: ask an admin to add it, or send a link.")
            row = s.get(CallMemberRow, (call_id, user.id))
            if row is None:
                s.add(CallMemberRow(call_id=call_id, user_id=user.id, role=role, created_at=time.time()))
            else:
                row.role = role
            return user

    def uninvite(self, call_id: str, user_id: str) -> bool:
        with self._sessions.begin() as s:
            row = s.get(CallMemberRow, (call_id, user_id))
            if row is None:
                return False
            s.delete(row)
            return True

    def members(self, call_id: str) -> list[Member]:
        with self._sessions() as s:
            rows = s.execute(
                select(UserRow, CallMemberRow.role)
                .join(CallMemberRow, CallMemberRow.user_id == UserRow.id)
                .where(CallMemberRow.call_id == call_id)
                .order_by(UserRow.email)
            )
            return [Member(user, role) for user, role in rows]

    def member_roles(self, user_id: str) -> dict[str, str]:
        """call id -> the role `user_id` is invited as, for every call they are invited to."""
        with self._sessions() as s:
            rows = s.execute(
                select(CallMemberRow.call_id, CallMemberRow.role).where(CallMemberRow.user_id == user_id)
            )
            return {str(call_id): str(role) for call_id, role in rows}

    def visible_calls(self, user: UserRow, limit: int = 200, before: str | None = None) -> list[CallRow]:
        """The calls `user` may see, newest first: every call for an admin; else their own, those
        they are invited to, and (for a coach) those of the interviewers they coach. With `before`
        (a call id from an earlier page) only the calls listed after it; UnknownCursor when `before`
        names no call this user may see."""
        visible = select(CallRow)
        if user.role != "admin":
            invited = select(CallMemberRow.call_id).where(CallMemberRow.user_id == user.id)
            coached = select(CoachingRow.interviewer_id).where(CoachingRow.coach_id == user.id)
            visible = visible.where(
                or_(CallRow.owner_id == user.id, CallRow.id.in_(invited), CallRow.owner_id.in_(coached))
            )
        with self._sessions() as s:
            query = visible
            if before is not None:
                cursor = s.scalars(visible.where(CallRow.id == before)).first()
                if cursor is None:
                    raise UnknownCursor(before)
                # Keyset paging on (created_at, id): calls created in the same instant keep their place.
                query = query.where(
                    or_(
                        CallRow.created_at < cursor.created_at,
                        (CallRow.created_at == cursor.created_at) & (CallRow.id < cursor.id),
                    )
                )
            query = query.order_by(CallRow.created_at.desc(), CallRow.id.desc()).limit(limit)
            return list(s.scalars(query))

    def new_link(self, call_id: str, role: Role) -> str:
        """A fresh token for one role link of a call; the previous one stops working."""
        token = secrets.token_urlsafe(32)
        self._set_link(call_id, role, hash_token(token))
        return token

    def revoke_link(self, call_id: str, role: Role) -> None:
        # An empty hash matches no token (role_for compares digests).
        self._set_link(call_id, role, "")

    def _set_link(self, call_id: str, role: Role, digest: str) -> None:
        with self._sessions.begin() as s:
            s.execute(update(CallRow).where(CallRow.id == call_id).values({TOKEN_COLUMNS[role]: digest}))

    def create_share(self, call_id: str, created_by: str | None) -> tuple[ReportShareRow, str]:
        token = secrets.token_urlsafe(32)
        row = ReportShareRow(
            id=new_id("s"),
            call_id=call_id,
            token_hash=hash_token(token),
            created_by=created_by,
            created_at=time.time(),
            revoked_at=None,
        )
        with self._sessions.begin() as s:
            s.add(row)
        return row, token

    def shares(self, call_id: str) -> list[ReportShareRow]:
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(ReportShareRow)
                    .where(ReportShareRow.call_id == call_id)
                    .order_by(ReportShareRow.created_at)
                )
            )

    def revoke_share(self, call_id: str, share_id: str) -> bool:
        with self._sessions.begin() as s:
            row = s.get(ReportShareRow, share_id)
            if row is None or row.call_id != call_id:
                return False
            row.revoked_at = row.revoked_at or time.time()
            return True

    def shared_call(self, token: str) -> tuple[CallRow, ReportShareRow] | None:
        """The call a live report share opens, or None (unknown or revoked)."""
        digest = hash_token(token)
        with self._sessions() as s:
            row = s.scalar(select(ReportShareRow).where(ReportShareRow.token_hash == digest))
            # The lookup is by digest; the compare is constant-time anyway for the habit's sake.
            if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
                return None
            call = s.get(CallRow, row.call_id)
            return None if call is None else (call, row)

    # --- the audit log ------------------------------------------------------------------------
    def record_audit(self, actor: str, action: str, call_id: str | None, detail: str | None = None) -> None:
        with self._sessions.begin() as s:
            s.add(AuditRow(at=time.time(), actor=actor, action=action, call_id=call_id, detail=detail))

    def audit(self, *, call_id: str | None = None, limit: int = 200) -> list[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if call_id is not None:
            query = query.where(AuditRow.call_id == call_id)
        with self._sessions() as s:
            return list(s.scalars(query))
