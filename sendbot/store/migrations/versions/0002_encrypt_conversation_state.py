"""encrypt conversation state

Half-finished answers (a concern's narrative typed but not yet saved) were plain JSON in
`conversation_state`. They become Fernet tokens in Text columns, through the same keyring as
the other story columns; rows already there are encrypted on the way.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 14:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from sendbot.store import crypto

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ("answers", "history", "scratch")


def _keyring() -> crypto.Keyring:
    """The keys sendbot itself would use for this database (configuration or key file)."""
    url = op.get_bind().engine.url.render_as_string(hide_password=False)
    return crypto.keyring_from_settings(url)


def _rows(kind: Any) -> list[Any]:
    state = sa.table(
        "conversation_state", sa.column("id", sa.Integer), *(sa.column(c, kind) for c in COLUMNS)
    )
    return list(op.get_bind().execute(sa.select(state)).all())


def _write(rows: list[tuple[int, dict[str, str]]]) -> None:
    state = sa.table(
        "conversation_state", sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in COLUMNS)
    )
    for row_id, values in rows:
        op.get_bind().execute(sa.update(state).where(state.c.id == row_id).values(values))


def _alter(to: Any, using: str) -> None:
    with op.batch_alter_table("conversation_state", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(
                name,
                existing_nullable=False,
                type_=to,
                postgresql_using=f"{name}::{using}",
            )


def upgrade() -> None:
    keyring = _keyring()
    rows = _rows(sa.JSON())
    _alter(sa.Text(), "text")
    _write(
        [
            (
                row.id,
                {
                    c: keyring.encrypt(
                        json.dumps(getattr(row, c), ensure_ascii=False, separators=(",", ":"))
                    )
                    for c in COLUMNS
                },
            )
            for row in rows
        ]
    )


def downgrade() -> None:
    keyring = _keyring()
    rows = _rows(sa.Text())
    # Plain JSON text first, then the type: PostgreSQL casts the text to json in place.
    _write([(row.id, {c: keyring.decrypt(getattr(row, c)) for c in COLUMNS}) for row in rows])
    _alter(sa.JSON(), "json")
