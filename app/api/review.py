"""The coach's review of flagged moments and the interviewer's review inbox.

A coach lists the calls of the interviewers they coach (`/api/review/calls`), opens one
(`/api/calls/{id}/review`: every flagged moment with the transcript around it, its clip where the
call was recorded, its comments, marks and override), comments with a better question, marks a
moment reviewed or a good example, and overrides a detector's verdict. The interviewer reads the
comments on their calls in their inbox, answers them and marks them taken on board.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, Field

from app.api.pages import page
from app.auth.rules import CoachCall, CoachUser, CurrentUser, OwnCall, Public, Review, ReviewCall
from app.coaching.labels import to_jsonl
from app.coaching.moments import allowed_flags, clip_span, detected, keyed, moment_view
from app.coaching.report import stored_report
from app.coaching.store import coaching
from app.db.tables import CallRow, NudgeRow, ReviewCommentRow, UserRow
from app.deps import Live, LiveDep
from app.reports.model import Moment, Report
from app.reports.wording import label

router = APIRouter(tags=["review"])

# Calls listed on the coach's page, newest first, at first and at most ("show older calls").
REVIEW_CALLS = 20
MAX_REVIEW_CALLS = 200
# Unreviewed moments named under each call in that list.
LIST_MOMENTS = 5
MAX_COMMENT_CHARS = 4000
# A nudge is about a moment when it has the moment's kind and starts this close to it (seconds).
NUDGE_MATCH_S = 0.05
NO_MOMENT = "This call has no such moment: reload the page."
ANSWER_ONLY = "Answer your coach's comment (reply to it); new comments come from your coach."
NO_COMMENT = "No such comment on this call: reload the page."
FORMER = "A former member"

Text = Annotated[str, Field(min_length=1, max_length=MAX_COMMENT_CHARS)]


class CommentIn(BaseModel):
    moment: str = Field(max_length=64, description="The moment's key, from the review.")
    body: Text
    suggestion: Annotated[str | None, Field(max_length=MAX_COMMENT_CHARS)] = Field(
        default=None, description="A better question to ask instead."
    )
    parent: str | None = Field(default=None, max_length=32, description="The comment this answers.")


class MarkIn(BaseModel):
    moment: str = Field(max_length=64)
    reviewed: bool | None = None
    good_example: bool | None = None


class OverrideIn(BaseModel):
    moment: str = Field(max_length=64)
    question: Literal["open", "closed"] | None = Field(description="The line's question form, or none.")
    flags: list[str] = Field(max_length=12, description="Every flag the line should carry.")
    note: Annotated[str | None, Field(max_length=MAX_COMMENT_CHARS)] = None


class TakenIn(BaseModel):
    taken: bool = True


class ReadIn(BaseModel):
    ids: list[str] | None = Field(default=None, description="Comments read; none: all of them.")


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


async def _names(live: Live) -> dict[str, str]:
    return {u.id: u.name for u in await live.store.run(live.accounts.users)}


def _comment(
    c: ReviewCommentRow, names: dict[str, str], me: UserRow, read: bool | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "moment": c.moment,
        "parent": c.parent_id,
        "author": names.get(c.author_id, FORMER),
        "mine": c.author_id == me.id,
        "body": c.body,
        "suggestion": c.suggestion,
        "created_at": c.created_at,
        "taken": c.taken_at is not None,
    }
    if read is not None:
        out["read"] = read
    return out


def moment_label(key: str) -> tuple[str, float | None]:
    """A moment's kind label and time from its key ("closed_question@12.30")."""
    kind, _, at = key.partition("@")
    try:
        time = float(at.split("#")[0])
    except ValueError:
        time = None
    return label(kind), time


async def _report(live: Live, call_id: str) -> Report:
    report = await stored_report(live, call_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_MOMENT)
    return report


def _find(report: Report, key: str) -> Moment:
    for k, m in keyed(report):
        if k == key:
            return m
    raise HTTPException(status.HTTP_404_NOT_FOUND, NO_MOMENT)


