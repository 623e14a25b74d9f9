"""Logging a concern: the record, its audit event and its alerts, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.needs import Area
from sendbot.domain.people import Role
from sendbot.domain.safeguarding import Category
from sendbot.services import audit, concern_drafts, outbox, policy
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.store.models import Concern, Pupil, Staff, StaffRole

NARRATIVE_LIMIT = 2000
DETAIL_LIMIT = 1000  # the child's words, what was done, who was told
LOCATION_LIMIT = 200
SOURCES = ("staff", "parent", "pupil")


class ConcernInvalid(ValueError):
    """Input a person can fix; the message says how."""


@dataclass(frozen=True)
class NewConcern:
    pupil_id: int
    area: Area
    narrative: str
    safeguarding: bool
    immediate_danger: bool = False
    source: str = "staff"
    triage: dict[str, Any] = field(default_factory=dict)
    # The unfinished report this concern finishes (`services.concern_drafts`), if any.
    draft_id: int | None = None
    # When it happened (aware); the time of day may be unknown (a day only).
    occurred_at: datetime | None = None
    occurred_time_known: bool = True
    location: str | None = None
    child_words: str | None = None
    action_taken: str | None = None
    told: str | None = None
    category: Category | None = None  # KCSIE's, for a safeguarding concern only


@dataclass(frozen=True)
class ConcernReceipt:
    concern_id: int
    safeguarding: bool
    # The DSL and deputies were alerted of immediate danger before it was saved.
    early_alert: bool = False


ALERT_TEMPLATES = {
    policy.ConcernAlert.URGENT: keys.SAFEGUARDING_ALERT,
    policy.ConcernAlert.NOTICE: keys.CONCERN_NEW,
}


def _recipients(session: Session, concern: Concern, alerted_early: bool = False) -> dict[int, str]:
    """Who is told of this concern and with which message: the policy decides, person by
    person, among the school's staff who hold a role that is ever told."""
    query = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(
            Staff.school_id == concern.school_id,
            Staff.active,
            StaffRole.role.in_([Role.SENCO.value, Role.DSL.value, Role.DEPUTY_DSL.value]),
        )
        .distinct()
        .order_by(Staff.id)
    )
    recipients: dict[int, str] = {}
    for staff in session.scalars(query):
        alert = policy.new_concern_alert(actor_for_staff(staff), concern, alerted_early)
        if alert is not None:
            recipients[staff.id] = ALERT_TEMPLATES[alert]
    return recipients


def validate(new: NewConcern) -> None:
    text = new.narrative.strip()
    if not text:
        raise ConcernInvalid("Please say what happened, in a sentence or two.")
    if len(text) > NARRATIVE_LIMIT:
        raise ConcernInvalid(
            f"That is {len(text):,} characters; the limit is {NARRATIVE_LIMIT:,}. "
            f"Please shorten it by {len(text) - NARRATIVE_LIMIT:,} characters."
        )
    if new.source not in SOURCES:
        raise ConcernInvalid(f"Source must be one of {', '.join(SOURCES)}.")
    if new.immediate_danger and not new.safeguarding:
        raise ConcernInvalid("Immediate danger is only asked about a safeguarding concern.")
    if new.category is not None and not new.safeguarding:
        raise ConcernInvalid("A category of abuse is only given for a safeguarding concern.")
    for words, limit, what in (
        (new.location, LOCATION_LIMIT, "Where it happened"),
        (new.child_words, DETAIL_LIMIT, "The child's words"),
        (new.action_taken, DETAIL_LIMIT, "What you did"),
        (new.told, DETAIL_LIMIT, "Who else was told"),
    ):
        if words is not None and len(words.strip()) > limit:
            raise ConcernInvalid(f"{what} is over {limit:,} characters. Please shorten it.")


def _when_checked(new: NewConcern, now: datetime) -> None:
    if new.occurred_at is not None and new.occurred_at > now:
        raise ConcernInvalid(
            "That time is in the future. Please say when it happened: now or earlier."
        )


