"""Interventions and their sessions: who delivers what, who attended, how targets went.

A session is recorded by the person who delivers the intervention (or the SENCO or head):
the date, the minutes, attendance for every enrolled pupil, and a progress rating for each
present pupil's active targets linked to the intervention. Everything lands in one
transaction with one audit event per pupil, so each child's trail is complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sendbot.domain.needs import Area
from sendbot.domain.people import Role
from sendbot.services import audit, policy
from sendbot.services.actors import StaffActor
from sendbot.services.pupils import PupilSummary, fold, summarise
from sendbot.store.models import (
    Intervention,
    InterventionPupil,
    InterventionSession,
    Pupil,
    SessionAttendance,
    Staff,
    StaffRole,
    Target,
    TargetIntervention,
    TargetProgress,
)

RATINGS: dict[str, str] = {
    "not_yet": "Not yet",
    "emerging": "Emerging",
    "developing": "Developing",
    "secure": "Secure",
    "achieved": "Achieved",
}
ABSENCE_REASONS: dict[str, str] = {
    "ill": "Ill",
    "off_site": "Off site",
    "refused": "Refused",
    "other": "Other",
}
MAX_DAYS_BACK = 14
NOTE_LIMIT = 1000
MAX_MINUTES = 240
NAME_LIMIT = 200
DELIVERING_ROLES = (Role.TEACHER, Role.TA, Role.SENCO)


class ProvisionInvalid(ValueError):
    """Input a person can fix; the message says how."""


@dataclass(frozen=True)
class InterventionSummary:
    id: int
    name: str
    area: str
    minutes: int
    sessions_per_week: int
    delivered_by: str | None
    starts_on: date
    planned_weeks: int
    review_on: date | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.delivered_by})" if self.delivered_by else self.name


@dataclass(frozen=True)
class LinkedTarget:
    id: int
    pupil_id: int
    pupil_name: str
    wording: str


@dataclass(frozen=True)
class NewSession:
    intervention_id: int
    held_on: date
    minutes: int
    absences: Mapping[int, str] = field(default_factory=dict)  # pupil id -> reason
    ratings: Mapping[int, str] = field(default_factory=dict)  # target id -> rating
    note: str | None = None


@dataclass(frozen=True)
class SessionReceipt:
    session_id: int
    present: int
    absent: int
    ratings: int


@dataclass(frozen=True)
class NewIntervention:
    name: str
    area: str
    delivered_by_id: int
    pupil_ids: Sequence[int]
    sessions_per_week: int
    minutes: int
    starts_on: date
    planned_weeks: int
    review_after_weeks: int | None


def _summary(session: Session, row: Intervention) -> InterventionSummary:
    staff = session.get(Staff, row.delivered_by_id) if row.delivered_by_id else None
    return InterventionSummary(
        id=row.id,
        name=row.name,
        area=row.area,
        minutes=row.minutes,
        sessions_per_week=row.sessions_per_week,
        delivered_by=staff.display_name if staff else None,
        starts_on=row.starts_on,
        planned_weeks=row.planned_weeks,
        review_on=row.review_on,
    )


# --- finding interventions -----------------------------------------------------------------


def my_interventions(session: Session, actor: StaffActor) -> list[InterventionSummary]:
    """The active interventions this person delivers, by name."""
    rows = session.scalars(
        select(Intervention)
        .where(
            Intervention.school_id == actor.school_id,
            Intervention.active,
            Intervention.delivered_by_id == actor.staff_id,
        )
        .order_by(Intervention.name, Intervention.id)
    )
    return [_summary(session, r) for r in rows]


def recordable(session: Session, actor: StaffActor) -> list[InterventionSummary]:
    rows = session.scalars(
        policy.recordable_interventions(actor).order_by(Intervention.name, Intervention.id)
    )
    return [_summary(session, r) for r in rows]


def search(session: Session, actor: StaffActor, query: str) -> list[InterventionSummary]:
    """Interventions this person may record whose name contains every word typed."""
    words = fold(query).split()
    return [i for i in recordable(session, actor) if all(w in fold(i.name) for w in words)]


def get(session: Session, actor: StaffActor, intervention_id: int) -> InterventionSummary:
    """An intervention the person may record sessions for (or manage, for the SENCO)."""
    if not policy.can_record_session(session, actor, intervention_id):
        raise policy.PermissionDenied("You can only record sessions of interventions you deliver.")
    row = session.get(Intervention, intervention_id)
    assert row is not None
    return _summary(session, row)


def all_in_school(session: Session, actor: StaffActor) -> list[InterventionSummary]:
    """Every active intervention, for the SENCO's tools."""
    _require_manager(actor)
    rows = session.scalars(
        select(Intervention)
        .where(Intervention.school_id == actor.school_id, Intervention.active)
        .order_by(Intervention.name, Intervention.id)
    )
    return [_summary(session, r) for r in rows]


# --- who is in a session --------------------------------------------------------------------


