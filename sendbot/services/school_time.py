"""The school's own clock: which time zone its days and meeting times are in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.store.models import School

DEFAULT_ZONE = "Europe/London"


def school_zone(session: Session, school_id: int) -> ZoneInfo:
    """The school's time zone (England's when the school is not found)."""
    school = session.get(School, school_id)
    return ZoneInfo(school.timezone if school else DEFAULT_ZONE)
