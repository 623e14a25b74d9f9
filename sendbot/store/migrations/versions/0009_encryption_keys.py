"""encryption keys

The fingerprint of every key that has written to the database, with the time it was first
used, so a process given a key the database has never seen refuses to start instead of
writing new records under it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "encryption_key",
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("first_used_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_encryption_key")),
    )


def downgrade() -> None:
    op.drop_table("encryption_key")