def _enrolled_query(intervention_id: int, on: date) -> Select[Pupil]:
    return (
        select(Pupil)
        .join(InterventionPupil, InterventionPupil.pupil_id == Pupil.id)
        .where(
            InterventionPupil.intervention_id == intervention_id,
            InterventionPupil.joined_on <= on,
            (InterventionPupil.left_on.is_(None)) | (InterventionPupil.left_on > on),
            Pupil.active,
        )
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    )


def enrolled(
    session: Session, actor: StaffActor, intervention_id: int, on: date
) -> list[PupilSummary]:
    """The pupils in the group on a day, for the person recording its session."""
    policy.require_session_recording(session, actor, intervention_id)
    return [summarise(p) for p in session.scalars(_enrolled_query(intervention_id, on))]


def linked_targets(
    session: Session, actor: StaffActor, intervention_id: int, pupil_ids: Sequence[int]
) -> list[LinkedTarget]:
    """Active targets of these pupils that this intervention works on, pupil by pupil."""
    policy.require_session_recording(session, actor, intervention_id)
    if not pupil_ids:
        return []
    rows = session.execute(
        select(Target, Pupil)
        .join(TargetIntervention, TargetIntervention.target_id == Target.id)
        .join(Pupil, Pupil.id == Target.pupil_id)
        .where(
            TargetIntervention.intervention_id == intervention_id,
            Target.pupil_id.in_(list(pupil_ids)),
            Target.status == "active",
        )
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id, Target.id)
    )
    return [LinkedTarget(t.id, p.id, p.display_name, t.staff_wording) for t, p in rows]


# --- recording a session --------------------------------------------------------------------


def check_date(held_on: date, today: date) -> None:
    if held_on > today:
        raise ProvisionInvalid(
            "That date is in the future. Please give today's date or an earlier one."
        )
    if (today - held_on).days > MAX_DAYS_BACK:
        raise ProvisionInvalid(
            f"Sessions can be recorded up to {MAX_DAYS_BACK} days back. For an older session, "
            "please ask the SENCO."
        )


