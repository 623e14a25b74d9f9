"""outbox delivered parts

A message with attachments goes out in parts (its text, then each file). The outbox records
which parts have arrived, so a retry after a failed upload sends only the missing ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("delivered_parts")
