"""Concerns and allegations about adults working in the school (KCSIE Part four).

Any member of staff reports one; it goes to the case manager: the headteacher, or the chair
of governors when the adult named is a headteacher (`policy.case_manager_ids`), never to the
adult named, whatever other role they hold. It is not a pupil concern: it is kept in its own
table (`AdultConcern`) and never enters the pupil safeguarding alerts or the DSL's lists.

- An allegation (the reporter thinks it may meet the harm threshold, or is not sure) gives
  the case manager one working day to consult the local authority designated officer
  (LADO): a `Deadline` row (subject "adult_concern", rule `adults.lado_consultation` in
  `domain.timescales`) owned by the case manager, and a prompt on the day it is due and on
  each working day after it until the consultation is recorded (`check_lado_prompts`).
- A low-level concern is kept as its own record for the case manager and the DSL to read
  and to see patterns in; the case manager may still consult the LADO about it.
- With nobody to tell (no headteacher; or the headteacher is named and there is no chair of
  governors on the roster), it is still saved, and the reporter is told to contact the LADO
  directly, with the school's `lado_contact` setting where there is one.

Notices carry no name and no narrative: who reported it, when, and what kind it is. The
adult's name (when typed), what happened and the LADO's outcome are encrypted at rest.
Every report, list, read, refusal and LADO record is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.people import Role
from sendbot.services import audit, outbox, policy, school_settings, terms
from sendbot.services import deadlines as deadline_service
from sendbot.services.actors import StaffActor
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import AdultConcern, Deadline, School, Staff

NARRATIVE_LIMIT = 2000
NAME_LIMIT = 120
OUTCOME_LIMIT = 1000
LADO_RULE = "adults.lado_consultation"

# The reporter's answer to "does it meet the harm threshold?" (KCSIE Part four).
THRESHOLDS: dict[str, str] = {
    "harm": "It may meet the harm threshold (an allegation)",
    "low_level": "A low-level concern",
    "unsure": "I am not sure",
}
KIND_WORDS = {"allegation": "Allegation", "low_level": "Low-level concern"}
# What someone not on the roster does in school.
SUBJECT_ROLES: dict[str, str] = {
    "supply": "Supply staff",
    "volunteer": "Volunteer",
    "contractor": "Contractor",
    "other": "Someone else working in the school",
}
ROLE_WORDS = {"staff": "Member of staff", **SUBJECT_ROLES}


class AdultConcernNotFound(PermissionDenied):
    """No such concern in the actor's school, or not one they may see."""


@dataclass(frozen=True)
class NewAdultConcern:
    narrative: str
    threshold: str  # a key of THRESHOLDS
    happened_on: date | None = None
    subject_staff_id: int | None = None  # on the roster
    subject_name: str | None = None  # not on the roster (supply, contractor, volunteer)
    subject_role: str = "staff"


@dataclass(frozen=True)
class Receipt:
    concern_id: int
    kind: str
    case_manager_role: Role
    told: tuple[str, ...]  # the names of the people told; empty: nobody could be
    lado_due: date | None
    lado_contact: str | None


@dataclass(frozen=True)
class AdultConcernView:
    concern_id: int
    kind: str
    about: str
    about_role: str
    raised_by: str
    raised_at: datetime
    happened_on: date | None
    narrative: str
    status: str
    lado_due: date | None
    lado_consulted_on: date | None
    lado_outcome: str | None


def kind_of(threshold: str) -> str:
    """An answer of 'not sure' is treated as an allegation: the case manager decides with
    the LADO, as KCSIE asks when in doubt."""
    return "low_level" if threshold == "low_level" else "allegation"


# --- finding the adult ---------------------------------------------------------------------


