"""What a call's owner shares: members invited by account (buddy or viewer), the call's role
links for people without an account (new or revoked), and read-only report shares."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from app.auth.audit import record_audit
from app.auth.rules import OwnCall
from app.db.accounts import AccountError
from app.deps import LiveDep
from app.protocol import Role

router = APIRouter(prefix="/api/calls/{call_id}", tags=["sharing"])

PAGE = {"interviewer": "capture", "buddy": "buddy", "viewer": "buddy"}


class Invite(BaseModel):
    email: str = Field(min_length=1, max_length=254, description="The member's account email.")
    role: Literal["buddy", "viewer"]


class MemberOut(BaseModel):
    email: str
    name: str
    role: str


class LinkOut(BaseModel):
    role: Role
    token: str
    url: str


class ShareOut(BaseModel):
    id: str
    created_at: float
    revoked: bool
    url: str | None = Field(default=None, description="Only in the answer that creates the share.")


@router.get("/members", response_model=list[MemberOut])
async def members(grant: OwnCall, live: LiveDep) -> list[MemberOut]:
    found = await live.store.run(live.accounts.members, grant.call.id)
    return [MemberOut(email=m.user.email, name=m.user.name, role=m.role) for m in found]


@router.put("/members", response_model=MemberOut)
async def invite(body: Invite, grant: OwnCall, live: LiveDep) -> MemberOut:
    """Invite a member by account email as buddy or viewer (or change their role)."""
    try:
        user = await live.store.run(live.accounts.invite, grant.call.id, body.email, body.role)
    except AccountError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    await record_audit(live, grant.actor, "invite", grant.call.id, f"{user.email} as {body.role}")
    return MemberOut(email=user.email, name=user.name, role=body.role)


@router.delete("/members/{email}", status_code=status.HTTP_204_NO_CONTENT)
async def uninvite(email: str, grant: OwnCall, live: LiveDep) -> Response:
    user = await live.store.run(live.accounts.user_by_email, email)
    if user is None or not await live.store.run(live.accounts.uninvite, grant.call.id, user.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This person is not invited to the call.")
    await record_audit(live, grant.actor, "uninvite", grant.call.id, user.email)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/links/{role}", response_model=LinkOut)
async def new_link(role: Role, grant: OwnCall, live: LiveDep) -> LinkOut:
    """A new link for one role; the role's previous link stops working."""
    token = await live.store.run(live.accounts.new_link, grant.call.id, role)
    await record_audit(live, grant.actor, "link", grant.call.id, f"new {role} link")
    return LinkOut(role=role, token=token, url=f"/{PAGE[role]}/{grant.call.id}?token={token}")


@router.delete("/links/{role}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_link(role: Role, grant: OwnCall, live: LiveDep) -> Response:
    """Revoke one role's link: nobody can open the call with it any more."""
    await live.store.run(live.accounts.revoke_link, grant.call.id, role)
    await record_audit(live, grant.actor, "link", grant.call.id, f"revoked the {role} link")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shares", response_model=list[ShareOut])
async def shares(grant: OwnCall, live: LiveDep) -> list[ShareOut]:
    rows = await live.store.run(live.accounts.shares, grant.call.id)
    return [ShareOut(id=r.id, created_at=r.created_at, revoked=r.revoked_at is not None) for r in rows]


@router.post("/shares", response_model=ShareOut, status_code=status.HTTP_201_CREATED)
async def share(grant: OwnCall, live: LiveDep) -> ShareOut:
    """A read-only link to the call's report (no clips, no exports) for someone without an account."""
    row, token = await live.store.run(live.accounts.create_share, grant.call.id, grant.actor)
    await record_audit(live, grant.actor, "share", grant.call.id, f"report share {row.id}")
    return ShareOut(id=row.id, created_at=row.created_at, revoked=False, url=f"/shared/{token}")


@router.delete("/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unshare(share_id: str, grant: OwnCall, live: LiveDep) -> Response:
    if not await live.store.run(live.accounts.revoke_share, grant.call.id, share_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "The call has no report share with this id.")
    await record_audit(live, grant.actor, "unshare", grant.call.id, f"report share {share_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
