"""When a pupil with a child protection file leaves: the file goes to the new school.

KCSIE Annex C: the DSL sends the child protection file to the new school "as soon as
possible, and within 5 days for an in-year transfer or within the first 5 days of the
start of a new term", separately from the main pupil file, securely, and gets confirmation
of receipt. The deadline is the rule `safeguarding.cp_file_transfer`
(domain/timescales.py), fed from `Pupil.leaving_on` for a pupil who has a file
(`deadlines.has_cp_file`: any safeguarding concern, or the DSL's flag).

- Leaving is recorded by the roster import (`leaving_on`, `destination_school`) or by
  `sendbot pupil leaving`: the school office has the date and the new school from the MIS.
- The DSL and deputies are prompted on the day the pupil leaves, and again on the day the
  file is due if its receipt has not been confirmed; the prompt's buttons record that the
  file was sent, or that the new school confirmed receipt, which closes the deadline.
  `sendbot pupil cp-file` records the same with dates and the name of who confirmed.
- The DSL digest lists every transfer still waiting.

Only the DSL and deputies record these steps (`policy.Action.RECORD_CP_FILE_TRANSFER`);
every step is audited with the pupil.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.people import SAFEGUARDING_LEADS
from sendbot.services import audit, outbox, policy, school_settings
from sendbot.services import deadlines as deadline_service
from sendbot.services.actors import StaffActor
from sendbot.store import locks
from sendbot.store.models import Deadline, Pupil, School, Staff, StaffRole

PROMPT = keys.CP_FILE_TRANSFER
RULE = "safeguarding.cp_file_transfer"
NAME_LIMIT = 200
# Both prompts fall within this long of the leaving day (a pupil leaving at the start of
# the summer holiday is due early in September); older leavers are the digest's to list.
PROMPT_WINDOW = timedelta(days=120)


class NotAllowed(PermissionError):
    """Only the DSL and deputies record a child protection file's transfer."""


# --- recording -----------------------------------------------------------------------------


def mark_leaving(
    session: Session,
    pupil: Pupil,
    leaving_on: date | None,
    destination: str | None,
    now: datetime,
    *,
    actor_kind: str = "cli",
    actor_id: int | None = None,
) -> bool:
    """Record (or clear, with None) the pupil's last day on roll and their new school;
    whether anything changed. A new leaving date starts the transfer afresh; clearing it
    keeps what was recorded of a transfer already made."""
    destination = (destination or "").strip() or None
    if destination is not None and len(destination) > NAME_LIMIT:
        raise ValueError(f"Keep the new school's name to {NAME_LIMIT} characters.")
    if (pupil.leaving_on, pupil.destination_school) == (leaving_on, destination):
        return False
    if leaving_on is not None and pupil.leaving_on != leaving_on:
        pupil.cp_file_sent_on = pupil.cp_file_received_on = pupil.cp_file_received_by = None
    pupil.leaving_on, pupil.destination_school = leaving_on, destination
    audit.record(
        session,
        at=now,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action="pupil.leaving",
        object_type="pupil",
        object_id=pupil.id,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        details={"leaving_on": leaving_on.isoformat() if leaving_on else None},
    )
    return True


def _require_lead(session: Session, actor: StaffActor, pupil_id: int) -> Pupil:
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != actor.school_id:
        raise LookupError("I can't find that pupil.")
    if not policy.decide(session, actor, policy.Action.RECORD_CP_FILE_TRANSFER, pupil.id):
        raise NotAllowed("Only the designated safeguarding lead and deputies can record this.")
    return pupil


def _audit(session: Session, actor: StaffActor, pupil: Pupil, step: str, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=f"cp_file.{step}",
        object_type="pupil",
        object_id=pupil.id,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        details={
            "leaving_on": pupil.leaving_on.isoformat() if pupil.leaving_on else None,
            "sent_on": pupil.cp_file_sent_on.isoformat() if pupil.cp_file_sent_on else None,
            "received_on": (
                pupil.cp_file_received_on.isoformat() if pupil.cp_file_received_on else None
            ),
        },
    )


def flag_file(session: Session, actor: StaffActor, pupil_id: int, now: datetime) -> Pupil:
    """The DSL says this pupil has a child protection file (held outside sendbot)."""
    pupil = _require_lead(session, actor, pupil_id)
    if not pupil.cp_file_flagged:
        pupil.cp_file_flagged = True
        _audit(session, actor, pupil, "flagged", now)
    return pupil


