"""One lock held to the end of the transaction, for read-then-write work that must not interleave.

PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement that touches no row,
which makes SQLite take its single write lock now (waiting for another writer if need be), so
every read after it in the transaction sees the last committed state and nobody writes in
between. Without it, SQLite reads run outside the write transaction and two processes can both
decide to write the same thing.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sendbot.store.db import holds_sqlite_write_lock

AUDIT_CHAIN = 7311
ESCALATION = 7401
REFERRAL_CHASE = 7402
CUMULATIVE_CONCERNS = 7403
CP_FILE_TRANSFER = 7404
DANGER_ALERT = 7405


def serialise(session: Session, key: int) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite" and not holds_sqlite_write_lock(session):
        # A session opened to write began with BEGIN IMMEDIATE and holds the lock already.
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
