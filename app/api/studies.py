"""Studies: a series of interviews about one problem (calls on this server and imported
transcripts) and what they say together: clusters of pains and workarounds with their quotes,
repeated phrases, what customers did apart from what they say they would do, and a problem
statement people can edit. Exports as Markdown and CSV.

A study is its owner's (admins may read it). A call joins a study only when its owner may open
that call."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, BeforeValidator, Field

from app.api.calls import OneLine
from app.auth.audit import record_audit
from app.auth.principal import PrincipalDep
from app.auth.rules import NO_CALL, CurrentUser, grant_for, rule
from app.calls.ports import TaggerLike
from app.db.tables import StudyRow
from app.deps import Live, LiveDep
from app.insights.figures import insights
from app.insights.sources import TRANSCRIPT_SUFFIXES, SourceError, analyze_transcript
from app.insights.study import ProblemStatement, study_from_dict
from app.insights.study_render import render_study
from app.insights.synthesis import synthesis
from nlp.types import Tag, Utterance

router = APIRouter(prefix="/api/studies", tags=["studies"])

NO_STUDY = "No study with this id, or not one you can open or change: check the link."
NO_TRANSCRIPT = "This study has no transcript with this id."
TRANSCRIPT_MAX_CHARS = 2_000_000
BAD_TRANSCRIPT_NAME = "A transcript is a .jsonl, .vtt or .txt file (what `secondear analyze` reads)."
EXPORT_MEDIA = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _study_rule(level: Literal["read", "owner"]) -> Any:
    """The rule of a route on one study (`{study_id}` in its path): `read` its owner and admins,
    `owner` its owner only. Anyone else gets the same 404 as for a study that does not exist."""

    @rule(f"study:{level}")
    async def study_access(study_id: str, user: CurrentUser, live: LiveDep) -> StudyRow:
        row = await live.store.run(insights(live).get_study, study_id)
        allowed = row is not None and (row.owner_id == user.id or (level == "read" and user.role == "admin"))
        if row is None or not allowed:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NO_STUDY)
        return row

    return Depends(study_access)


ReadStudy = Annotated[StudyRow, _study_rule("read")]
OwnStudy = Annotated[StudyRow, _study_rule("owner")]


class StudyCreate(BaseModel):
    title: OneLine = Field(min_length=1, max_length=200, description="The problem the interviews are about.")


class TranscriptIn(BaseModel):
    name: OneLine = Field(min_length=5, max_length=200, description="The file's name, e.g. `acme.vtt`.")
    text: str = Field(max_length=TRANSCRIPT_MAX_CHARS, description="The file's text.")


def _problem_text(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


class ProblemIn(BaseModel):
    text: Annotated[str | None, BeforeValidator(_problem_text)] = Field(
        default=None, max_length=1000, description="The problem in one sentence; empty: back to the draft."
    )


def _study_out(row: StudyRow, interviews: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "title": row.title,
        "created_at": row.created_at,
        "url": f"/studies/{row.id}",
    }
    if interviews is not None:
        out["interviews"] = interviews
    return out


@router.get("")
async def list_studies(live: LiveDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Your studies, newest first (an admin: everyone's)."""
    rows = await live.store.run(insights(live).studies, None if user.role == "admin" else user.id)
    return [_study_out(row, n) for row, n in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_study(body: StudyCreate, live: LiveDep, user: CurrentUser) -> dict[str, Any]:
    row = await live.store.run(insights(live).create_study, user.id, body.title)
    return _study_out(row, 0)


@router.get("/{study_id}")
async def get_study(study: ReadStudy, live: LiveDep) -> dict[str, Any]:
    """The study with its calls and transcripts (not its synthesis: GET …/synthesis)."""
    ins = insights(live)
    calls = await live.store.run(ins.study_calls, study.id)
    names = await live.store.run(ins.transcript_names, study.id)
    return {
        **_study_out(study, len(calls) + len(names)),
        "problem_statement": study.problem_statement,
        "calls": [
            {
                "id": c.call_id,
                "title": c.title,
                "interviewer": c.interviewer,
                "date": time.strftime("%Y-%m-%d", time.localtime(c.created_at)),
                "report": f"/report/{c.call_id}",
            }
            for c in calls
        ],
        "transcripts": [{"id": t, "name": n} for t, n in names],
    }


@router.delete("/{study_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_study(study: OwnStudy, live: LiveDep) -> Response:
    await live.store.run(insights(live).delete_study, study.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _readable_call(live: Live, call_id: str, principal: Any) -> None:
    call = await live.store.run(live.repo.get_call, call_id)
    if call is None or await grant_for(live, call, principal) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CALL)


@router.put("/{study_id}/calls/{call_id}")
async def add_call(call_id: str, study: OwnStudy, live: LiveDep, principal: PrincipalDep) -> dict[str, Any]:
    """Add one of the calls you can open to the study."""
    await _readable_call(live, call_id, principal)
    added = await live.store.run(insights(live).add_study_call, study.id, call_id)
    return {"call_id": call_id, "added": added}


@router.delete("/{study_id}/calls/{call_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_call(call_id: str, study: OwnStudy, live: LiveDep) -> Response:
    if not await live.store.run(insights(live).remove_study_call, study.id, call_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This call is not in the study.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class _ManyTagger:
    """`tag_many` over the server's tagger (the real one batches; one with only `tag` works too)."""

    def __init__(self, tagger: TaggerLike) -> None:
        self._tagger = tagger

    def tag_many(self, utterances: Sequence[Utterance]) -> list[Tag]:
        many = getattr(self._tagger, "tag_many", None)
        if many is not None:
            return list(many(utterances))
        return [self._tagger.tag(u) for u in utterances]


def _analyze(name: str, text: str, live: Live) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="secondear-upload-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            return analyze_transcript(path, cast(Any, _ManyTagger(live.calls.services.tagger)))
        except SourceError as exc:
            # The message names the temporary file; the person knows it by its own name.
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc).replace(str(path), name)) from None


@router.post("/{study_id}/transcripts", status_code=status.HTTP_201_CREATED)
async def add_transcript(body: TranscriptIn, study: OwnStudy, live: LiveDep) -> dict[str, Any]:
    """Import a transcript file (JSONL, WebVTT or plain text, as `secondear analyze` reads them)."""
    name = Path(body.name).name
    if Path(name).suffix.lower() not in TRANSCRIPT_SUFFIXES or name.startswith("."):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, BAD_TRANSCRIPT_NAME)
    if not body.text.strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{name} is empty.")
    report = await asyncio.to_thread(_analyze, name, body.text, live)
    row = await live.store.run(insights(live).add_study_transcript, study.id, Path(name).stem, report)
    return {"id": row.id, "name": row.name}


@router.delete("/{study_id}/transcripts/{transcript_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_transcript(transcript_id: str, study: OwnStudy, live: LiveDep) -> Response:
    if not await live.store.run(insights(live).remove_study_transcript, study.id, transcript_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_TRANSCRIPT)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{study_id}/synthesis")
async def get_synthesis(study: ReadStudy, live: LiveDep) -> dict[str, Any]:
    """What the study's interviews say together (made again only when its content changed), with
    the problem statement as edited (`problem_statement.edited`)."""
    data = dict(await synthesis(live, study))
    drafted = data.get("problem_statement")
    if study.problem_statement:
        data["problem_statement"] = {
            "text": study.problem_statement,
            "quotes": drafted["quotes"] if drafted else [],
            "edited": True,
            "draft": drafted["text"] if drafted else None,
        }
    elif drafted:
        data["problem_statement"] = {**drafted, "edited": False, "draft": drafted["text"]}
    return data


@router.put("/{study_id}/problem")
async def set_problem(body: ProblemIn, study: OwnStudy, live: LiveDep) -> dict[str, Any]:
    """Save the problem statement as edited (empty: back to the drafted one)."""
    text = body.text or None
    await live.store.run(insights(live).set_problem_statement, study.id, text)
    return {"text": text, "edited": text is not None}


@router.get(
    "/{study_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/csv": {}}}},
)
async def export(
    study: ReadStudy,
    live: LiveDep,
    principal: PrincipalDep,
    format: Annotated[Literal["md", "csv"], Query(description="Markdown or CSV.")] = "md",
) -> Response:
    """The synthesis as Markdown, or its clusters' quotes as CSV (cluster, kind, quote, interview, time).
    The customers' words leave the server: the audit log records an export of each of its calls."""
    result = study_from_dict(await synthesis(live, study))
    actor = principal.user.email if principal.user else "unknown"
    for c in await live.store.run(insights(live).study_calls, study.id):
        await record_audit(live, actor, "export", c.call_id, f"study {study.id} ({format})")
    if study.problem_statement:
        quotes = result.problem_statement.quotes if result.problem_statement else ()
        edited = ProblemStatement(study.problem_statement, quotes)
        result = dataclasses.replace(result, problem_statement=edited)
    text = render_study(result, format)
    filename = f"study-{study.id}.{format}"
    return Response(
        content=text,
        media_type=EXPORT_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
