"""Calls, tracks, utterances, speech intervals, nudges and buddy marks.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("interviewer", sa.String(120), nullable=False),
        sa.Column("customer", sa.String(120), nullable=True),
        sa.Column("recording_consent", sa.Boolean(), nullable=False),
        sa.Column("recording", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("interviewer_token", sa.String(64), nullable=False),
        sa.Column("buddy_token", sa.String(64), nullable=False),
        sa.Column("viewer_token", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "tracks",
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("track", sa.String(16), primary_key=True),
        sa.Column("received_samples", sa.Integer(), nullable=False),
    )
    op.create_table(
        "utterances",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("question", sa.String(8), nullable=True),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index("ix_utterances_call", "utterances", ["call_id", "start"])
    op.create_table(
        "intervals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
    )
    op.create_index("ix_intervals_call", "intervals", ["call_id", "speaker", "start"])
    op.create_table(
        "nudges",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("utterance_id", sa.String(32), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("held_reason", sa.String(32), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index("ix_nudges_call", "nudges", ["call_id", "at"])
    op.create_table(
        "marks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("nudge_id", sa.String(32), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("by", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index("ix_marks_call", "marks", ["call_id", "kind", "at"])


def downgrade() -> None:
    for table in ("marks", "nudges", "intervals", "utterances", "tracks", "calls"):
        op.drop_table(table)
