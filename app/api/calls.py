"""HTTP API of calls: create (with role links), list, get, end, and audio clips."""

from __future__ import annotations

import asyncio
import math
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, BeforeValidator, Field

from app import protocol
from app.auth.audit import record_audit
from app.auth.rules import CurrentUser, EndCall, ReadCall
from app.calls import recording
from app.calls.messages import call_payload
from app.db.accounts import UnknownCursor
from app.db.tables import CallRow
from app.deps import Live, LiveDep
from app.scale.commands import NoCall, Unavailable, act

router = APIRouter(prefix="/api/calls", tags=["calls"])


def _one_line(value: object) -> object:
    # Runs of spaces, tabs and newlines become one space: a name made of spaces is then
    # empty (refused), and no name can break a line of an export. Not text: left to the type check.
    return " ".join(value.split()) if isinstance(value, str) else value


OneLine = Annotated[str, BeforeValidator(_one_line)]


class CallCreate(BaseModel):
    title: OneLine = Field(min_length=1, max_length=200, description="What the interview is about.")
    interviewer: Annotated[str | None, BeforeValidator(_one_line)] = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="Name of the person interviewing. Empty: the signed-in member's name.",
    )
    customer: Annotated[str | None, BeforeValidator(_one_line)] = Field(
        default=None, max_length=120, description="Optional label of the customer."
    )
    recording_consent: bool = Field(
        default=False, description="The customer agreed to be recorded (clips in the report)."
    )


# A call as the API answers it is the protocol's call: one shape for HTTP and the sockets.
CallOut = protocol.Call


class Links(BaseModel):
    capture: str
    buddy: str
    viewer: str
    report: str


class Tokens(BaseModel):
    interviewer: str
    buddy: str
    viewer: str


class CallListed(CallOut):
    access: Literal["owner", "buddy", "viewer"] = Field(
        description="What the asker is on the call: its owner, an invited buddy, or a reader (an invited "
        "viewer, their coach, an admin)."
    )


class CallCreated(CallOut):
    links: Links
    tokens: Tokens


async def _call_out(live: Live, row: CallRow) -> CallOut:
    session = next((s for s in live.calls.active() if s.id == row.id), None)
    return call_payload(row, call_time=session.call_time() if session else None)


async def find_call(live: Live, call_id: str) -> CallRow:
    """The call, re-read (it may have ended since the access rule read it)."""
    row = await live.store.run(live.repo.get_call, call_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No call with this id: check the link.")
    return row


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CallCreated)
async def create_call(body: CallCreate, live: LiveDep, user: CurrentUser) -> CallCreated:
    """Start a call, owned by the signed-in member. The answer holds the three role links; only
    their hashes are stored, so this is the one time they can be read."""
    row, tokens = await live.store.run(
        live.repo.create_call,
        owner_id=user.id,
        title=body.title.strip(),
        interviewer=(body.interviewer or "").strip() or user.name,
        customer=(body.customer or "").strip() or None,
        consent=body.recording_consent,
        recording=live.settings.recording,
    )
    links = Links(
        capture=f"/capture/{row.id}?token={tokens['interviewer']}",
        buddy=f"/buddy/{row.id}?token={tokens['buddy']}",
        viewer=f"/buddy/{row.id}?token={tokens['viewer']}",
        report=f"/report/{row.id}",
    )
    call = call_payload(row, call_time=0.0)
    return CallCreated(**call.model_dump(), links=links, tokens=Tokens(**tokens))


LIST_PAGE_MAX = 200
PAGE_AFTER_UNSEEN_CALL = "This page of calls starts after a call you cannot see: reload the list."


@router.get("", response_model=list[CallListed])
async def list_calls(
    live: LiveDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=LIST_PAGE_MAX, description="Calls in this page.")] = LIST_PAGE_MAX,
    before: Annotated[
        str | None, Query(max_length=64, description="The last call id of the previous page: the next page.")
    ] = None,
) -> list[CallListed]:
    """The calls the signed-in person may see, newest first (no tokens), a page at a time."""
    try:
        rows = await live.store.run(live.accounts.visible_calls, user, limit, before)
    except UnknownCursor:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, PAGE_AFTER_UNSEEN_CALL) from None
    invited = await live.store.run(live.accounts.member_roles, user.id)
    listed = []
    for row in rows:
        access = "owner" if row.owner_id == user.id else invited.get(row.id, "viewer")
        call = await _call_out(live, row)
        listed.append(CallListed(**call.model_dump(), access=access))  # type: ignore[arg-type]
    return listed


@router.get("/{call_id}", response_model=CallOut)
async def get_call(grant: ReadCall, live: LiveDep) -> CallOut:
    return await _call_out(live, grant.call)


@router.post(
    "/{call_id}/end",
    response_model=CallOut,
    responses={503: {"description": "The server running the call did not answer; retry after Retry-After."}},
)
async def end_call(call_id: str, live: LiveDep, grant: EndCall) -> CallOut:
    """End the call (its interviewer or buddy): the last words are transcribed first. With several
    server processes, any of them takes the request and the one running the call ends it."""
    try:
        ended = await act(live.calls, call_id, "end", {})
    except NoCall:
        return await _call_out(live, await find_call(live, call_id))
    except Unavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            str(exc),
            headers={"Retry-After": str(math.ceil(exc.retry_after))},
        ) from exc
    return CallOut.model_validate(ended)


@router.get(
    "/{call_id}/clip",
    response_class=Response,
    responses={200: {"content": {"audio/flac": {}}, "description": "The clip as FLAC."}},
)
async def clip(
    call_id: str,
    live: LiveDep,
    grant: ReadCall,
    start: Annotated[float, Query(ge=0, description="Call time the clip starts at, in seconds.")],
    end: Annotated[float, Query(gt=0, description="Call time the clip ends at, in seconds.")],
    track: Annotated[
        Literal["interviewer", "customer"] | None, Query(description="One track; both mixed when absent.")
    ] = None,
) -> Response:
    """An audio clip of a recorded call (only where the customer consented to recording)."""
    if not grant.call.recording:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This call was not recorded, so it has no clips.")
    if end <= start:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The clip must end after it starts.")
    if end - start > live.settings.clip_max_seconds:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"Clips are at most {live.settings.clip_max_seconds:g} seconds long."
        )
    await record_audit(live, grant.actor, "listen", call_id, f"{start:.2f}-{end:.2f} s")
    folder = live.calls.services.recordings / call_id
    data = await asyncio.to_thread(
        recording.clip_flac, folder, [track] if track else ["interviewer", "customer"], start, end
    )
    return Response(content=data, media_type="audio/flac", headers={"Cache-Control": "private, max-age=3600"})