# --- the coach's list ------------------------------------------------------------------------------
async def coached_calls(live: Live, user: UserRow, limit: int) -> list[CallRow]:
    calls = await live.store.run(live.accounts.visible_calls, user, limit * 4)
    if user.role != "admin":
        mine = set(await live.store.run(live.accounts.coachees, user.id))
        calls = [c for c in calls if c.owner_id in mine]
    return [c for c in calls if c.owner_id is not None][:limit]


@router.get("/api/review/calls")
async def review_calls(
    live: LiveDep,
    user: CoachUser,
    limit: Annotated[
        int, Query(ge=1, le=MAX_REVIEW_CALLS, description="How many calls, newest first.")
    ] = REVIEW_CALLS,
) -> dict[str, Any]:
    """The calls of the interviewers this coach coaches (every owned call for an admin), newest
    first, each with its moments not reviewed yet."""
    calls = await coached_calls(live, user, limit)
    store = coaching(live)
    reviewed = await live.store.run(store.reviewed_moments, [c.id for c in calls])
    names = await _names(live)
    out = []
    for call in calls:
        report = await stored_report(live, call.id, call)
        moments = keyed(report) if report is not None else []
        open_ = [(k, m) for k, m in moments if k not in reviewed.get(call.id, set())]
        out.append(
            {
                "id": call.id,
                "title": call.title,
                "interviewer": names.get(call.owner_id or "", call.interviewer),
                "created_at": call.created_at,
                "status": call.status,
                "moments": len(moments),
                "unreviewed": len(open_),
                "first_unreviewed": [
                    {"key": k, "time": m.time, "label": label(m.kind), "text": m.text or m.note or ""}
                    for k, m in open_[:LIST_MOMENTS]
                ],
            }
        )
    return {"calls": out, "limit": limit}


def _nudge_on(m: Moment, nudges: list[NudgeRow]) -> dict[str, Any] | None:
    """The live nudge about this moment (same kind, same start), if one was raised: whether the
    buddy saw it, and how they rated it."""
    if m.time is None:
        return None
    for n in nudges:
        if n.kind == m.kind and abs(n.start - m.time) < NUDGE_MATCH_S:
            return {"sent": n.sent, "held_reason": n.held_reason, "helpful": n.helpful}
    return None


@router.get("/api/review/examples")
async def good_examples(live: LiveDep, user: CoachUser) -> dict[str, Any]:
    """The moments marked as good examples on the calls this coach coaches (all for an admin),
    newest first: strong moments to show other interviewers."""
    owners = None if user.role == "admin" else await live.store.run(live.accounts.coachees, user.id)
    found = await live.store.run(lambda: coaching(live).good_examples(owners))
    names = await _names(live)
    out = []
    for mark, call in found:
        report = await stored_report(live, call.id, call)
        moment = dict(keyed(report)).get(mark.moment) if report is not None else None
        kind, at = moment_label(mark.moment)
        out.append(
            {
                "call": {"id": call.id, "title": call.title},
                "interviewer": names.get(call.owner_id or "", call.interviewer),
                "key": mark.moment,
                "label": kind,
                "time": at,
                "text": (moment.text or moment.note or "") if moment is not None else "",
            }
        )
    return {"examples": out}