def _checked_note(new: NewSession, today: date) -> str | None:
    """The session's date and minutes checked, and its note trimmed (None when empty)."""
    check_date(new.held_on, today)
    if not 1 <= new.minutes <= MAX_MINUTES:
        raise ProvisionInvalid(f"Minutes must be from 1 to {MAX_MINUTES}.")
    note = (new.note or "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise ProvisionInvalid(f"The note is over {NOTE_LIMIT:,} characters.")
    return note


def _check_absences(new: NewSession, group: list[Pupil]) -> None:
    ids = {p.id for p in group}
    if not group:
        raise ProvisionInvalid("Nobody was enrolled in this intervention on that day.")
    for pupil_id, reason in new.absences.items():
        if pupil_id not in ids:
            raise ProvisionInvalid("Someone marked absent is not in this group.")
        if reason not in ABSENCE_REASONS:
            raise ProvisionInvalid(f"Absence reason must be one of {', '.join(ABSENCE_REASONS)}.")


def _check_ratings(new: NewSession, allowed: Mapping[int, LinkedTarget]) -> None:
    for target_id, rating in new.ratings.items():
        if target_id not in allowed:
            raise ProvisionInvalid("A rating is for a target not worked on in this session.")
        if rating not in RATINGS:
            raise ProvisionInvalid(f"Rating must be one of {', '.join(RATINGS)}.")


def record_session(
    session: Session, actor: StaffActor, new: NewSession, now: datetime, today: date
) -> SessionReceipt:
    policy.require_session_recording(session, actor, new.intervention_id)
    note = _checked_note(new, today)
    group = list(session.scalars(_enrolled_query(new.intervention_id, new.held_on)))
    _check_absences(new, group)
    present = [p.id for p in group if p.id not in new.absences]
    allowed = {t.id: t for t in linked_targets(session, actor, new.intervention_id, present)}
    _check_ratings(new, allowed)
    row = InterventionSession(
        intervention_id=new.intervention_id,
        held_on=new.held_on,
        minutes=new.minutes,
        delivered_by_id=actor.staff_id,
        note_text=note,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    for pupil in group:
        absence = new.absences.get(pupil.id)
        session.add(
            SessionAttendance(
                session_id=row.id,
                pupil_id=pupil.id,
                present=absence is None,
                absence_reason=absence,
            )
        )
    for target_id, rating in new.ratings.items():
        session.add(
            TargetProgress(
                target_id=target_id,
                session_id=row.id,
                rating=rating,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
            )
        )
    session.flush()
    for pupil in group:
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=actor.staff_id,
            action="intervention_session.record",
            object_type="intervention_session",
            object_id=row.id,
            school_id=actor.school_id,
            pupil_id=pupil.id,
            details={
                "intervention_id": new.intervention_id,
                "held_on": new.held_on.isoformat(),
                "present": pupil.id not in new.absences,
                "absence_reason": new.absences.get(pupil.id),
                "ratings": {
                    str(t): r for t, r in new.ratings.items() if allowed[t].pupil_id == pupil.id
                },
            },
        )
    return SessionReceipt(row.id, len(present), len(new.absences), len(new.ratings))


# --- the SENCO's tools -----------------------------------------------------------------------


def _require_manager(actor: StaffActor) -> None:
    if not policy.may_manage_send(actor):
        raise policy.PermissionDenied("Only the SENCO can set up interventions.")


def staff_who_may_deliver(
    session: Session, actor: StaffActor, query: str = ""
) -> list[tuple[int, str]]:
    """Active teachers, TAs and SENCOs of the school whose name contains every word typed."""
    _require_manager(actor)
    rows = session.scalars(
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(
            Staff.school_id == actor.school_id,
            Staff.active,
            StaffRole.role.in_([r.value for r in DELIVERING_ROLES]),
        )
        .distinct()
        .order_by(Staff.last_name, Staff.first_name, Staff.id)
    )
    words = fold(query).split()
    return [(s.id, s.display_name) for s in rows if all(w in fold(s.display_name) for w in words)]


def staff_name(session: Session, actor: StaffActor, staff_id: int) -> str:
    staff = session.get(Staff, staff_id)
    if staff is None or staff.school_id != actor.school_id:
        raise policy.PermissionDenied("That member of staff is not at your school.")
    return staff.display_name


def create_intervention(
    session: Session, actor: StaffActor, new: NewIntervention, now: datetime
) -> int:
    _require_manager(actor)
    name = new.name.strip()
    if not name or len(name) > NAME_LIMIT:
        raise ProvisionInvalid(f"The name must be 1 to {NAME_LIMIT} characters.")
    Area(new.area)
    if new.delivered_by_id not in {i for i, _ in staff_who_may_deliver(session, actor)}:
        raise ProvisionInvalid("The person delivering it must be a teacher, TA or SENCO here.")
    if not 1 <= new.sessions_per_week <= 10 or not 1 <= new.minutes <= MAX_MINUTES:
        raise ProvisionInvalid("Sessions per week must be 1 to 10 and minutes 1 to 240.")
    if not 1 <= new.planned_weeks <= 52:
        raise ProvisionInvalid("Planned weeks must be from 1 to 52.")
    for pupil_id in new.pupil_ids:
        policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
    review_on = (
        new.starts_on + timedelta(weeks=new.review_after_weeks) if new.review_after_weeks else None
    )
    row = Intervention(
        school_id=actor.school_id,
        name=name,
        area=new.area,
        delivered_by_id=new.delivered_by_id,
        sessions_per_week=new.sessions_per_week,
        minutes=new.minutes,
        starts_on=new.starts_on,
        planned_weeks=new.planned_weeks,
        review_after_weeks=new.review_after_weeks,
        review_on=review_on,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="intervention.create",
        object_type="intervention",
        object_id=row.id,
        school_id=actor.school_id,
        details={"name": name, "delivered_by_id": new.delivered_by_id},
    )
    change_enrolment(session, actor, row.id, list(new.pupil_ids), [], new.starts_on, now)
    return row.id


def current_members(session: Session, actor: StaffActor, intervention_id: int) -> list[Pupil]:
    """Who is in the intervention now, for the SENCO changing it."""
    _require_manager(actor)
    row = session.get(Intervention, intervention_id)
    if row is None or row.school_id != actor.school_id:
        raise policy.PermissionDenied("That intervention is not at your school.")
    return list(
        session.scalars(
            select(Pupil)
            .join(InterventionPupil, InterventionPupil.pupil_id == Pupil.id)
            .where(
                InterventionPupil.intervention_id == intervention_id,
                InterventionPupil.left_on.is_(None),
            )
            .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
        )
    )


def change_enrolment(
    session: Session,
    actor: StaffActor,
    intervention_id: int,
    add: Sequence[int],
    remove: Sequence[int],
    on: date,
    now: datetime,
) -> tuple[int, int]:
    """Pupils join from `on`; leavers leave on `on`. Returns how many joined and left."""
    _require_manager(actor)
    row = session.get(Intervention, intervention_id)
    if row is None or row.school_id != actor.school_id:
        raise policy.PermissionDenied("That intervention is not at your school.")
    joined = left = 0
    for pupil_id in add:
        policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
        link = session.get(InterventionPupil, (intervention_id, pupil_id))
        if link is None:
            session.add(
                InterventionPupil(intervention_id=intervention_id, pupil_id=pupil_id, joined_on=on)
            )
        elif link.left_on is not None:
            link.joined_on, link.left_on = on, None
        else:
            continue
        joined += 1
        _audit_enrolment(session, actor, intervention_id, pupil_id, "joined", on, now)
    for pupil_id in remove:
        link = session.get(InterventionPupil, (intervention_id, pupil_id))
        if link is None or link.left_on is not None:
            continue
        link.left_on = on
        left += 1
        _audit_enrolment(session, actor, intervention_id, pupil_id, "left", on, now)
    session.flush()
    return joined, left


def _audit_enrolment(
    session: Session,
    actor: StaffActor,
    intervention_id: int,
    pupil_id: int,
    change: str,
    on: date,
    now: datetime,
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=f"intervention.pupil_{change}",
        object_type="intervention",
        object_id=intervention_id,
        school_id=actor.school_id,
        pupil_id=pupil_id,
        details={"on": on.isoformat()},
    )
