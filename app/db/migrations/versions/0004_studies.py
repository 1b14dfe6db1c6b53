"""Trend figures kept per call, and studies (their calls and imported transcripts).

Revision ID: 0004_studies
Revises: 0003_coaching
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_studies"
down_revision = "0003_coaching"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_figures",
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("owner_id", sa.String(32), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_call_figures_owner_id", "call_figures", ["owner_id"])
    # The trends and team pages list ended calls by owner and time.
    op.create_index("ix_calls_owner_created", "calls", ["owner_id", "created_at"])
    op.create_table(
        "studies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("problem_statement", sa.Text(), nullable=True),
        sa.Column("synthesis_key", sa.String(64), nullable=True),
        sa.Column("synthesis", sa.JSON(), nullable=True),
    )
    op.create_index("ix_studies_owner_id", "studies", ["owner_id"])
    op.create_table(
        "study_calls",
        sa.Column(
            "study_id", sa.String(32), sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_study_calls_call_id", "study_calls", ["call_id"])
    op.create_table(
        "study_transcripts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("study_id", sa.String(32), sa.ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_study_transcripts_study_id", "study_transcripts", ["study_id"])


def downgrade() -> None:
    for table in ("study_transcripts", "study_calls", "studies", "call_figures"):
        op.drop_table(table)
    op.drop_index("ix_calls_owner_created", "calls")
