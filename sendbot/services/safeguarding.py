"""Safeguarding alerts after they are sent: acknowledging, reading details, the DSL's list.

Details of a concern are the most sensitive thing sendbot holds. They open only for the
designated safeguarding lead and deputies, and for the SENCO when the pupil has SEND (the
"close liaison" of Keeping Children Safe in Education); the rules live in
`sendbot.services.policy` with every other permission. Every view, and every refused
attempt, is written to the audit log, so the chronology shows who read what and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.services import audit, policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Concern, ConcernAction, Pupil, Staff

REFUSED = (
    "Only the designated safeguarding lead and deputies can open the details of this "
    "concern. Your request has been recorded."
)
NOT_FOUND = "I can't find that concern. It may have been closed or moved."
OPEN_STATUSES = ("open", "acknowledged")


@dataclass(frozen=True)
class ConcernDetails:
    concern_id: int
    pupil_name: str
    year_group: int
    raised_by: str
    raised_at: datetime
    area: str
    source: str
    safeguarding: bool
    immediate_danger: bool
    narrative: str
    status: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None


@dataclass(frozen=True)
class DetailsResult:
    allowed: bool
    details: ConcernDetails | None = None
    message: str = ""


@dataclass(frozen=True)
class AckResult:
    acknowledged: bool
    first: bool
    by: str | None = None
    at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class OpenItem:
    concern_id: int
    year_group: int
    raised_by: str
    raised_at: datetime
    acknowledged_at: datetime | None
    immediate_danger: bool
    age_hours: float


def _name(session: Session, staff_id: int | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.display_name if staff else "someone"


def _acknowledger(session: Session, concern_id: int) -> str | None:
    action = session.scalar(
        select(ConcernAction)
        .where(ConcernAction.concern_id == concern_id, ConcernAction.kind == "acknowledged")
        .order_by(ConcernAction.id)
        .limit(1)
    )
    return _name(session, action.actor_id) if action else None


def view_details(
    session: Session, actor: StaffActor, concern_id: int, now: datetime
) -> DetailsResult:
    """The full record for someone allowed; a refusal (also audited) for anyone else."""
    concern = session.get(Concern, concern_id)
    pupil = session.get(Pupil, concern.pupil_id) if concern else None
    if concern is None or pupil is None or concern.school_id != actor.school_id:
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=actor.staff_id,
            action="concern.view_refused",
            object_type="concern",
            object_id=concern_id,
            school_id=actor.school_id,
            details={"reason": "not found"},
        )
        return DetailsResult(False, message=NOT_FOUND)
    allowed = policy.may_read_concern(actor, concern, pupil)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.view" if allowed else "concern.view_refused",
        object_type="concern",
        object_id=concern.id,
        school_id=actor.school_id,
        pupil_id=pupil.id,
        details={"safeguarding": concern.safeguarding},
    )
    if not allowed:
        return DetailsResult(False, message=REFUSED)
    return DetailsResult(
        True,
        ConcernDetails(
            concern_id=concern.id,
            pupil_name=pupil.display_name,
            year_group=pupil.year_group,
            raised_by=_name(session, concern.raised_by_id),
            raised_at=concern.raised_at,
            area=concern.area,
            source=concern.source,
            safeguarding=concern.safeguarding,
            immediate_danger=concern.immediate_danger,
            narrative=concern.narrative_text,
            status=concern.status,
            acknowledged_at=concern.acknowledged_at,
            acknowledged_by=_acknowledger(session, concern.id),
        ),
    )


def acknowledge(session: Session, actor: StaffActor, concern_id: int, now: datetime) -> AckResult:
    """The first acknowledgement stops escalation; later ones are told who was first."""
    concern = session.get(Concern, concern_id)
    if concern is None or concern.school_id != actor.school_id:
        return AckResult(False, False, message=NOT_FOUND)
    if not policy.may_acknowledge_concern(actor, concern):
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=actor.staff_id,
            action="concern.acknowledge_refused",
            object_type="concern",
            object_id=concern.id,
            school_id=actor.school_id,
            pupil_id=concern.pupil_id,
        )
        return AckResult(
            False,
            False,
            message="Only the designated safeguarding lead and deputies can acknowledge this.",
        )
    if concern.acknowledged_at is not None:
        by = _acknowledger(session, concern.id)
        return AckResult(True, False, by=by, at=concern.acknowledged_at)
    concern.acknowledged_at = now
    if concern.status == "open":
        concern.status = "acknowledged"
    session.add(
        ConcernAction(concern_id=concern.id, actor_id=actor.staff_id, at=now, kind="acknowledged")
    )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.acknowledge",
        object_type="concern",
        object_id=concern.id,
        school_id=actor.school_id,
        pupil_id=concern.pupil_id,
    )
    return AckResult(True, True, by=actor.name, at=now)


def open_items(session: Session, actor: StaffActor, now: datetime) -> list[OpenItem]:
    """Open safeguarding concerns, oldest first, for the leads only (an empty list otherwise)."""
    if not policy.may_list_safeguarding(actor):
        return []
    rows = session.execute(
        select(Concern, Pupil.year_group)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(
            Concern.school_id == actor.school_id,
            Concern.safeguarding,
            Concern.status.in_(OPEN_STATUSES),
        )
        .order_by(Concern.raised_at)
    ).all()
    return [
        OpenItem(
            concern_id=concern.id,
            year_group=year_group,
            raised_by=_name(session, concern.raised_by_id),
            raised_at=concern.raised_at,
            acknowledged_at=concern.acknowledged_at,
            immediate_danger=concern.immediate_danger,
            age_hours=(now - concern.raised_at).total_seconds() / 3600,
        )
        for concern, year_group in rows
    ]
