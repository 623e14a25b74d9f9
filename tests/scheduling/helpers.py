"""Shared set-up for the scheduling tests: the small school with its timers switched off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.models import School

# No daily digests unless a test asks: they are tested on their own, and a chart a day
# would make a term of fast-forwarding slow.
QUIET_SCHOOL: dict[str, Any] = {"digest_days": [], "headteacher_digest_weekday": None}


def set_settings(sessions: sessionmaker[Session], school_id: int, **settings: Any) -> None:
    with sessions() as session, session.begin():
        school = session.get(School, school_id)
        assert school is not None
        school.settings = {**QUIET_SCHOOL, **settings}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)