def _optional(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _why_refused(actor: StaffActor, pupil: Pupil | None, own: bool) -> str:
    if not own or pupil is None:
        return "not_on_roll"
    return "left" if not pupil.active else "no_role" if not actor.roles else "refused"


def _refused(
    actor: StaffActor, pupil_id: int, pupil: Pupil | None, now: datetime
) -> policy.PermissionDenied:
    """Why a concern cannot be logged about this pupil (not on roll at the reporter's school:
    left, or of another school), with the audit event of the attempt. The pupil's id is
    kept on the event only for a pupil of the reporter's own school."""
    own = pupil is not None and pupil.school_id == actor.school_id
    event = {
        "at": now,
        "actor_kind": "staff",
        "actor_id": actor.staff_id,
        "action": "concern.create_refused",
        "object_type": "pupil",
        "object_id": pupil_id,
        "school_id": actor.school_id,
        "pupil_id": pupil_id if own else None,
        "details": {"reason": _why_refused(actor, pupil, own)},
    }
    return policy.PermissionDenied(policy.REFUSALS[policy.Action.LOG_CONCERN], audit=event)


def _pupil_allowed(session: Session, actor: StaffActor, new: NewConcern, now: datetime) -> Pupil:
    """The pupil the concern is about, once the reporter may log a concern about them."""
    pupil = session.get(Pupil, new.pupil_id)
    if pupil is None or not policy.allowed(session, actor, policy.Action.LOG_CONCERN, pupil.id):
        raise _refused(actor, new.pupil_id, pupil, now)
    return pupil


def _record(actor: StaffActor, pupil: Pupil, new: NewConcern, now: datetime) -> Concern:
    """The concern as written once: what the reporter said, trimmed, and nothing more."""
    return Concern(
        school_id=actor.school_id,
        pupil_id=pupil.id,
        raised_by_id=actor.staff_id,
        raised_at=now,
        area=new.area.value,
        narrative_text=new.narrative.strip(),
        source=new.source,
        safeguarding=new.safeguarding,
        immediate_danger=new.immediate_danger,
        triage=dict(new.triage),
        status="open",
        occurred_at=new.occurred_at,
        occurred_time_known=new.occurred_time_known if new.occurred_at else None,
        location_text=_optional(new.location),
        child_words_text=_optional(new.child_words),
        action_taken_text=_optional(new.action_taken),
        told_text=_optional(new.told),
        category=new.category.value if new.category else None,
    )


def _audit_created(
    session: Session, actor: StaffActor, concern: Concern, new: NewConcern, now: datetime
) -> None:
    """The audit event of the concern: its kind, never its words."""
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.create",
        object_type="concern",
        object_id=concern.id,
        school_id=actor.school_id,
        pupil_id=concern.pupil_id,
        details={
            "safeguarding": new.safeguarding,
            "area": new.area.value,
            "source": new.source,
            **({"draft": new.draft_id} if new.draft_id is not None else {}),
            **({"category": new.category.value} if new.category else {}),
        },
    )


def _alert_params(
    actor: StaffActor,
    pupil: Pupil,
    concern: Concern,
    new: NewConcern,
    now: datetime,
    alerted_at: datetime | None,
) -> dict[str, Any]:
    """What an alert says: who logged it, when, the year group; never the narrative."""
    params: dict[str, Any] = {
        "concern_id": concern.id,
        "pupil_id": pupil.id,
        "year_group": pupil.year_group,
        "raised_by": actor.name,
        "raised_at": now.isoformat(),
        "area": new.area.value,
        "safeguarding": new.safeguarding,
        "immediate_danger": new.immediate_danger,
    }
    if alerted_at is not None:
        params["danger_alert_at"] = alerted_at.isoformat()
    return params


def _send_alerts(
    session: Session,
    actor: StaffActor,
    concern: Concern,
    params: dict[str, Any],
    alerted_at: datetime | None,
    now: datetime,
) -> None:
    """One alert per person the policy says is told, through the outbox, once each."""
    for staff_id, template in _recipients(session, concern, alerted_at is not None).items():
        urgent = template == keys.SAFEGUARDING_ALERT
        outbox.enqueue(
            session,
            school_id=actor.school_id,
            recipient_staff_id=staff_id,
            template=template,
            params=params,
            dedupe_key=f"concern:{concern.id}:{template}:staff:{staff_id}",
            priority=outbox.URGENT if urgent else outbox.NORMAL,
            now=now,
        )


def log_concern(
    session: Session, actor: StaffActor, new: NewConcern, now: datetime
) -> ConcernReceipt:
    """Store the concern and alert the SENCO (the DSL and deputies instead when it is
    flagged as safeguarding), as the policy says.

    Alerts carry no narrative: they name who logged it, when, and the pupil's year group,
    so nothing about a child's story travels through a chat platform.

    A concern that finishes an unfinished report is linked to it; when its reporter had
    answered that the child was in immediate danger, the DSL and deputies were alerted
    then, and this concern's alert says it is that report, now saved and ready to read.
    """
    validate(new)
    _when_checked(new, now)
    pupil = _pupil_allowed(session, actor, new, now)
    concern = _record(actor, pupil, new, now)
    session.add(concern)
    session.flush()
    _audit_created(session, actor, concern, new, now)
    alerted_at = concern_drafts.link(session, actor, new.draft_id, concern.id, now)
    params = _alert_params(actor, pupil, concern, new, now, alerted_at)
    _send_alerts(session, actor, concern, params, alerted_at, now)
    return ConcernReceipt(
        concern_id=concern.id,
        safeguarding=new.safeguarding,
        early_alert=alerted_at is not None,
    )
