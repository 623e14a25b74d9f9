"""adult concerns

Concerns and allegations about adults working in the school (KCSIE Part four): their own
table, with the adult's name (when not on the roster), what happened and the LADO's outcome
encrypted at rest.

Revision ID: 0018_adult_concerns
Revises: 0017_teams_conversation
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0018_adult_concerns"
down_revision = "0017_teams_conversation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sendbot.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "adult_concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", when, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.String(length=20), nullable=False),
        sa.Column("subject_staff_id", sa.Integer(), nullable=True),
        sa.Column("subject_name_text", sa.Text(), nullable=True),
        sa.Column("subject_role", sa.String(length=20), nullable=False),
        sa.Column("narrative_text", sa.Text(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("case_manager_role", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("lado_consulted_on", sa.Date(), nullable=True),
        sa.Column("lado_outcome_text", sa.Text(), nullable=True),
        sa.Column("lado_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("lado_recorded_at", when, nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_adult_concern_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["staff.id"], name=op.f("fk_adult_concern_raised_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["subject_staff_id"],
            ["staff.id"],
            name=op.f("fk_adult_concern_subject_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["lado_recorded_by_id"],
            ["staff.id"],
            name=op.f("fk_adult_concern_lado_recorded_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adult_concern")),
    )
    op.create_index(
        op.f("ix_adult_concern_school_id"), "adult_concern", ["school_id"], unique=False
    )
    op.create_index(
        op.f("ix_adult_concern_subject_staff_id"),
        "adult_concern",
        ["subject_staff_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_adult_concern_subject_staff_id"), table_name="adult_concern")
    op.drop_index(op.f("ix_adult_concern_school_id"), table_name="adult_concern")
    op.drop_table("adult_concern")
