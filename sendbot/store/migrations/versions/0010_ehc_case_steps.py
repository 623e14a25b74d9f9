"""ehc case steps

The EHC case records every step a SENCO is told of: who asked for the assessment, the local
authority's decision to assess or not, advice received, and the mediation certificate and
appeal dates of a disagreement.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("requested_by", sa.String(length=20)),
    ("decision_outcome", sa.String(length=20)),
    ("advice_received_on", sa.Date()),
    ("mediation_certificate_issued_on", sa.Date()),
    ("appeal_registered_on", sa.Date()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("ehc_case", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehc_case") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
