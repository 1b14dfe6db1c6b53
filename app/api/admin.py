"""Admins' API: the audit log and the people of the workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.auth.rules import AdminUser
from app.deps import LiveDep

router = APIRouter(prefix="/api/admin", tags=["admin"])


class AuditOut(BaseModel):
    at: float
    actor: str
    action: str
    call_id: str | None
    detail: str | None


class UserOut(BaseModel):
    email: str
    name: str
    role: str
    coaches: list[str]


@router.get("/audit", response_model=list[AuditOut])
async def audit(
    admin: AdminUser,
    live: LiveDep,
    call_id: Annotated[str | None, Query(description="Only this call's entries.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """Who viewed, exported, shared or deleted which call, newest first."""
    rows = await live.store.run(live.accounts.audit, call_id=call_id, limit=limit)
    return [
        AuditOut(at=r.at, actor=r.actor, action=r.action, call_id=r.call_id, detail=r.detail) for r in rows
    ]


@router.get("/users", response_model=list[UserOut])
async def users(admin: AdminUser, live: LiveDep) -> list[UserOut]:
    rows = await live.store.run(live.accounts.users)
    coaches = await live.store.run(live.accounts.coach_emails)
    return [UserOut(email=u.email, name=u.name, role=u.role, coaches=coaches.get(u.id, [])) for u in rows]
