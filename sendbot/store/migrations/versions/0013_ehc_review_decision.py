"""ehc review decision

The local authority's decision after an annual review (SEND Regulations 2014 reg 20(10)):
when it was sent, and whether the plan is kept as it is, amended or ceased.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ehc_case") as batch:
        batch.add_column(sa.Column("review_decided_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("review_decision", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehc_case") as batch:
        batch.drop_column("review_decision")
        batch.drop_column("review_decided_on")
