"""The one place `School.settings` is read: every service and job asks here.

The domain model (`sendbot.domain.school_settings`) parses the JSON column and the school's
own columns; changing a setting is `sendbot.services.school_settings_changes`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sendbot.domain.school_settings import SchoolSettings, from_stored
from sendbot.store.models import School

COLUMNS = ("digest_time", "quiet_start", "quiet_end")

__all__ = ["SchoolSettings", "load", "of"]


def of(school: School) -> SchoolSettings:
    """The school's settings, read from its JSON column and its own columns."""
    return from_stored(school.settings, {name: getattr(school, name) for name in COLUMNS})


def load(session: Session, school_id: int) -> SchoolSettings:
    """The settings of the school with this id (the defaults if there is no such school)."""
    school = session.get(School, school_id)
    return of(school) if school is not None else from_stored(None)
