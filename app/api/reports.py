"""A call's report: `GET /api/calls/{id}/report?format=json|md|html|vtt`, and the report page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse, Response

from app.auth.audit import record_audit
from app.auth.rules import ReadCall, ShareAccess
from app.calls.report import call_report, tagged_utterances
from app.calls.timing import timing_rules
from app.db.tables import CallRow
from app.deps import Live, LiveDep
from app.reports import render, render_vtt

router = APIRouter(tags=["reports"])

MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}
EXPORTS = {"Markdown": "md", "HTML": "html", "JSON": "json", "WebVTT": "vtt"}


async def report_text(
    live: Live, row: CallRow, fmt: str, *, shared: bool = False, token: str | None = None
) -> str:
    """The report of `row` in `fmt`; a `shared` one (an outsider's link) has no clips and no
    export links, which would need access to the call. A report read with a call link passes
    its `token` on to the clips and exports, which need it too."""
    call_id = row.id
    with_token = f"&token={quote(token)}" if token else ""
    history = await live.store.run(live.repo.history, call_id)
    if history is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No call with this id: check the link.")
    if fmt == "vtt":
        names = {"interviewer": row.interviewer, "customer": row.customer or "Customer"}
        return render_vtt([t.utterance for t in tagged_utterances(history)], names)  # type: ignore[arg-type]
    report = await asyncio.to_thread(call_report, history, timing_rules(live.settings))
    clip_url = None
    if row.recording and not shared:

        def clip_url(start: float, end: float) -> str | None:
            return f"/api/calls/{call_id}/clip?start={start:.2f}&end={end:.2f}{with_token}"

    exports = {label: f"/api/calls/{call_id}/report?format={f}{with_token}" for label, f in EXPORTS.items()}
    if shared:
        exports = {}
    return render(report, fmt, clip_url=clip_url, exports=exports)  # type: ignore[arg-type]


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
) -> Response:
    """The same report as `secondear analyze`, from what the call stored so far (it may be live)."""
    text = await report_text(live, grant.call, format)
    await record_audit(live, grant.actor, "view" if format == "html" else "export", call_id, format)
    headers = {}
    if format in ("md", "vtt", "json"):
        headers["Content-Disposition"] = f'inline; filename="secondear-{call_id}.{format}"'
    return Response(content=text, media_type=MEDIA[format], headers=headers)


@router.get("/report/{call_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_page(call_id: str, live: LiveDep, grant: ReadCall) -> HTMLResponse:
    page = HTMLResponse(await report_text(live, grant.call, "html", token=grant.link_token))
    await record_audit(live, grant.actor, "view", call_id, "report page")
    return page


@router.get("/shared/{share_token}", response_class=HTMLResponse, include_in_schema=False)
async def shared_report_page(shared: ShareAccess, live: LiveDep) -> HTMLResponse:
    """A report share: the report page, read-only, for someone without an account."""
    page = HTMLResponse(await report_text(live, shared.call, "html", shared=True))
    await record_audit(live, f"report share {shared.share.id}", "view", shared.call.id, "shared report")
    return page
