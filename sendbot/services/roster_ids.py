"""The people a command names, by the school's own ids: the MIS's `G002`, `S014`, `P0042`.

sendbot's internal numbers appear on no screen a school sees, so a command takes the id in
the roster first (the `guardian_id`, `staff_id` or `pupil_id` column of the MIS export) and
an internal number only when no roster id matches. A roster id used by two schools of a
trust needs the school's URN.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.store.models import Guardian, Pupil, School, Staff

Kind = Literal["guardian", "staff", "pupil"]
MODELS: dict[Kind, type[Guardian] | type[Staff] | type[Pupil]] = {
    "guardian": Guardian,
    "staff": Staff,
    "pupil": Pupil,
}
WORDS: dict[Kind, tuple[str, str]] = {
    "guardian": ("parent or carer", "guardian_id"),
    "staff": ("member of staff", "staff_id"),
    "pupil": ("pupil", "pupil_id"),
}


def resolve(session: Session, kind: Kind, given: str, school_urn: str | None = None) -> int:
    """sendbot's id for the person with this roster id (or internal number); LookupError
    with a message for the person at the command line when there is none, or several."""
    model, (noun, column) = MODELS[kind], WORDS[kind]
    text = given.strip()
    query = select(model.id).join(School, School.id == model.school_id)
    if school_urn:
        query = query.where(School.urn == school_urn)
    found = session.scalars(query.where(model.external_id == text)).all()
    if len(found) == 1:
        return found[0]
    if found:
        raise LookupError(
            f"{len(found)} schools have a {noun} with the id {text}: add --school URN."
        )
    if text.isdecimal():
        internal = session.scalar(query.where(model.id == int(text)))
        if internal is not None:
            return internal
    where = f" at the school with URN {school_urn}" if school_urn else ""
    raise LookupError(
        f"No {noun}{where} has the id {text!r}. Use the id in your MIS export (the "
        f"roster's {column} column)."
    )
