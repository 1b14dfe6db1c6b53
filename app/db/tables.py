"""The call store: one row per thing that happened on a call, written when it happens.

Times named `start`, `end` and `at` are call time (seconds of audio); `created_at` and
`ended_at` are wall time (Unix seconds). The schema is created by the Alembic migrations in
`app/db/migrations`, never by `create_all`, so a deployed database and a test one match.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CallRow(Base):
    __tablename__ = "calls"
    # The trends and team pages list each owner's calls by time (migration 0004).
    __table_args__ = (Index("ix_calls_owner_created", "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    interviewer: Mapped[str] = mapped_column(String(120))
    customer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    recording_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    recording: Mapped[bool] = mapped_column(Boolean, default=False)
    """Consent given and recording enabled on the server when the call was created."""
    status: Mapped[str] = mapped_column(String(16), default="live")
    created_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # SHA-256 of each role's token: a leaked database does not leak working links.
    interviewer_token: Mapped[str] = mapped_column(String(64))
    buddy_token: Mapped[str] = mapped_column(String(64))
    viewer_token: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    """The last event sequence number written; a restarted server continues above it."""
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    """The member who created the call (None: created before accounts existed; admins see it)."""


class TrackRow(Base):
    __tablename__ = "tracks"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    track: Mapped[str] = mapped_column(String(16), primary_key=True)
    received_samples: Mapped[int] = mapped_column(Integer, default=0)
    """Samples held for good: the audio clock resumes here after a restart."""
    mixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Both people on this track (one microphone in the room): a restart splits it by voice again."""


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (Index("ix_utterances_call", "call_id", "start"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    speaker: Mapped[str] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(String(8), nullable=True)
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The detector hits: flag, rule_id, evidence, message."""
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)
    seq: Mapped[int] = mapped_column(Integer)


class IntervalRow(Base):
    __tablename__ = "intervals"
    __table_args__ = (Index("ix_intervals_call", "call_id", "speaker", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    speaker: Mapped[str] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)


class NudgeRow(Base):
    __tablename__ = "nudges"
    __table_args__ = (Index("ix_nudges_call", "call_id", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)
    utterance_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[float] = mapped_column(Float)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    key: Mapped[str] = mapped_column(Text)
    """What the nudge is about, for de-duplication after a restart."""
    sent: Mapped[bool] = mapped_column(Boolean)
    held_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    seq: Mapped[int] = mapped_column(Integer)


class MarkRow(Base):
    """A buddy action on the call: a flagged moment, a note, a whisper or a nudge rating."""

    __tablename__ = "marks"
    __table_args__ = (Index("ix_marks_call", "call_id", "kind", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    """flag, note, whisper or rating."""
    at: Mapped[float] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    nudge_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    by: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    seq: Mapped[int] = mapped_column(Integer)


# --- people, sharing and the audit log ---------------------------------------------------------
class UserRow(Base):
    """A local account. The role is the workspace role: admin, coach or member."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Stored lower-cased, so sign-in does not depend on how it was typed."""
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id, with its parameters and salt (PHC string)."""
    created_at: Mapped[float] = mapped_column(Float)


class SessionRow(Base):
    """A signed-in browser: the cookie holds the token, the row its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    """Sent back by the pages in the X-CSRF-Token header of every state-changing request."""
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class ApiTokenRow(Base):
    """A token for scripts (`Authorization: Bearer`), shown once and stored hashed."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)


class CoachingRow(Base):
    """A coach sees the calls of the interviewers assigned to them."""

    __tablename__ = "coaching"

    coach_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    interviewer_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CallMemberRow(Base):
    """A member the call's owner invited, as buddy or viewer."""

    __tablename__ = "call_members"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)


class ReportShareRow(Base):
    """A read-only link to one call's report, for people without an account; revocable."""

    __tablename__ = "report_shares"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AuditRow(Base):
    """Who viewed, exported, shared or deleted which call. No foreign key on the call: the
    record of a deletion outlives the call."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_call", "call_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    actor: Mapped[str] = mapped_column(String(300))
    """The account's email, or the kind of link used ("buddy link", "report share s…")."""
    action: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- trends and studies --------------------------------------------------------------------------
class CallFiguresRow(Base):
    """One ended call's trend figures (app/insights/trends.py `call_figures`), kept so the trends
    and team pages read numbers instead of rebuilding every call's report per request. `seq` is
    the call's sequence number they were computed at: a call that changed since is computed again."""

    __tablename__ = "call_figures"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, float | None]] = mapped_column(JSON)
    computed_at: Mapped[float] = mapped_column(Float)


class StudyRow(Base):
    """A study: calls and imported transcripts about one problem, and what they say together."""

    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)
    problem_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The problem statement as edited by people; None: the drafted one is shown."""
    synthesis_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of what the cached synthesis was made from (its calls at their seq, its transcripts)."""
    synthesis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class StudyCallRow(Base):
    __tablename__ = "study_calls"

    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)
    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[float] = mapped_column(Float)


class StudyTranscriptRow(Base):
    """An imported transcript, kept as the report `secondear analyze` makes of it."""

    __tablename__ = "study_transcripts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_at: Mapped[float] = mapped_column(Float)


# --- after the call: debriefs, coach reviews, overrides ------------------------------------------
class DebriefVersionRow(Base):
    """One saved version of a call's debrief (`app/reports/debrief.py`'s `Debrief.to_dict`). Every
    version is kept: a save names the version its editor started from, and the three-way merge
    needs that version's fields."""

    __tablename__ = "debrief_versions"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(300))
    """The account's email or the kind of link, as in the audit log."""
    saved_at: Mapped[float] = mapped_column(Float)


class ReviewCommentRow(Base):
    """A comment on one moment of a call: a coach's (with an optional better question) or the
    interviewer's answer (`parent_id`: the comment it answers)."""

    __tablename__ = "review_comments"
    __table_args__ = (Index("ix_review_comments_call", "call_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    moment: Mapped[str] = mapped_column(String(64))
    """The moment's key (`app/coaching/moments.py`): its kind and time."""
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    author_id: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)
    """A better question the coach suggests."""
    created_at: Mapped[float] = mapped_column(Float)
    taken_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    """When the interviewer marked the comment as taken on board."""


class ReviewReadRow(Base):
    """A comment its reader has seen (the unread count on the home page counts the others)."""

    __tablename__ = "review_reads"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    comment_id: Mapped[str] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[float] = mapped_column(Float)


class MomentMarkRow(Base):
    """A coach's marks on one moment: reviewed, and whether it is a good example to learn from."""

    __tablename__ = "moment_marks"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    moment: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    good_example: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[float] = mapped_column(Float)


class OverrideRow(Base):
    """A coach's correction of the detectors on one moment, kept as a label in the
    interview-lines shape (speaker, text, question, flags) so it can train them later."""

    __tablename__ = "overrides"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    moment: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(String(8), nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON)
    """The corrected flags (every flag the line should have)."""
    detected: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What the detectors said: {"question", "flags"}."""
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[float] = mapped_column(Float)
