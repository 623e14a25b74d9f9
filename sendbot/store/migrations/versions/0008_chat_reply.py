"""chat reply

Replies to a person's own message (a confirmation, the next question, the language buttons)
are saved in the update's transaction and sent from this table, so a 429 or a crash after
the commit delays a reply instead of losing it. The body is a Fernet token, like the other
columns that can name a child.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_reply")),
    )
    op.create_index(
        "ix_chat_reply_chat", "chat_reply", ["platform", "chat_key", "status"], unique=False
    )
    op.create_index("ix_chat_reply_due", "chat_reply", ["status", "not_before"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_chat_reply_due", table_name="chat_reply")
    op.drop_index("ix_chat_reply_chat", table_name="chat_reply")
    op.drop_table("chat_reply")
