"""Platform events processed once, even when the platform retries or two workers race.

The claim is a row with a unique key; whoever inserts it first does the work. Made in the
work's own transaction (`claim_in`), it rolls back with the work; made on its own (`claim`),
it is released if the work fails, so the platform's retry can try again.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.models import ProcessedEvent


def claim(sessions: sessionmaker[Session], platform: str, event_id: str, now: datetime) -> bool:
    """True for the first caller with this event id; False for every repeat."""
    with sessions() as session, session.begin():
        return claim_in(session, platform, event_id, now)


def claim_in(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """`claim` inside the transaction that does the work, so the claim and the work commit
    or roll back together. A second worker with the same id waits for the first to finish:
    it gets False if the first committed, and the claim if the first rolled back."""
    statement = _claim_statement(session.get_bind().dialect.name)
    params = {"platform": platform, "event_id": event_id[:128], "at": now}
    return session.execute(statement, params).first() is not None


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """Built once per dialect: every inbound update runs it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ProcessedEvent)
        .values(platform=bindparam("platform"), event_id=bindparam("event_id"), at=bindparam("at"))
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    )


def release(sessions: sessionmaker[Session], platform: str, event_id: str) -> None:
    with sessions() as session, session.begin():
        session.execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:128]
            )
        )
