"""Platform events processed once, even when the platform retries or two workers race.

The claim is a row with a unique key; whoever inserts it first does the work. If the work
fails, the claim is released so the platform's retry can try again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.models import ProcessedEvent


def claim(sessions: sessionmaker[Session], platform: str, event_id: str, now: datetime) -> bool:
    """True for the first caller with this event id; False for every repeat."""
    try:
        with sessions() as session, session.begin():
            session.add(ProcessedEvent(platform=platform, event_id=event_id[:128], at=now))
    except IntegrityError:
        return False
    return True


def release(sessions: sessionmaker[Session], platform: str, event_id: str) -> None:
    with sessions() as session, session.begin():
        session.execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:128]
            )
        )
