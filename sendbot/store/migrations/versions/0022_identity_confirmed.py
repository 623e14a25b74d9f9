"""identity confirmed

When a parent confirmed, by the link sent to it, that an email address from the school's
roster is theirs (`sendbot invite guardians` asks those the school knows only by email).
None: not confirmed (yet), as for every account made before this was kept.

Revision ID: 0022_identity_confirmed
Revises: 0021_guardian_channels
Create Date: 2026-12-07 23:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0022_identity_confirmed"
down_revision = "0021_guardian_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.add_column(
            sa.Column("confirmed_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.drop_column("confirmed_at")
