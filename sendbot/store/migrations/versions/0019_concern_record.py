"""concern record

A record a court would accept: when and where a concern happened, the child's own words,
what the reporter did and who else was told (encrypted, like the narrative), KCSIE's
category, and photos kept with a concern (a written note, a body map), encrypted.

Revision ID: 0019_concern_record
Revises: 0018_adult_concerns
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_concern_record"
down_revision = "0018_adult_concerns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern") as batch:
        batch.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("occurred_time_known", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("location_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("child_words_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("action_taken_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("told_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("category", sa.String(length=30), nullable=True))
    op.create_table(
        "concern_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_for", sa.String(length=240), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_concern_attachment_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concern.id"], name=op.f("fk_concern_attachment_concern_id_concern")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["staff.id"],
            name=op.f("fk_concern_attachment_uploaded_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_attachment")),
    )
    with op.batch_alter_table("concern_attachment") as batch:
        batch.create_index(batch.f("ix_concern_attachment_school_id"), ["school_id"])
        batch.create_index(batch.f("ix_concern_attachment_concern_id"), ["concern_id"])
        batch.create_index(batch.f("ix_concern_attachment_held_for"), ["held_for"])


def downgrade() -> None:
    op.drop_table("concern_attachment")
    with op.batch_alter_table("concern") as batch:
        batch.drop_column("category")
        batch.drop_column("told_text")
        batch.drop_column("action_taken_text")
        batch.drop_column("child_words_text")
        batch.drop_column("location_text")
        batch.drop_column("occurred_time_known")
        batch.drop_column("occurred_at")
