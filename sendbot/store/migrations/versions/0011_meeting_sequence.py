"""meeting sequence

How many times a meeting has been moved or cancelled, so every calendar file sent for it
carries a higher SEQUENCE and calendar apps replace the old event instead of adding one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("sequence")
