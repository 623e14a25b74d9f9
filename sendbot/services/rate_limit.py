"""Inbound messages are rate limited per sender, in the database.

A person (or a script holding their account) who sends faster than anyone types gets one
kind message and nothing else, so a flood cannot fill the outbox, the audit log or the
SENCO's digest. The counter is a row per sender and window in `inbound_rate`, bumped with
one upsert, so every worker behind a load balancer counts the same messages and a restart
forgets nothing. A refused message changes nothing else: the conversation waits as it was.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sendbot.store.models import InboundRate

SLOW_DOWN = (
    "You're sending messages faster than I can read them. Please wait a minute, then "
    "carry on: nothing you've already answered is lost."
)


@dataclass(frozen=True)
class RateLimit:
    """At most `messages` in each fixed window of `window` per sender and scope."""

    messages: int = 30
    window: timedelta = timedelta(minutes=1)

    def window_start(self, now: datetime) -> datetime:
        step = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % step, tz=now.tzinfo)


DEFAULT = RateLimit()


def admit(
    session: Session, scope: str, sender_key: str, now: datetime, limit: RateLimit = DEFAULT
) -> bool:
    """Count this message; False when the sender is over the limit for this window."""
    statement = _count_statement(session.get_bind().dialect.name)
    params = {
        "scope": scope[:40],
        "sender_key": sender_key[:200],
        "window_start": limit.window_start(now),
    }
    count = session.execute(statement, params).scalar_one()
    return count <= limit.messages


@functools.cache
def _count_statement(dialect: str) -> Any:
    """The upsert, built once per dialect: every inbound message runs it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(InboundRate).values(
        scope=bindparam("scope"),
        sender_key=bindparam("sender_key"),
        window_start=bindparam("window_start"),
        count=1,
    )
    same_window = InboundRate.window_start == statement.excluded.window_start
    return statement.on_conflict_do_update(
        index_elements=[InboundRate.scope, InboundRate.sender_key],
        set_={
            "count": case((same_window, InboundRate.count + 1), else_=1),
            "window_start": statement.excluded.window_start,
        },
    ).returning(InboundRate.count)
