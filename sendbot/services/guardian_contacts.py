"""Who can be invited about a pupil: their active parents and carers, in contact order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.store.models import Guardian, GuardianPupil


@dataclass(frozen=True)
class GuardianContact:
    guardian_id: int
    name: str
    relationship: str


def contacts_of_pupil(session: Session, school_id: int, pupil_id: int) -> list[GuardianContact]:
    """The pupil's active parents and carers at this school, first contact first."""
    rows = session.execute(
        select(Guardian, GuardianPupil.relationship_to_pupil)
        .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
        .where(
            GuardianPupil.pupil_id == pupil_id,
            Guardian.school_id == school_id,
            Guardian.active,
        )
        .order_by(GuardianPupil.contact_priority, Guardian.id)
    ).all()
    return [GuardianContact(g.id, g.display_name, relationship) for g, relationship in rows]