# --- one call's review -----------------------------------------------------------------------------
@router.get("/api/calls/{call_id}/review")
async def get_review(call_id: str, live: LiveDep, review: ReviewCall) -> dict[str, Any]:
    """Every moment of the call with the transcript around it, its clip, its comments (threads),
    its marks and its override. The owner opening it reads the comments."""
    report = await _report(live, call_id)
    store = coaching(live)
    comments = await live.store.run(store.comments, call_id)
    marks = await live.store.run(store.marks, call_id)
    overrides = {o.moment: o for o in await live.store.run(store.overrides, call_id=call_id)}
    names = await _names(live)
    nudges = await live.store.run(store.nudges, call_id)
    if not review.coach:
        await live.store.run(store.mark_read, review.user.id, [c.id for c in comments])
    moments = []
    for key, m in keyed(report):
        view = moment_view(report, key, m)
        span = clip_span(m)
        view["clip"] = (
            f"/api/calls/{call_id}/clip?start={span[0]:.2f}&end={span[1]:.2f}"
            if span is not None and review.call.recording
            else None
        )
        mark = marks.get(key)
        view["reviewed"] = bool(mark and mark.reviewed) or any(c.moment == key for c in comments)
        view["good_example"] = bool(mark and mark.good_example)
        o = overrides.get(key)
        view["override"] = None if o is None else {"question": o.question, "flags": o.flags, "note": o.note}
        view["allowed_flags"] = list(allowed_flags(view["detected"]["speaker"])) if view["detected"] else []
        view["comments"] = [_comment(c, names, review.user) for c in comments if c.moment == key]
        view["nudge"] = _nudge_on(m, nudges)
        moments.append(view)
    call = review.call
    return {
        "call": {
            "id": call.id,
            "title": call.title,
            "interviewer": names.get(call.owner_id or "", call.interviewer),
            "customer": call.customer,
            "created_at": call.created_at,
            "recording": call.recording,
        },
        "coach": review.coach,
        "moments": moments,
    }


@router.post("/api/calls/{call_id}/review/comments", status_code=status.HTTP_201_CREATED)
async def add_comment(call_id: str, body: CommentIn, live: LiveDep, review: ReviewCall) -> dict[str, Any]:
    """A coach's comment on a moment (with an optional better question), or an answer to one."""
    store = coaching(live)
    if body.parent is not None:
        parent = await live.store.run(store.comment, body.parent)
        if parent is None or parent.call_id != call_id or parent.moment != body.moment:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NO_COMMENT)
    elif not review.coach:
        raise HTTPException(status.HTTP_403_FORBIDDEN, ANSWER_ONLY)
    _find(await _report(live, call_id), body.moment)
    text = body.body.strip()
    if not text:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Write something first.")
    row = await live.store.run(
        lambda: store.add_comment(
            call_id=call_id,
            moment=body.moment,
            author_id=review.user.id,
            body=text,
            suggestion=_clean(body.suggestion) if review.coach else None,
            parent_id=body.parent,
        )
    )
    return _comment(row, await _names(live), review.user)


@router.put("/api/calls/{call_id}/review/marks")
async def set_mark(call_id: str, body: MarkIn, live: LiveDep, review: CoachCall) -> dict[str, Any]:
    """Mark a moment reviewed, or a good example (a strong moment worth showing others)."""
    _find(await _report(live, call_id), body.moment)
    store = coaching(live)
    row = await live.store.run(
        lambda: store.set_mark(
            call_id, body.moment, review.user.id, reviewed=body.reviewed, good_example=body.good_example
        )
    )
    return {"moment": row.moment, "reviewed": row.reviewed, "good_example": row.good_example}


def _override_out(review: Review, key: str, question: str | None, flags: list[str]) -> dict[str, Any]:
    return {"moment": key, "question": question, "flags": flags, "by": review.user.name}


@router.put("/api/calls/{call_id}/review/overrides")
async def set_override(call_id: str, body: OverrideIn, live: LiveDep, review: CoachCall) -> dict[str, Any]:
    """Correct the detectors on a moment's line ("not a closed question"): stored as a label with
    the line's speaker and words, and what the detectors had said."""
    report = await _report(live, call_id)
    found = detected(report, _find(report, body.moment))
    if found is None:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "This moment is not a line of speech, so there is nothing to correct.",
        )
    allowed = allowed_flags(found.speaker)
    wrong = [f for f in body.flags if f not in allowed]
    if wrong:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"A {found.speaker}'s line cannot carry {', '.join(wrong)}; choose from {', '.join(allowed)}.",
        )
    question = body.question if found.speaker == "interviewer" else None
    if body.question is not None and question is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Only the interviewer's lines have a question form.")
    flags = [f for f in allowed if f in body.flags]  # one order, no repeats
    store = coaching(live)
    await live.store.run(
        lambda: store.set_override(
            call_id,
            body.moment,
            review.user.id,
            speaker=found.speaker,
            text=found.text,
            question=question,
            flags=flags,
            detected={"question": found.question, "flags": list(found.flags)},
            note=_clean(body.note),
        )
    )
    return _override_out(review, body.moment, question, flags)


