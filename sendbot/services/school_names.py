"""The school's name for what is sent on its behalf (the From of an email to parents)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.store.models import School


def only_school_name(session: Session) -> str | None:
    """The school's name when this database holds one school; None with none or several."""
    names = session.scalars(select(School.name).order_by(School.id).limit(2)).all()
    return names[0] if len(names) == 1 else None
