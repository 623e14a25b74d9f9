"""web sign in

The staff web pages: one-time sign-in links (only the token's SHA-256 is kept) and
server-side sessions (only the cookie's SHA-256 is kept), so a session can be ended at once
and a copied cookie is useless after it ends.

Revision ID: 0014_web_sign_in
Revises: 0013
Create Date: 2026-12-07 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0014_web_sign_in"
down_revision = "0013"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sendbot.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "web_sign_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("page", sa.String(length=200), nullable=True),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_web_sign_in_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_web_sign_in_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sign_in_token_hash")),
    )
    op.create_index(op.f("ix_web_sign_in_school_id"), "web_sign_in", ["school_id"])
    op.create_index(op.f("ix_web_sign_in_staff_id"), "web_sign_in", ["staff_id"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        _when("created_at"),
        _when("last_seen_at"),
        _when("ended_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_web_session_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_web_session_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_web_session_session_hash")),
    )
    op.create_index(op.f("ix_web_session_school_id"), "web_session", ["school_id"])
    op.create_index(op.f("ix_web_session_staff_id"), "web_session", ["staff_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_session_staff_id"), table_name="web_session")
    op.drop_index(op.f("ix_web_session_school_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_index(op.f("ix_web_sign_in_staff_id"), table_name="web_sign_in")
    op.drop_index(op.f("ix_web_sign_in_school_id"), table_name="web_sign_in")
    op.drop_table("web_sign_in")