@router.delete("/api/calls/{call_id}/review/overrides", status_code=status.HTTP_204_NO_CONTENT)
async def remove_override(call_id: str, moment: str, live: LiveDep, review: CoachCall) -> Response:
    """Take an override back: the detectors' verdict stands again."""
    if not await live.store.run(coaching(live).remove_override, call_id, moment):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_MOMENT)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/api/calls/{call_id}/review/comments/{comment_id}/taken")
async def take_on_board(
    call_id: str, comment_id: str, body: TakenIn, live: LiveDep, grant: OwnCall
) -> dict[str, Any]:
    """The interviewer marks a comment on their call as taken on board (or not)."""
    row = await live.store.run(coaching(live).take_on_board, call_id, comment_id, body.taken)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_COMMENT)
    return {"id": row.id, "taken": row.taken_at is not None}


# --- the interviewer's inbox -----------------------------------------------------------------------
@router.get("/api/inbox")
async def inbox(live: LiveDep, user: CurrentUser) -> dict[str, Any]:
    """The comments on the signed-in member's calls, grouped by call and moment, newest call first."""
    rows = await live.store.run(coaching(live).inbox, user.id)
    names = await _names(live)
    calls: dict[str, dict[str, Any]] = {}
    for c, call, read in rows:
        entry = calls.setdefault(
            call.id, {"id": call.id, "title": call.title, "created_at": call.created_at, "moments": {}}
        )
        kind, at = moment_label(c.moment)
        moment = entry["moments"].setdefault(
            c.moment, {"key": c.moment, "label": kind, "time": at, "comments": []}
        )
        moment["comments"].append(_comment(c, names, user, read or c.author_id == user.id))
    out = [{**call, "moments": list(call["moments"].values())} for call in calls.values()]
    unread = sum(1 for c, _, read in rows if not read and c.author_id != user.id)
    return {"calls": out, "unread": unread}


@router.get("/api/inbox/unread")
async def inbox_unread(live: LiveDep, user: CurrentUser) -> dict[str, int]:
    """How many comments on the member's calls they have not read (the home page shows it)."""
    return {"unread": await live.store.run(coaching(live).unread, user.id)}


@router.post("/api/inbox/read")
async def inbox_read(body: ReadIn, live: LiveDep, user: CurrentUser) -> dict[str, int]:
    """Mark comments on the member's calls read (all of them without `ids`)."""
    store = coaching(live)
    mine = {c.id for c, _, _ in await live.store.run(store.inbox, user.id)}
    wanted = mine if body.ids is None else mine & set(body.ids)
    await live.store.run(store.mark_read, user.id, wanted)
    return {"unread": await live.store.run(store.unread, user.id)}


# --- overrides as training labels ------------------------------------------------------------------
@router.get("/api/overrides.jsonl", response_class=PlainTextResponse)
async def export_overrides(live: LiveDep, user: CoachUser) -> PlainTextResponse:
    """The coaches' overrides in the interview-lines JSONL format: those on the calls this coach
    coaches (every override for an admin)."""
    owners = None if user.role == "admin" else await live.store.run(live.accounts.coachees, user.id)
    rows = await live.store.run(lambda: coaching(live).overrides(owners=owners))
    return PlainTextResponse(
        to_jsonl(rows),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="secondear-overrides.jsonl"'},
    )


# --- pages -----------------------------------------------------------------------------------------
@router.get("/review", dependencies=[Public], include_in_schema=False)
async def review_list_page() -> FileResponse:
    # Holds no data: its script asks the API, which checks.
    return page("review.html")


@router.get("/review/{call_id}", include_in_schema=False)
async def review_page(call_id: str, review: ReviewCall) -> FileResponse:
    return page("review.html")


@router.get("/inbox", dependencies=[Public], include_in_schema=False)
async def inbox_page() -> FileResponse:
    return page("inbox.html")
