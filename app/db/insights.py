"""What the trends, team and study pages read and write: each ended call's trend figures, and
studies with their calls and imported transcripts. Synchronous, like `Repository`; the server runs
it on the store's thread (`Store.run`)."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import sessionmaker

from app.db.repository import new_id
from app.db.tables import (
    CallFiguresRow,
    CallRow,
    CoachingRow,
    StudyCallRow,
    StudyRow,
    StudyTranscriptRow,
    UserRow,
)


@dataclass(frozen=True, slots=True)
class CallFigures:
    """An ended call as the trends read it; `figures` None when not computed for its current seq."""

    call_id: str
    title: str
    created_at: float
    owner_id: str | None
    seq: int
    figures: dict[str, float | None] | None


@dataclass(frozen=True, slots=True)
class StudyCall:
    call_id: str
    title: str
    interviewer: str
    created_at: float
    seq: int


class Insights:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # --- people -------------------------------------------------------------------------------
    def users_by_id(self, ids: Collection[str]) -> dict[str, UserRow]:
        if not ids:
            return {}
        with self._sessions() as s:
            return {u.id: u for u in s.scalars(select(UserRow).where(UserRow.id.in_(list(ids))))}

    def owners_with_calls(self) -> list[str]:
        """Every account that owns an ended call (an admin's view of the team)."""
        with self._sessions() as s:
            query = select(CallRow.owner_id).where(CallRow.status == "ended", CallRow.owner_id.is_not(None))
            return sorted({str(o) for o in s.scalars(query.distinct())})

    def coachees(self, coach_id: str) -> list[str]:
        with self._sessions() as s:
            return list(s.scalars(select(CoachingRow.interviewer_id).where(CoachingRow.coach_id == coach_id)))

    # --- trend figures ------------------------------------------------------------------------
    def call_figures(self, owner_ids: Collection[str] | None) -> list[CallFigures]:
        """The ended calls of `owner_ids` (None: of every owner), oldest first, with their stored
        figures where those were computed at the call's current sequence number."""
        query = (
            select(
                CallRow.id,
                CallRow.title,
                CallRow.created_at,
                CallRow.owner_id,
                CallRow.seq,
                CallFiguresRow.figures,
                CallFiguresRow.seq,
            )
            .outerjoin(CallFiguresRow, CallFiguresRow.call_id == CallRow.id)
            .where(CallRow.status == "ended")
            .order_by(CallRow.created_at, CallRow.id)
        )
        if owner_ids is None:
            query = query.where(CallRow.owner_id.is_not(None))
        else:
            if not owner_ids:
                return []
            query = query.where(CallRow.owner_id.in_(list(owner_ids)))
        with self._sessions() as s:
            return [
                CallFigures(cid, title, created, owner, seq, figures if fseq == seq else None)
                for cid, title, created, owner, seq, figures, fseq in s.execute(query)
            ]

    def figures_version(self) -> tuple[object, ...]:
        """Changes whenever an ended call, its sequence number or its kept figures change: what the
        trends and team answers are cached under."""
        query = (
            select(
                func.count(CallRow.id),
                func.sum(CallRow.seq),
                func.max(CallRow.created_at),
                func.count(CallFiguresRow.call_id),
                func.max(CallFiguresRow.computed_at),
            )
            .select_from(CallRow)
            .outerjoin(CallFiguresRow, CallFiguresRow.call_id == CallRow.id)
            .where(CallRow.status == "ended")
        )
        with self._sessions() as s:
            row = s.execute(query).one()
            return tuple(row)

    def save_figures(
        self, call_id: str, owner_id: str | None, seq: int, figures: Mapping[str, float | None]
    ) -> None:
        with self._sessions.begin() as s:
            row = s.get(CallFiguresRow, call_id)
            if row is None:
                if s.get(CallRow, call_id) is None:
                    return  # deleted meanwhile
                row = CallFiguresRow(call_id=call_id)
                s.add(row)
            row.owner_id, row.seq, row.figures = owner_id, seq, dict(figures)
            row.computed_at = time.time()

    # --- studies ------------------------------------------------------------------------------
    def create_study(self, owner_id: str, title: str) -> StudyRow:
        row = StudyRow(id=new_id("s"), owner_id=owner_id, title=title, created_at=time.time())
        with self._sessions.begin() as s:
            s.add(row)
        return row

    def studies(self, owner_id: str | None) -> list[tuple[StudyRow, int]]:
        """Studies (of `owner_id`; None: all), newest first, each with how many interviews it holds."""
        with self._sessions() as s:
            query = select(StudyRow).order_by(StudyRow.created_at.desc())
            if owner_id is not None:
                query = query.where(StudyRow.owner_id == owner_id)
            rows = list(s.scalars(query))
            counts: dict[str, int] = {}
            ids = [r.id for r in rows]
            if ids:
                for table in (StudyCallRow, StudyTranscriptRow):
                    for sid in s.scalars(select(table.study_id).where(table.study_id.in_(ids))):
                        counts[sid] = counts.get(sid, 0) + 1
            return [(r, counts.get(r.id, 0)) for r in rows]

    def get_study(self, study_id: str) -> StudyRow | None:
        with self._sessions() as s:
            return s.get(StudyRow, study_id)

    def delete_study(self, study_id: str) -> None:
        with self._sessions.begin() as s:
            for table in (StudyCallRow, StudyTranscriptRow):
                s.execute(delete(table).where(table.study_id == study_id))
            s.execute(delete(StudyRow).where(StudyRow.id == study_id))

    def study_calls(self, study_id: str) -> list[StudyCall]:
        query = (
            select(CallRow.id, CallRow.title, CallRow.interviewer, CallRow.created_at, CallRow.seq)
            .join(StudyCallRow, StudyCallRow.call_id == CallRow.id)
            .where(StudyCallRow.study_id == study_id)
            .order_by(CallRow.created_at, CallRow.id)
        )
        with self._sessions() as s:
            return [StudyCall(*row) for row in s.execute(query)]

    def add_study_call(self, study_id: str, call_id: str) -> bool:
        """False when the call was in the study already."""
        with self._sessions.begin() as s:
            if s.get(StudyCallRow, (study_id, call_id)) is not None:
                return False
            s.add(StudyCallRow(study_id=study_id, call_id=call_id, added_at=time.time()))
            return True

    def remove_study_call(self, study_id: str, call_id: str) -> bool:
        with self._sessions.begin() as s:
            row = s.get(StudyCallRow, (study_id, call_id))
            if row is None:
                return False
            s.delete(row)
            return True

    def study_transcripts(self, study_id: str) -> list[StudyTranscriptRow]:
        query = (
            select(StudyTranscriptRow)
            .where(StudyTranscriptRow.study_id == study_id)
            .order_by(StudyTranscriptRow.added_at, StudyTranscriptRow.id)
        )
        with self._sessions() as s:
            return list(s.scalars(query))

    def transcript_names(self, study_id: str) -> list[tuple[str, str]]:
        """(id, name) of the study's transcripts, without their reports."""
        query = (
            select(StudyTranscriptRow.id, StudyTranscriptRow.name)
            .where(StudyTranscriptRow.study_id == study_id)
            .order_by(StudyTranscriptRow.added_at, StudyTranscriptRow.id)
        )
        with self._sessions() as s:
            return [(str(i), str(n)) for i, n in s.execute(query)]

    def add_study_transcript(self, study_id: str, name: str, report: dict[str, Any]) -> StudyTranscriptRow:
        row = StudyTranscriptRow(
            id=new_id("t"), study_id=study_id, name=name, report=report, added_at=time.time()
        )
        with self._sessions.begin() as s:
            s.add(row)
        return row

    def remove_study_transcript(self, study_id: str, transcript_id: str) -> bool:
        with self._sessions.begin() as s:
            row = s.get(StudyTranscriptRow, transcript_id)
            if row is None or row.study_id != study_id:
                return False
            s.delete(row)
            return True

    def set_problem_statement(self, study_id: str, text: str | None) -> None:
        with self._sessions.begin() as s:
            row = s.get(StudyRow, study_id)
            if row is not None:
                row.problem_statement = text

    def save_synthesis(self, study_id: str, key: str, synthesis: dict[str, Any]) -> None:
        with self._sessions.begin() as s:
            row = s.get(StudyRow, study_id)
            if row is not None:
                row.synthesis_key, row.synthesis = key, synthesis
