"""meeting outcome

Whether a review meeting was held, and if not, why: the reason staff gave, and when the
outcome was recorded. Holding a review rolls the next one forward.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("outcome_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("outcome_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("outcome_at")
        batch.drop_column("outcome_reason")
