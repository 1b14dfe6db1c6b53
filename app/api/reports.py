"""A call's report: `GET /api/calls/{id}/report?format=json|md|html|vtt`, and the report page.

Both take `swap=true` (the interviewer and the customer were the wrong way round) and
`interviewer_name=` / `customer_name=` (new names): the report is computed again with them.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse, Response

from app.auth.audit import record_audit
from app.auth.principal import PrincipalDep
from app.auth.rules import ReadCall, ShareAccess
from app.calls.report import call_report, tagged_utterances
from app.calls.timing import timing_rules
from app.coaching.store import coaching
from app.db.tables import CallRow
from app.deps import Live, LiveDep
from app.reports import render, render_vtt
from app.reports.debrief import Debrief, DebriefError
from app.reports.speakers import OTHER, SpeakerFix, fixed_names
from nlp.types import Speaker, Tag, Utterance

router = APIRouter(tags=["reports"])

MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}
EXPORTS = {"Markdown": "md", "HTML": "html", "JSON": "json", "WebVTT": "vtt"}


SwapQuery = Annotated[bool, Query(description="Swap the interviewer and the customer.")]
NameQuery = Annotated[str | None, Query(max_length=80, description="A new name for this speaker.")]


def speaker_fix(swap: bool, interviewer_name: str | None, customer_name: str | None) -> SpeakerFix:
    names: dict[Speaker, str] = {}
    for role, name in (("interviewer", interviewer_name), ("customer", customer_name)):
        if name is not None and name.strip():
            names[role] = " ".join(name.split())  # type: ignore[index]
    return SpeakerFix(swap=swap, names=names)


async def report_text(
    live: Live,
    row: CallRow,
    fmt: str,
    fix: SpeakerFix | None = None,
    *,
    shared: bool = False,
    token: str | None = None,
    review: bool = False,
) -> str:
    """The report of `row` in `fmt`, with the speakers fixed by `fix`; a `shared` one (an
    outsider's link) has no clips, no export links and no speaker form, which would need access
    to the call. A report read with a call link passes its `token` on to the clips and exports,
    which need it too. The page links to the call's debrief, and with `review` to its coach review."""
    call_id = row.id
    with_token = f"&token={quote(token)}" if token else ""
    history = await live.store.run(live.repo.history, call_id)
    if history is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No call with this id: check the link.")
    fix = fix or SpeakerFix()
    tagger = live.calls.services.tagger

    def retag(utterances: list[Utterance]) -> list[Tag]:
        return [tagger.tag(u) for u in utterances]

    if fmt == "vtt":
        interviewer, customer = fixed_names(row.interviewer, row.customer, fix)
        names = {"interviewer": interviewer or "Interviewer", "customer": customer or "Customer"}
        utterances = [t.utterance for t in tagged_utterances(history)]
        if fix.swap:
            utterances = [replace(u, speaker=OTHER[u.speaker]) for u in utterances]
        return render_vtt(utterances, names)  # type: ignore[arg-type]
    report = await asyncio.to_thread(call_report, history, timing_rules(live.settings), fix, retag)
    # The debrief people wrote after the call is part of the report, in every format.
    stored = await live.store.run(coaching(live).latest_debrief, call_id)
    if stored is not None:
        with contextlib.suppress(DebriefError):  # an unreadable one is left out, not a broken report
            report = replace(report, debrief=Debrief.from_dict(stored.data))
    clip_url = None
    if row.recording and not shared:

        def clip_url(start: float, end: float) -> str | None:
            return f"/api/calls/{call_id}/clip?start={start:.2f}&end={end:.2f}{with_token}"

    query = "".join(
        f"&{key}={quote(value)}"
        for key, value in (
            ("swap", "true" if fix.swap else ""),
            ("interviewer_name", fix.names.get("interviewer", "")),
            ("customer_name", fix.names.get("customer", "")),
        )
        if value
    )
    if shared:
        return render(report, fmt, clip_url=clip_url, exports={})  # type: ignore[arg-type]
    exports = {
        label: f"/api/calls/{call_id}/report?format={f}{query}{with_token}" for label, f in EXPORTS.items()
    }
    actions = {"Debrief": f"/debrief/{call_id}" + (f"?token={quote(token)}" if token else "")}
    if review:
        actions["Coach review"] = f"/review/{call_id}"
    return render(
        report,
        fmt,  # type: ignore[arg-type]
        clip_url=clip_url,
        exports=exports,
        fix_form=fix,
        actions=actions,
    )


@router.get(
    "/api/calls/{call_id}/report",
    response_class=Response,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()}}},
)
async def get_report(
    call_id: str,
    live: LiveDep,
    grant: ReadCall,
    format: Annotated[
        Literal["json", "md", "html", "vtt"], Query(description="The report's format.")
    ] = "json",
    swap: SwapQuery = False,
    interviewer_name: NameQuery = None,
    customer_name: NameQuery = None,
) -> Response:
    """The same report as `secondear analyze`, from what the call stored so far (it may be live)."""
    fix = speaker_fix(swap, interviewer_name, customer_name)
    text = await report_text(live, grant.call, format, fix)
    await record_audit(live, grant.actor, "view" if format == "html" else "export", call_id, format)
    headers = {}
    if format in ("md", "vtt", "json"):
        headers["Content-Disposition"] = f'inline; filename="secondear-{call_id}.{format}"'
    return Response(content=text, media_type=MEDIA[format], headers=headers)


@router.get("/report/{call_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_page(
    call_id: str,
    live: LiveDep,
    grant: ReadCall,
    principal: PrincipalDep,
    swap: SwapQuery = False,
    interviewer_name: NameQuery = None,
    customer_name: NameQuery = None,
) -> HTMLResponse:
    fix = speaker_fix(swap, interviewer_name, customer_name)
    user = principal.user
    review = user is not None and (
        grant.owner
        or user.role == "admin"
        or (
            user.role == "coach"
            and await live.store.run(live.accounts.is_coach_of, user.id, grant.call.owner_id)
        )
    )
    page = HTMLResponse(
        await report_text(live, grant.call, "html", fix, token=grant.link_token, review=review)
    )
    await record_audit(live, grant.actor, "view", call_id, "report page")
    return page


@router.get("/shared/{share_token}", response_class=HTMLResponse, include_in_schema=False)
async def shared_report_page(shared: ShareAccess, live: LiveDep) -> HTMLResponse:
    """A report share: the report page, read-only, for someone without an account."""
    page = HTMLResponse(await report_text(live, shared.call, "html", shared=True))
    await record_audit(live, f"report share {shared.share.id}", "view", shared.call.id, "shared report")
    return page
