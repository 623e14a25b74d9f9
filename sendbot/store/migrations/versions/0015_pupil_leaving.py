"""pupil leaving

When a pupil leaves (the last day on roll and the new school, from the roster or the
command line), whether the DSL flagged a child protection file, and the file's transfer to
the new school: when it was sent, and when and by whom its receipt was confirmed (KCSIE
Annex C). The new school's name is encrypted like other text about a child.

Revision ID: 0015_pupil_leaving
Revises: 0014_web_sign_in
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_pupil_leaving"
down_revision = "0014_web_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pupil") as batch:
        batch.add_column(sa.Column("leaving_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("destination_school", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("cp_file_flagged", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("cp_file_sent_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cp_file_received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cp_file_received_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pupil") as batch:
        batch.drop_column("cp_file_received_by")
        batch.drop_column("cp_file_received_on")
        batch.drop_column("cp_file_sent_on")
        batch.drop_column("cp_file_flagged")
        batch.drop_column("destination_school")
        batch.drop_column("leaving_on")