def record_sent(
    session: Session, actor: StaffActor, pupil_id: int, on: date, now: datetime
) -> Pupil:
    """The file went to the new school on `on`; the deadline stays open until receipt."""
    pupil = _require_lead(session, actor, pupil_id)
    if pupil.leaving_on is None:
        raise ValueError(f"{pupil.display_name} is not marked as leaving.")
    pupil.cp_file_sent_on = on
    _audit(session, actor, pupil, "sent", now)
    return pupil


def record_receipt(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    on: date,
    now: datetime,
    by: str | None = None,
) -> Pupil:
    """The new school confirmed receipt on `on` (by whom, if known): the deadline is met."""
    pupil = _require_lead(session, actor, pupil_id)
    if pupil.leaving_on is None:
        raise ValueError(f"{pupil.display_name} is not marked as leaving.")
    by = (by or "").strip() or None
    if by is not None and len(by) > NAME_LIMIT:
        raise ValueError(f"Keep the name to {NAME_LIMIT} characters.")
    pupil.cp_file_received_on = on
    pupil.cp_file_received_by = by
    if pupil.cp_file_sent_on is None:
        pupil.cp_file_sent_on = on
    _audit(session, actor, pupil, "received", now)
    return pupil


# --- what is waiting -----------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """One leaving pupil's file whose receipt the new school has not confirmed yet."""

    pupil_id: int
    name: str
    year_group: int
    leaving_on: date
    destination: str | None
    due_on: date | None
    sent_on: date | None


def waiting(
    session: Session, school_id: int, left_between: tuple[date, date] | None = None
) -> list[Waiting]:
    """Every transfer still waiting in the school (of pupils leaving between the two dates,
    when given), soonest due first."""
    query = select(Pupil).where(
        Pupil.school_id == school_id,
        Pupil.leaving_on.is_not(None),
        Pupil.cp_file_received_on.is_(None),
    )
    if left_between is not None:
        query = query.where(Pupil.leaving_on.between(*left_between))
    found = []
    for pupil in session.scalars(query.order_by(Pupil.leaving_on, Pupil.id)):
        if pupil.leaving_on is None or not deadline_service.has_cp_file(session, pupil):
            continue
        due = session.scalar(
            select(Deadline.due_on).where(
                Deadline.subject_type == "pupil",
                Deadline.subject_id == pupil.id,
                Deadline.kind == RULE,
            )
        )
        found.append(
            Waiting(
                pupil.id,
                pupil.display_name,
                pupil.year_group,
                pupil.leaving_on,
                pupil.destination_school,
                due,
                pupil.cp_file_sent_on,
            )
        )
    return sorted(found, key=lambda w: (w.due_on or w.leaving_on, w.pupil_id))


# --- the prompts ---------------------------------------------------------------------------


def _leads(session: Session, school_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Staff.id)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(
                Staff.school_id == school_id,
                Staff.active,
                StaffRole.role.in_([r.value for r in SAFEGUARDING_LEADS]),
            )
            .distinct()
            .order_by(Staff.id)
        )
    )


def _prompt_time(school: School) -> time:
    settings = school_settings.of(school)
    return settings.reminder_time or school.digest_time


def check_transfer_prompts(session: Session, now: datetime) -> int:
    """Prompt the DSL and deputies on the day a pupil with a file leaves, and on the day the
    file is due if its receipt is not confirmed by then; how many messages were queued."""
    locks.serialise(session, locks.CP_FILE_TRANSFER)
    queued = 0
    for school in session.scalars(select(School).order_by(School.id)):
        local = now.astimezone(ZoneInfo(school.timezone))
        if local.time() < _prompt_time(school):
            continue
        today = local.date()
        for item in waiting(session, school.id, (today - PROMPT_WINDOW, today)):
            stage = "due" if item.due_on is not None and item.due_on <= today else "leaving"
            params = {
                "pupil_id": item.pupil_id,
                "leaving_on": item.leaving_on.isoformat(),
                "due_on": item.due_on.isoformat() if item.due_on else None,
                "stage": stage,
            }
            for staff_id in _leads(session, school.id):
                key = f"cp_file:{item.pupil_id}:{item.leaving_on.isoformat()}:{stage}:staff:{staff_id}"
                if outbox.enqueue(
                    session,
                    school_id=school.id,
                    recipient_staff_id=staff_id,
                    template=PROMPT,
                    params=params,
                    dedupe_key=key,
                    now=now,
                ):
                    queued += 1
    return queued
