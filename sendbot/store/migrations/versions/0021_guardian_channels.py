"""guardian channels

A parent or carer's chosen channel (telegram, email or sms; none chosen: the documented
order), and room in an account's id for a whole email address (254 characters), since a
guardian's email address and mobile number are accounts now, like a Telegram chat.

Revision ID: 0021_guardian_channels
Revises: 0020_parent_links
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_guardian_channels"
down_revision = "0020_parent_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guardian") as batch:
        batch.add_column(sa.Column("preferred_channel", sa.String(length=20), nullable=True))
    with op.batch_alter_table("identity") as batch:
        batch.alter_column(
            "external_id",
            existing_type=sa.String(length=128),
            type_=sa.String(length=254),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.alter_column(
            "external_id",
            existing_type=sa.String(length=254),
            type_=sa.String(length=128),
            existing_nullable=False,
        )
    with op.batch_alter_table("guardian") as batch:
        batch.drop_column("preferred_channel")
