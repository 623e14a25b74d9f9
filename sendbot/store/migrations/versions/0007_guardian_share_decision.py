"""guardian share decision

The school's recorded decision to share a child's record with a contact who has no parental
responsibility: when it was made and which member of staff made it. Without it (and without
parental responsibility) a contact is neither invited nor shown the child's record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guardian_pupil", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("shared_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_guardian_pupil_shared_by_id_staff"), "staff", ["shared_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("guardian_pupil", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_guardian_pupil_shared_by_id_staff"), type_="foreignkey"
        )
        batch_op.drop_column("shared_by_id")
        batch_op.drop_column("shared_at")
