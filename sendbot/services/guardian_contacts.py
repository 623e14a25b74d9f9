"""Who can be invited about a pupil: their active parents and carers who may read the
child's record (parental responsibility, or the school's recorded decision to share), in
contact order; and recording that decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.services import audit, policy
from sendbot.services.actors import actor_for_staff
from sendbot.store.models import Guardian, GuardianPupil, Pupil, Staff


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
            policy.may_read_through_link(),
        )
        .order_by(GuardianPupil.contact_priority, Guardian.id)
    ).all()
    return [GuardianContact(g.id, g.display_name, relationship) for g, relationship in rows]


class ShareRefused(policy.PermissionDenied):
    """The decision cannot be recorded; the message says why."""


def record_share_decision(
    session: Session,
    guardian_id: int,
    pupil_id: int,
    decided_by_email: str,
    now: datetime,
    *,
    share: bool = True,
) -> str:
    """Record (or withdraw) the school's decision to share a child's record with a contact
    who has no parental responsibility, naming the member of staff who decided; audited."""
    link = session.get(GuardianPupil, (guardian_id, pupil_id))
    guardian = session.get(Guardian, guardian_id)
    pupil = session.get(Pupil, pupil_id)
    if link is None or guardian is None or pupil is None:
        raise ShareRefused("That parent or carer is not linked to that pupil in the roster.")
    decider = session.scalar(
        select(Staff).where(
            func.lower(Staff.email) == decided_by_email.strip().lower(),
            Staff.school_id == guardian.school_id,
            Staff.active,
        )
    )
    if decider is None:
        raise ShareRefused(
            f"No current member of staff of this school has the email {decided_by_email}."
        )
    refusal = policy.share_decision_refusal(actor_for_staff(decider), guardian)
    if refusal is not None:
        raise ShareRefused(refusal)
    link.shared_at = now if share else None
    link.shared_by_id = decider.id if share else None
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=None,
        action="guardian.share" if share else "guardian.unshare",
        object_type="guardian",
        object_id=guardian.id,
        school_id=guardian.school_id,
        pupil_id=pupil.id,
        details={"decided_by": decider.id, "parental_responsibility": link.parental_responsibility},
    )
    if share:
        return (
            f"Recorded: {decider.display_name} decided that {guardian.display_name} may see "
            f"{pupil.display_name}'s record in sendbot."
        )
    return (
        f"Withdrawn: {guardian.display_name} no longer sees {pupil.display_name}'s record "
        f"through the school's decision (decided by {decider.display_name})."
    )
