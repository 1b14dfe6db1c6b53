"""What happens after a call, in the store: debrief versions, review comments and who read them,
coaches' marks on moments, and their overrides of the detectors. Synchronous, like `Repository`;
the server runs it on the store's thread (`Store.run`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from app.db.repository import new_id
from app.db.tables import (
    CallRow,
    DebriefVersionRow,
    MomentMarkRow,
    NudgeRow,
    OverrideRow,
    ReviewCommentRow,
    ReviewReadRow,
)


class Coaching:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # --- debriefs ------------------------------------------------------------------------------
    def latest_debrief(self, call_id: str) -> DebriefVersionRow | None:
        with self._sessions() as s:
            return s.scalar(
                select(DebriefVersionRow)
                .where(DebriefVersionRow.call_id == call_id)
                .order_by(DebriefVersionRow.version.desc())
                .limit(1)
            )

    def debrief_version(self, call_id: str, version: int) -> DebriefVersionRow | None:
        with self._sessions() as s:
            return s.get(DebriefVersionRow, (call_id, version))

    def debrief_number(self, call_id: str) -> int:
        """The latest version's number (0: never saved); what the pages poll."""
        with self._sessions() as s:
            found = s.scalar(
                select(func.max(DebriefVersionRow.version)).where(DebriefVersionRow.call_id == call_id)
            )
            return int(found or 0)

    def add_debrief(self, call_id: str, version: int, data: dict[str, Any], by: str) -> bool:
        """Store `version`; False when another save took that number first (the caller merges
        again on top of it)."""
        try:
            with self._sessions.begin() as s:
                s.add(
                    DebriefVersionRow(
                        call_id=call_id, version=version, data=data, saved_by=by, saved_at=time.time()
                    )
                )
        except IntegrityError:
            return False
        return True

    # --- review comments -------------------------------------------------------------------------
    def add_comment(
        self,
        *,
        call_id: str,
        moment: str,
        author_id: str,
        body: str,
        suggestion: str | None = None,
        parent_id: str | None = None,
    ) -> ReviewCommentRow:
        row = ReviewCommentRow(
            id=new_id("r"),
            call_id=call_id,
            moment=moment,
            parent_id=parent_id,
            author_id=author_id,
            body=body,
            suggestion=suggestion,
            created_at=time.time(),
            taken_at=None,
        )
        with self._sessions.begin() as s:
            s.add(row)
            # The author has read what they wrote.
            s.add(ReviewReadRow(user_id=author_id, comment_id=row.id, read_at=row.created_at))
        return row

    def comment(self, comment_id: str) -> ReviewCommentRow | None:
        with self._sessions() as s:
            return s.get(ReviewCommentRow, comment_id)

    def comments(self, call_id: str) -> list[ReviewCommentRow]:
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(ReviewCommentRow)
                    .where(ReviewCommentRow.call_id == call_id)
                    .order_by(ReviewCommentRow.created_at, ReviewCommentRow.id)
                )
            )

    def take_on_board(self, call_id: str, comment_id: str, taken: bool = True) -> ReviewCommentRow | None:
        with self._sessions.begin() as s:
            row = s.get(ReviewCommentRow, comment_id)
            if row is None or row.call_id != call_id:
                return None
            row.taken_at = (row.taken_at or time.time()) if taken else None
            return row

    # --- the interviewer's inbox -----------------------------------------------------------------
    def inbox(self, user_id: str, limit: int = 500) -> list[tuple[ReviewCommentRow, CallRow, bool]]:
        """Every comment on the calls `user_id` owns, newest call first, each with whether they
        have read it."""
        read = select(ReviewReadRow.comment_id).where(ReviewReadRow.user_id == user_id)
        with self._sessions() as s:
            rows = s.execute(
                select(ReviewCommentRow, CallRow, ReviewCommentRow.id.in_(read))
                .join(CallRow, CallRow.id == ReviewCommentRow.call_id)
                .where(CallRow.owner_id == user_id)
                .order_by(CallRow.created_at.desc(), ReviewCommentRow.created_at, ReviewCommentRow.id)
                .limit(limit)
            )
            return [(c, call, bool(seen)) for c, call, seen in rows]

    def unread(self, user_id: str) -> int:
        """Comments by others on the calls `user_id` owns that they have not read yet."""
        read = select(ReviewReadRow.comment_id).where(ReviewReadRow.user_id == user_id)
        with self._sessions() as s:
            found = s.scalar(
                select(func.count())
                .select_from(ReviewCommentRow)
                .join(CallRow, CallRow.id == ReviewCommentRow.call_id)
                .where(
                    CallRow.owner_id == user_id,
                    ReviewCommentRow.author_id != user_id,
                    ReviewCommentRow.id.not_in(read),
                )
            )
            return int(found or 0)

    def mark_read(self, user_id: str, comment_ids: Iterable[str]) -> int:
        """Mark comments read; returns how many were new."""
        wanted = set(comment_ids)
        if not wanted:
            return 0
        now = time.time()
        with self._sessions.begin() as s:
            seen = set(
                s.scalars(
                    select(ReviewReadRow.comment_id).where(
                        ReviewReadRow.user_id == user_id, ReviewReadRow.comment_id.in_(wanted)
                    )
                )
            )
            exist = set(s.scalars(select(ReviewCommentRow.id).where(ReviewCommentRow.id.in_(wanted))))
            fresh = sorted((wanted & exist) - seen)
            s.add_all(ReviewReadRow(user_id=user_id, comment_id=c, read_at=now) for c in fresh)
            return len(fresh)

    # --- marks on moments ---------------------------------------------------------------------------
    def marks(self, call_id: str) -> dict[str, MomentMarkRow]:
        with self._sessions() as s:
            rows = s.scalars(select(MomentMarkRow).where(MomentMarkRow.call_id == call_id))
            return {r.moment: r for r in rows}

    def set_mark(
        self,
        call_id: str,
        moment: str,
        by: str,
        *,
        reviewed: bool | None = None,
        good_example: bool | None = None,
    ) -> MomentMarkRow:
        with self._sessions.begin() as s:
            row = s.get(MomentMarkRow, (call_id, moment))
            if row is None:
                row = MomentMarkRow(call_id=call_id, moment=moment, reviewed=False, good_example=False)
                s.add(row)
            if reviewed is not None:
                row.reviewed = reviewed
            if good_example is not None:
                row.good_example = good_example
            row.by, row.at = by, time.time()
            return row

    def good_examples(
        self, owners: Sequence[str] | None, limit: int = 100
    ) -> list[tuple[MomentMarkRow, CallRow]]:
        """Moments marked as good examples, newest mark first: on the calls of `owners`, or all."""
        query = (
            select(MomentMarkRow, CallRow)
            .join(CallRow, CallRow.id == MomentMarkRow.call_id)
            .where(MomentMarkRow.good_example.is_(True))
            .order_by(MomentMarkRow.at.desc())
            .limit(limit)
        )
        if owners is not None:
            query = query.where(CallRow.owner_id.in_(owners))
        with self._sessions() as s:
            return [(mark, call) for mark, call in s.execute(query)]

    def reviewed_moments(self, call_ids: Sequence[str]) -> dict[str, set[str]]:
        """call id -> the moments marked reviewed or commented on (by anyone)."""
        if not call_ids:
            return {}
        found: dict[str, set[str]] = {c: set() for c in call_ids}
        with self._sessions() as s:
            for call_id, moment in s.execute(
                select(MomentMarkRow.call_id, MomentMarkRow.moment).where(
                    MomentMarkRow.call_id.in_(call_ids), MomentMarkRow.reviewed.is_(True)
                )
            ):
                found[call_id].add(moment)
            for call_id, moment in s.execute(
                select(ReviewCommentRow.call_id, ReviewCommentRow.moment).where(
                    ReviewCommentRow.call_id.in_(call_ids)
                )
            ):
                found[call_id].add(moment)
        return found

    def nudges(self, call_id: str) -> list[NudgeRow]:
        """The call's nudges, sent live or held back (to show on the moments they were about)."""
        with self._sessions() as s:
            return list(s.scalars(select(NudgeRow).where(NudgeRow.call_id == call_id).order_by(NudgeRow.at)))

    # --- overrides ----------------------------------------------------------------------------------
    def set_override(
        self,
        call_id: str,
        moment: str,
        by: str,
        *,
        speaker: str,
        text: str,
        question: str | None,
        flags: list[str],
        detected: dict[str, Any],
        note: str | None,
    ) -> OverrideRow:
        with self._sessions.begin() as s:
            row = s.get(OverrideRow, (call_id, moment))
            if row is None:
                row = OverrideRow(call_id=call_id, moment=moment, id=new_id("o"))
                s.add(row)
            row.speaker, row.text, row.question, row.flags = speaker, text, question, flags
            row.detected, row.note, row.by, row.at = detected, note, by, time.time()
            return row

    def remove_override(self, call_id: str, moment: str) -> bool:
        with self._sessions.begin() as s:
            row = s.get(OverrideRow, (call_id, moment))
            if row is None:
                return False
            s.delete(row)
            return True

    def overrides(
        self, *, call_id: str | None = None, owners: Sequence[str] | None = None
    ) -> list[OverrideRow]:
        """Overrides, oldest first: of one call, of the calls of `owners`, or all."""
        query = select(OverrideRow).order_by(OverrideRow.at, OverrideRow.id)
        if call_id is not None:
            query = query.where(OverrideRow.call_id == call_id)
        if owners is not None:
            owned = select(CallRow.id).where(CallRow.owner_id.in_(owners))
            query = query.where(OverrideRow.call_id.in_(owned))
        with self._sessions() as s:
            return list(s.scalars(query))
