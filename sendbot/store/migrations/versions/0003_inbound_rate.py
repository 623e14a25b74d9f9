"""inbound rate

A per-sender message counter in the database, so the inbound rate limit holds across every
worker and survives a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_rate",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("sender_key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "sender_key", name=op.f("pk_inbound_rate")),
    )


def downgrade() -> None:
    op.drop_table("inbound_rate")
