"""teams conversation

Where the bot can write to a member of staff on Microsoft Teams: the personal chat's
conversation reference (service URL, conversation id, bot id), per tenant and Entra object id.

Revision ID: 0017_teams_conversation
Revises: 0016_concern_draft
Create Date: 2026-12-07 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0017_teams_conversation"
down_revision = "0016_concern_draft"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("service_url", sa.String(length=512), nullable=False),
        sa.Column("conversation_id", sa.String(length=512), nullable=False),
        sa.Column("bot_id", sa.String(length=256), nullable=False),
        sa.Column("updated_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_conversation")),
        sa.UniqueConstraint(
            "tenant_id",
            "aad_object_id",
            name=op.f("uq_teams_conversation_tenant_id_aad_object_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("teams_conversation")
