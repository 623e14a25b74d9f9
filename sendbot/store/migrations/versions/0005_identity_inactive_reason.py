"""identity inactive reason

Why a chat account was made inactive, so that only an account the platform reported as
blocked can turn itself back on with /start; one stopped by the parent, replaced by a newer
redemption or unlinked by the school needs a new invite. Accounts already inactive keep no
reason and are treated as needing a new invite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.add_column(sa.Column("inactive_reason", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.drop_column("inactive_reason")
