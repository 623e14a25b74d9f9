"""concern draft

A safeguarding concern being logged and not yet saved (an unfinished report): who started
it, when, about which pupil, the answers so far (encrypted), the immediate-danger alert sent
once, and the concern it became.

Revision ID: 0016_concern_draft
Revises: 0015_pupil_leaving
Create Date: 2026-12-07 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0016_concern_draft"
down_revision = "0015_pupil_leaving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concern_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("started_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("danger_alert_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_concern_draft_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["staff.id"], name=op.f("fk_concern_draft_reporter_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_concern_draft_pupil_id_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concern.id"], name=op.f("fk_concern_draft_concern_id_concern")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_draft")),
    )
    with op.batch_alter_table("concern_draft") as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_draft_school_id"), ["school_id"])
        batch_op.create_index(batch_op.f("ix_concern_draft_reporter_id"), ["reporter_id"])
        batch_op.create_index(batch_op.f("ix_concern_draft_status"), ["status"])


def downgrade() -> None:
    with op.batch_alter_table("concern_draft") as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_draft_status"))
        batch_op.drop_index(batch_op.f("ix_concern_draft_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_concern_draft_school_id"))
    op.drop_table("concern_draft")
