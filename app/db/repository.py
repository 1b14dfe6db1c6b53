"""Every read and write of the call store, one short transaction each.

`Repository` is synchronous; the server reaches it through `Store`, which runs every call
on one thread: SQLite serializes writers anyway, the writes of one call stay in order, and
the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import sessionmaker

from app.calls.messages import utterance_row
from app.db.tables import (
    CallFiguresRow,
    CallMemberRow,
    CallRow,
    DebriefVersionRow,
    IntervalRow,
    MarkRow,
    MomentMarkRow,
    NudgeRow,
    OverrideRow,
    ReportShareRow,
    ReviewCommentRow,
    ReviewReadRow,
    StudyCallRow,
    TrackRow,
    UtteranceRow,
)
from app.protocol import ROLES, SAMPLE_RATE, Role
from nlp.types import Speaker, TaggedUtterance

__all__ = ["ROLES", "CallHistory", "Repository", "Role", "Store", "new_id"]

P = ParamSpec("P")
T = TypeVar("T")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


@dataclass
class CallHistory:
    """Everything stored about one call, to rebuild it in memory after a restart."""

    call: CallRow
    utterances: list[UtteranceRow] = field(default_factory=list)
    intervals: list[IntervalRow] = field(default_factory=list)
    nudges: list[NudgeRow] = field(default_factory=list)
    marks: list[MarkRow] = field(default_factory=list)
    received: dict[str, int] = field(default_factory=dict)
    mixed: dict[str, bool] = field(default_factory=dict)
    """Tracks that hold both people (one microphone in the room)."""


class Repository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # --- calls --------------------------------------------------------------------------------
    def create_call(
        self,
        *,
        title: str,
        interviewer: str,
        customer: str | None,
        consent: bool,
        recording: bool,
        owner_id: str | None = None,
    ) -> tuple[CallRow, dict[Role, str]]:
        """A new live call and its three role tokens (only their hashes are stored)."""
        tokens: dict[Role, str] = {role: secrets.token_urlsafe(32) for role in ROLES}
        row = CallRow(
            id=new_id("c"),
            title=title,
            interviewer=interviewer,
            customer=customer,
            recording_consent=consent,
            recording=recording and consent,
            status="live",
            created_at=time.time(),
            ended_at=None,
            interviewer_token=hash_token(tokens["interviewer"]),
            buddy_token=hash_token(tokens["buddy"]),
            viewer_token=hash_token(tokens["viewer"]),
            seq=0,
            owner_id=owner_id,
        )
        with self._sessions.begin() as s:
            s.add(row)
        return row, tokens

    def import_call(
        self,
        *,
        title: str,
        interviewer: str,
        customer: str | None,
        owner_id: str | None,
        created_at: float,
        tagged: Sequence[TaggedUtterance],
    ) -> CallRow:
        """An ended call made of already tagged, timed turns, written in one transaction (the page
        bench fills a store this way; a transcript imported as a call would too). Each turn's time
        span is its speech interval; turns without times are skipped."""
        row, _ = self.create_call(
            title=title,
            interviewer=interviewer,
            customer=customer,
            consent=False,
            recording=False,
            owner_id=owner_id,
        )
        timed = [t for t in tagged if t.utterance.start is not None and t.utterance.end is not None]
        end = max((t.utterance.end or 0.0 for t in timed), default=0.0)
        with self._sessions.begin() as s:
            for seq, t in enumerate(timed, start=1):
                u = replace(t.utterance, id=new_id("u"))
                stored = utterance_row(row.id, u, t.tag)
                stored.seq = seq
                s.add(stored)
                s.add(IntervalRow(call_id=row.id, speaker=u.speaker, start=u.start, end=u.end))
            for track in ("interviewer", "customer"):
                s.add(TrackRow(call_id=row.id, track=track, received_samples=int(end * SAMPLE_RATE)))
            s.execute(
                update(CallRow)
                .where(CallRow.id == row.id)
                .values(status="ended", created_at=created_at, ended_at=created_at + end, seq=len(timed))
            )
        row.status, row.created_at, row.ended_at, row.seq = "ended", created_at, created_at + end, len(timed)
        return row

    def list_calls(self, limit: int = 200) -> list[CallRow]:
        with self._sessions() as s:
            return list(s.scalars(select(CallRow).order_by(CallRow.created_at.desc()).limit(limit)))

    def get_call(self, call_id: str) -> CallRow | None:
        with self._sessions() as s:
            return s.get(CallRow, call_id)

    def role_for(self, call: CallRow, token: str | None) -> Role | None:
        """The role a token grants on `call`, or None (compared in constant time)."""
        if not token:
            return None
        digest = hash_token(token)
        for role, stored in (
            ("interviewer", call.interviewer_token),
            ("buddy", call.buddy_token),
            ("viewer", call.viewer_token),
        ):
            if hmac.compare_digest(digest, stored):
                return role  # type: ignore[return-value]
        return None

    def end_call(self, call_id: str, seq: int) -> CallRow | None:
        with self._sessions.begin() as s:
            row = s.get(CallRow, call_id)
            if row is None:
                return None
            if row.status != "ended":
                row.status = "ended"
                row.ended_at = time.time()
            row.seq = max(row.seq, seq)
            return row

    def delete_call(self, call_id: str) -> bool:
        """Remove the call and every row about it; False when there was no such call.

        Each table is cleared by name rather than trusting ON DELETE CASCADE, which SQLite
        applies only with its foreign-key pragma on."""
        with self._sessions.begin() as s:
            if s.get(CallRow, call_id) is None:
                return False
            # The audit log keeps its rows: who saw or deleted the call outlives the call.
            comments = select(ReviewCommentRow.id).where(ReviewCommentRow.call_id == call_id)
            s.execute(delete(ReviewReadRow).where(ReviewReadRow.comment_id.in_(comments)))
            for after in (ReviewCommentRow, MomentMarkRow, OverrideRow, DebriefVersionRow):
                s.execute(delete(after).where(after.call_id == call_id))
            for table in (
                MarkRow, NudgeRow, IntervalRow, UtteranceRow, TrackRow, CallMemberRow, ReportShareRow,
                CallFiguresRow, StudyCallRow,
            ):  # fmt: skip
                s.execute(delete(table).where(table.call_id == call_id))
            s.execute(delete(CallRow).where(CallRow.id == call_id))
            return True

    def forget_recording(self, call_id: str) -> None:
        """The call's audio was deleted: it offers no clips any more."""
        with self._sessions.begin() as s:
            s.execute(update(CallRow).where(CallRow.id == call_id).values(recording=False))

    def ended_before(self, cutoff: float, *, recorded: bool = False) -> list[str]:
        """Ids of calls that ended before `cutoff` (Unix seconds); with `recorded`, only those
        that still hold a recording."""
        query = select(CallRow.id).where(CallRow.status == "ended", CallRow.ended_at < cutoff)
        if recorded:
            query = query.where(CallRow.recording.is_(True))
        with self._sessions() as s:
            return list(s.scalars(query))

    def live_created_before(self, cutoff: float) -> list[str]:
        """Ids of calls nobody ended, created before `cutoff` (Unix seconds)."""
        query = select(CallRow.id).where(CallRow.status != "ended", CallRow.created_at < cutoff)
        with self._sessions() as s:
            return list(s.scalars(query))

    def history(self, call_id: str) -> CallHistory | None:
        with self._sessions() as s:
            call = s.get(CallRow, call_id)
            if call is None:
                return None
            tracks = list(s.scalars(select(TrackRow).where(TrackRow.call_id == call_id)))
            return CallHistory(
                call=call,
                utterances=list(
                    s.scalars(
                        select(UtteranceRow).where(UtteranceRow.call_id == call_id).order_by(UtteranceRow.seq)
                    )
                ),
                intervals=list(
                    s.scalars(
                        select(IntervalRow).where(IntervalRow.call_id == call_id).order_by(IntervalRow.start)
                    )
                ),
                nudges=list(
                    s.scalars(select(NudgeRow).where(NudgeRow.call_id == call_id).order_by(NudgeRow.seq))
                ),
                marks=list(
                    s.scalars(select(MarkRow).where(MarkRow.call_id == call_id).order_by(MarkRow.seq))
                ),
                received={t.track: t.received_samples for t in tracks},
                mixed={t.track: t.mixed for t in tracks},
            )

    # --- what happens on a call, written as it happens ------------------------------------------
    def add(self, row: UtteranceRow | IntervalRow | NudgeRow | MarkRow, seq: int) -> None:
        """Store one row and advance the call's sequence number in the same transaction."""
        with self._sessions.begin() as s:
            s.add(row)
            s.execute(update(CallRow).where(CallRow.id == row.call_id, CallRow.seq < seq).values(seq=seq))

    def rate(self, mark: MarkRow, seq: int) -> bool:
        """Store a rating and set it on its nudge; False when the call has no such nudge."""
        with self._sessions.begin() as s:
            nudge = s.get(NudgeRow, mark.nudge_id) if mark.nudge_id else None
            if nudge is None or nudge.call_id != mark.call_id:
                return False
            nudge.helpful = mark.helpful
            s.add(mark)
            s.execute(update(CallRow).where(CallRow.id == mark.call_id, CallRow.seq < seq).values(seq=seq))
            return True

    def set_mixed(self, call_id: str, track: Speaker, mixed: bool) -> None:
        """Record whether `track` holds both people (its audio socket says so when it opens)."""
        with self._sessions.begin() as s:
            row = s.get(TrackRow, (call_id, track))
            if row is None:
                s.add(TrackRow(call_id=call_id, track=track, received_samples=0, mixed=mixed))
            else:
                row.mixed = mixed

    def checkpoint(self, call_id: str, received: Mapping[Speaker, int], seq: int) -> None:
        """Record how much audio each track holds for good, and the sequence number reached."""
        with self._sessions.begin() as s:
            for track, samples in received.items():
                row = s.get(TrackRow, (call_id, track))
                if row is None:
                    s.add(TrackRow(call_id=call_id, track=track, received_samples=samples))
                else:
                    row.received_samples = max(row.received_samples, samples)
            s.execute(update(CallRow).where(CallRow.id == call_id, CallRow.seq < seq).values(seq=seq))


class Store:
    """Runs repository calls on one thread, off the event loop, in the order they were made."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secondear-db")

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.repo.engine.dispose()