def find_staff(session: Session, actor: StaffActor, query: str) -> list[tuple[int, str]]:
    """Active staff of the actor's school whose name matches: (id, "First Last")."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    stmt = select(Staff).where(Staff.school_id == actor.school_id, Staff.active)
    for word in words:
        like = f"%{word}%"
        stmt = stmt.where(
            or_(func.lower(Staff.first_name).like(like), func.lower(Staff.last_name).like(like))
        )
    return [(s.id, s.display_name) for s in session.scalars(stmt.order_by(Staff.last_name))]


def staff_name(session: Session, staff_id: int | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff.display_name if staff is not None else "someone"


# --- reporting -----------------------------------------------------------------------------


def _school(session: Session, school_id: int) -> School:
    school = session.get(School, school_id)
    assert school is not None
    return school


def _local_date(school: School, at: datetime) -> date:
    return at.astimezone(ZoneInfo(school.timezone)).date()


def report(session: Session, actor: StaffActor, new: NewAdultConcern, now: datetime) -> Receipt:
    """Save the report, tell the case manager (never the adult named), start the LADO clock."""
    if not policy.may_report_about_adult(session, actor, new.subject_staff_id):
        raise PermissionDenied("I can't find that member of staff in your school.")
    narrative = new.narrative.strip()
    if not narrative or len(narrative) > NARRATIVE_LIMIT:
        raise ValueError(f"Say what happened in up to {NARRATIVE_LIMIT:,} characters.")
    if new.threshold not in THRESHOLDS:
        raise ValueError("Choose one of: " + ", ".join(THRESHOLDS.values()).lower() + ".")
    name = (new.subject_name or "").strip() or None
    if new.subject_staff_id is None and (name is None or len(name) > NAME_LIMIT):
        raise ValueError("Name the adult this is about.")
    role = "staff" if new.subject_staff_id is not None else new.subject_role
    if role != "staff" and role not in SUBJECT_ROLES:
        raise ValueError("Say what they do in the school.")
    school = _school(session, actor.school_id)
    kind = kind_of(new.threshold)
    manager_role = policy.case_manager_role(session, new.subject_staff_id)
    managers = policy.case_manager_ids(session, actor.school_id, new.subject_staff_id)
    row = AdultConcern(
        school_id=actor.school_id,
        raised_by_id=actor.staff_id,
        raised_at=now,
        kind=kind,
        threshold=new.threshold,
        subject_staff_id=new.subject_staff_id,
        subject_name_text=None if new.subject_staff_id is not None else name,
        subject_role=role,
        narrative_text=narrative,
        happened_on=new.happened_on,
        case_manager_role=manager_role.value if managers else None,
        status="open",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="adult_concern.create",
        object_type="adult_concern",
        object_id=row.id,
        school_id=actor.school_id,
        details={"kind": kind, "case_manager_role": manager_role.value, "told": managers},
    )
    due = recompute(session, row.id, now) if managers and kind == "allegation" else None
    when = now.astimezone(ZoneInfo(school.timezone))
    for staff_id in managers:
        outbox.enqueue(
            session,
            school_id=actor.school_id,
            recipient_staff_id=staff_id,
            template=keys.STAFF_NOTICE,
            params={"text": _notice(actor.name, when, kind, due), "urgent": kind == "allegation"},
            dedupe_key=f"adult_concern:{row.id}:staff:{staff_id}",
            priority=outbox.URGENT if kind == "allegation" else outbox.NORMAL,
            now=now,
        )
    return Receipt(
        concern_id=row.id,
        kind=kind,
        case_manager_role=manager_role,
        told=tuple(staff_name(session, i) for i in managers),
        lado_due=due,
        lado_contact=school_settings.of(school).lado_contact,
    )


def _notice(reporter: str, when: datetime, kind: str, due: date | None) -> str:
    lines = [
        f"{KIND_WORDS[kind]} about an adult working in the school, reported to you as case "
        f"manager by {reporter} on {when:%a %-d %b at %H:%M}.",
    ]
    if due is not None:
        lines.append(
            f"Please consult the LADO (local authority designated officer) by {due:%a %-d %b}, "
            "within one working day (Keeping children safe in education, Part four), and "
            "do not tell the adult named until you have agreed it with the LADO."
        )
    else:
        lines.append("Keep it confidential; the record is there for patterns over time.")
    lines.append("Type 'adult concerns' to read it.")
    return "\n".join(lines)


# --- the LADO consultation deadline --------------------------------------------------------


def recompute(session: Session, concern_id: int, now: datetime) -> date | None:
    """Store the LADO consultation deadline of an allegation, owned by its case manager now;
    returns its due date (None for a low-level concern or with no case manager)."""
    row = session.get(AdultConcern, concern_id)
    if row is None:
        return None
    return deadline_service.recompute_adult_concern(
        session,
        concern_id=row.id,
        school_id=row.school_id,
        reported_at=row.raised_at if row.kind == "allegation" else None,
        consulted_on=row.lado_consulted_on,
        owner_staff_id=next(
            iter(policy.case_manager_ids(session, row.school_id, row.subject_staff_id)), None
        ),
        now=now,
    )


def _lado_deadline(session: Session, concern_id: int) -> Deadline | None:
    return session.scalar(
        select(Deadline).where(
            Deadline.subject_type == policy.ADULT_CONCERN,
            Deadline.subject_id == concern_id,
            Deadline.kind == LADO_RULE,
        )
    )


def check_lado_prompts(session: Session, now: datetime) -> int:
    """On the day the LADO consultation is due, and each working day after it while nobody
    has recorded it, prompt the case manager at the school's reminder time."""
    queued = 0
    rows = session.scalars(
        select(Deadline)
        .where(
            Deadline.subject_type == policy.ADULT_CONCERN,
            Deadline.kind == LADO_RULE,
            Deadline.status == deadline_service.OPEN,
        )
        .order_by(Deadline.id)
    )
    for row in rows:
        school = _school(session, row.school_id)
        settings = school_settings.of(school)
        local = now.astimezone(ZoneInfo(school.timezone))
        at = settings.reminder_time or school.digest_time
        if row.due_on > local.date() or local.time() < at:
            continue
        cal = terms.calendar_for(session, row.school_id)
        if local.date() > row.due_on and not cal.is_working_day(local.date()):
            continue
        concern = session.get(AdultConcern, row.subject_id)
        if concern is None:
            continue
        overdue = local.date() > row.due_on
        text = (
            f"{'Overdue' if overdue else 'Due today'}: consult the LADO about allegation "
            f"#{concern.id} (reported {concern.raised_at.astimezone(local.tzinfo):%a %-d %b}), "
            f"due {row.due_on:%a %-d %b}. When you have, record it: type 'lado'."
        )
        for staff_id in policy.case_manager_ids(session, row.school_id, concern.subject_staff_id):
            if outbox.enqueue(
                session,
                school_id=row.school_id,
                recipient_staff_id=staff_id,
                template=keys.STAFF_NOTICE,
                params={"text": text, "urgent": True},
                dedupe_key=f"lado_prompt:{row.id}:{local.date().isoformat()}:staff:{staff_id}",
                priority=outbox.URGENT,
                now=now,
            ):
                queued += 1
    return queued


