"""parent links

A parent's one-tap web page link: only the token's SHA-256 is kept, bound to one guardian,
one purpose and one object, expiring; one per outbox row, so a retried send carries the
same link.

Revision ID: 0020_parent_links
Revises: 0019_concern_record
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0020_parent_links"
down_revision = "0019_concern_record"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sendbot.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "parent_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("replaced_at", nullable=True),
        _when("resent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_parent_link_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_parent_link_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_parent_link_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_link")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_parent_link_outbox_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_parent_link_token_hash")),
    )
    op.create_index(op.f("ix_parent_link_school_id"), "parent_link", ["school_id"])
    op.create_index(op.f("ix_parent_link_guardian_id"), "parent_link", ["guardian_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_parent_link_guardian_id"), table_name="parent_link")
    op.drop_index(op.f("ix_parent_link_school_id"), table_name="parent_link")
    op.drop_table("parent_link")
