"""After the call: debrief versions, coach review comments (threaded) and who read them, marks on
moments (reviewed, good example), and the coaches' overrides of the detectors.

Revision ID: 0003_coaching
Revises: 0002_accounts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_coaching"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def _call_id() -> sa.Column[str]:
    return sa.Column(
        "call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "debrief_versions",
        _call_id(),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.String(300), nullable=False),
        sa.Column("saved_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "review_comments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("moment", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("taken_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_review_comments_call", "review_comments", ["call_id", "created_at"])
    op.create_table(
        "review_reads",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column(
            "comment_id",
            sa.String(32),
            sa.ForeignKey("review_comments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("read_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_review_reads_comment_id", "review_reads", ["comment_id"])
    op.create_table(
        "moment_marks",
        _call_id(),
        sa.Column("moment", sa.String(64), primary_key=True),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("good_example", sa.Boolean(), nullable=False),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_table(
        "overrides",
        _call_id(),
        sa.Column("moment", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("question", sa.String(8), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("detected", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    for table in ("overrides", "moment_marks", "review_reads", "review_comments", "debrief_versions"):
        op.drop_table(table)