def record_lado_consultation(
    session: Session,
    actor: StaffActor,
    concern_id: int,
    consulted_on: date,
    outcome: str,
    now: datetime,
) -> AdultConcern:
    """The case manager consulted the LADO: the deadline is met and the prompts stop."""
    row = _get(session, actor, concern_id, now, policy.may_record_lado_consultation, "lado")
    if row is None:
        raise AdultConcernNotFound(NOT_FOUND)
    outcome = outcome.strip()
    if not outcome or len(outcome) > OUTCOME_LIMIT:
        raise ValueError(f"Say what was agreed in up to {OUTCOME_LIMIT:,} characters.")
    school = _school(session, row.school_id)
    if consulted_on > _local_date(school, now):
        raise ValueError("That date is in the future.")
    if consulted_on < _local_date(school, row.raised_at):
        raise ValueError("That is before the concern was reported.")
    row.lado_consulted_on = consulted_on
    row.lado_outcome_text = outcome
    row.lado_recorded_by_id = actor.staff_id
    row.lado_recorded_at = now
    row.status = "lado_consulted"
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="adult_concern.lado_consulted",
        object_type="adult_concern",
        object_id=row.id,
        school_id=row.school_id,
        details={"consulted_on": consulted_on.isoformat()},
    )
    if row.kind == "allegation":
        recompute(session, row.id, now)
    return row


# --- reading -------------------------------------------------------------------------------


def _get(
    session: Session,
    actor: StaffActor,
    concern_id: int,
    now: datetime,
    may: Callable[[Session, StaffActor, AdultConcern], bool],
    what: str,
) -> AdultConcern | None:
    """The concern if this actor may; the attempt is audited either way."""
    row = session.get(AdultConcern, concern_id)
    allowed = row is not None and row.school_id == actor.school_id and may(session, actor, row)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=f"adult_concern.{what}" if allowed else f"adult_concern.{what}_refused",
        object_type="adult_concern",
        object_id=concern_id,
        school_id=actor.school_id,
    )
    return row if allowed else None


NOT_FOUND = "There is no concern about an adult with that number for you."


def about(session: Session, row: AdultConcern) -> str:
    if row.subject_staff_id is not None:
        return staff_name(session, row.subject_staff_id)
    return row.subject_name_text or "someone"


def _view(session: Session, row: AdultConcern) -> AdultConcernView:
    deadline = _lado_deadline(session, row.id)
    return AdultConcernView(
        concern_id=row.id,
        kind=row.kind,
        about=about(session, row),
        about_role=ROLE_WORDS.get(row.subject_role, row.subject_role),
        raised_by=staff_name(session, row.raised_by_id),
        raised_at=row.raised_at,
        happened_on=row.happened_on,
        narrative=row.narrative_text,
        status=row.status,
        lado_due=deadline.due_on if deadline is not None else None,
        lado_consulted_on=row.lado_consulted_on,
        lado_outcome=row.lado_outcome_text,
    )


def read(
    session: Session, actor: StaffActor, concern_id: int, now: datetime
) -> AdultConcernView | None:
    """One concern in full, for someone who may read it (None for anyone else); the read
    and the refusal are both audited."""
    row = _get(session, actor, concern_id, now, policy.may_read_adult_concern, "read")
    return _view(session, row) if row is not None else None


def listing(
    session: Session, actor: StaffActor, now: datetime, *, lado_open_only: bool = False
) -> list[AdultConcernView]:
    """The concerns about adults this actor may read (the list itself is audited)."""
    rows = policy.adult_concerns_for(session, actor)
    if lado_open_only:
        rows = [r for r in rows if policy.may_record_lado_consultation(session, actor, r)]
        rows = [r for r in rows if r.lado_consulted_on is None]
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="adult_concern.list",
        object_type="adult_concern",
        school_id=actor.school_id,
        details={"ids": [r.id for r in rows]},
    )
    return [_view(session, r) for r in rows]


def may_use(actor: StaffActor) -> bool:
    """Whom the reading flows are offered to: by role only; each record is asked again."""
    return actor.has(Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS, Role.DSL)
