"""The shared debrief of a call: `GET/PUT /api/calls/{id}/debrief` and the page `/debrief/{id}`.

Everyone who can open the call reads it; the interviewer and the buddy (by link or invitation)
edit it. A save sends the version it started from and its fields; the server merges them onto
what others saved meanwhile and answers the new version (`app/coaching/debrief.py`).

Open editors learn of each other's saves by polling `GET ...?since=N` about once a second rather
than over a socket: a debrief is a handful of fields typed by two or three people after the call,
the answer is one indexed query when nothing changed, and polling needs no fan-out between the
servers that share a database (docs/scaling.md) and passes every proxy.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from app.api.pages import page
from app.auth.rules import EndCall, Grant, ReadCall
from app.coaching.debrief import DebriefSaveError, Saved, save
from app.coaching.report import stored_report
from app.coaching.store import coaching
from app.db.tables import CallRow
from app.deps import Live, LiveDep
from app.insights.debrief import prefill
from app.reports.debrief import Debrief, DebriefError
from app.reports.wording import label

router = APIRouter(tags=["debrief"])

PREFILLED_BY = "prefilled by SecondEar"
# Who may edit: the roles of EndCall (the interviewer and the buddy).
EDIT_ROLES = ("interviewer", "buddy")
FIELD_NAMES = {
    "assumed": "What we assumed",
    "surprised": "What surprised us",
    "problem": "The problem in one sentence",
    "next_test.change": "Next test: change",
    "next_test.metric": "Next test: metric",
    "next_test.by_when": "Next test: by when",
}


class DebriefSave(BaseModel):
    base: int = Field(ge=1, description="The version the editor started from (from the last answer).")
    edits: dict[str, Any] = Field(
        description="The fields people edit: pains (up to 3 of {text, time, quote}), assumed, surprised, "
        "next_test {change, metric, by_when}, problem. Fields left out are not changed."
    )


def field_name(path: str) -> str:
    if path.startswith("pains["):
        return f"Pain {int(path[6:-1]) + 1}"
    return FIELD_NAMES.get(path, path)


def _answer(saved: Saved, grant: Grant) -> dict[str, Any]:
    d = saved.debrief
    return {
        "version": saved.version,
        "changed": True,
        "debrief": d.to_dict(),
        "flagged": [
            {"time": m.time, "kind": m.kind, "label": label(m.kind), "text": m.text} for m in d.flagged
        ],
        "saved_by": saved.saved_by,
        "conflicts": [field_name(c) for c in saved.conflicts],
        "can_edit": grant.role in EDIT_ROLES,
        "call": {"id": grant.call.id, "title": grant.call.title, "status": grant.call.status},
    }


async def prepared(live: Live, call: CallRow) -> Saved:
    """The latest version; the first time, the prefill from the call's report is stored as
    version 1, so every editor starts from a version the server holds. A prefill made while the
    call was live, that nobody has edited, is made again once the call has ended."""
    store = coaching(live)
    row = await live.store.run(store.latest_debrief, call.id)
    stale = (
        row is not None
        and row.saved_by == PREFILLED_BY
        and call.ended_at is not None
        and call.ended_at > row.saved_at
    )
    if row is None or stale:
        report = await stored_report(live, call.id)
        if report is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No call with this id: check the link.")
        number = 1 if row is None else row.version + 1
        # False: another editor's open stored it a moment ago; theirs is as good.
        await live.store.run(store.add_debrief, call.id, number, prefill(report).to_dict(), PREFILLED_BY)
        row = await live.store.run(store.latest_debrief, call.id)
        assert row is not None
    try:
        return Saved(row.version, Debrief.from_dict(row.data), (), row.saved_by)
    except DebriefError as exc:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"The stored debrief cannot be read ({exc})."
        ) from None


@router.get("/api/calls/{call_id}/debrief")
async def get_debrief(
    call_id: str,
    live: LiveDep,
    grant: ReadCall,
    since: Annotated[
        int | None,
        Query(ge=0, description="The version the page holds: answers `changed: false` if no newer."),
    ] = None,
) -> dict[str, Any]:
    """The call's debrief, prefilled from its report the first time it is opened."""
    if since is not None:
        number = await live.store.run(coaching(live).debrief_number, call_id)
        if number and number <= since:
            return {"version": number, "changed": False}
    return _answer(await prepared(live, grant.call), grant)


@router.put("/api/calls/{call_id}/debrief")
async def put_debrief(call_id: str, body: DebriefSave, live: LiveDep, grant: EndCall) -> dict[str, Any]:
    """Save an editor's fields, merged with what others saved since `base`: a field only one of
    them changed keeps that change; where both changed one, this save wins and `conflicts` names it."""
    await prepared(live, grant.call)
    try:
        saved = await live.store.run(save, coaching(live), call_id, body.base, body.edits, grant.actor)
    except DebriefSaveError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return _answer(saved, grant)


@router.get("/debrief/{call_id}", include_in_schema=False)
async def debrief_page(call_id: str, grant: ReadCall) -> FileResponse:
    return page("debrief.html")
