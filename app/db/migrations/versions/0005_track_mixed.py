"""Whether a live call's track holds both people (one microphone in the room), so a restarted
server splits the track's re-heard open segment by voice as the call did.

Revision ID: 0005_track_mixed
Revises: 0004_studies
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_track_mixed"
down_revision = "0004_studies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("mixed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("mixed")
