"""Safeguarding alerts after they are sent: acknowledging, reading details, the DSL's list.

The first acknowledgement, from any copy or platform, queues an update of every other copy
already delivered (`keys.SAFEGUARDING_ACKNOWLEDGED`), so nobody is left looking at an
Acknowledge button for an alert someone has taken; the outbox carries it, so an outage of
the chat platform delays the update and never loses it.

Details of a concern are the most sensitive thing sendbot holds. They open only for the
designated safeguarding lead and deputies, and for the SENCO when the pupil has SEND (the
"close liaison" of Keeping Children Safe in Education); the rules live in
`sendbot.services.policy` with every other permission. Every view, and every refused
attempt, is written to the audit log, so the chronology shows who read what and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.services import audit, concern_record, outbox, policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Concern, ConcernAction, Outbox, Pupil, Staff

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
    occurred_at: datetime | None = None
    occurred_time_known: bool = True
    location: str | None = None
    child_words: str | None = None
    action_taken: str | None = None
    told: str | None = None
    category: str | None = None
    addenda: tuple[concern_record.Addendum, ...] = ()
    attachments: tuple[concern_record.AttachmentInfo, ...] = ()


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
class AlertCopy:
    """One person's copy of an alert, as the outbox delivered it (or has yet to)."""

    status: str
    platform: str | None
    message_id: str | None
    template: str
    params: dict[str, Any]


# The alerts that carry an Acknowledge button, and the outbox keys of their copies.
ACKNOWLEDGEABLE = (keys.SAFEGUARDING_ALERT, keys.SAFEGUARDING_ESCALATION)
# Copies on their way or delivered: a copy still pending is written acknowledged when sent.
COPIES_TO_UPDATE = ("sent", "claimed")


@dataclass(frozen=True)
class OpenItem:
    concern_id: int
    year_group: int
    raised_by: str
    raised_at: datetime
    acknowledged_at: datetime | None
    immediate_danger: bool
    age_hours: float
    # For the leads, who may read it: whom it is about and how it begins.
    pupil_name: str = ""
    opening: str = ""
    closed: bool = False


OPENING_LENGTH = 60


def opening_words(text: str, limit: int = OPENING_LENGTH) -> str:
    """The start of what was written, cut at a word, for a list the DSL chooses from."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


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
            occurred_at=concern.occurred_at,
            occurred_time_known=concern.occurred_time_known is not False,
            location=concern.location_text,
            child_words=concern.child_words_text,
            action_taken=concern.action_taken_text,
            told=concern.told_text,
            category=concern.category,
            addenda=tuple(concern_record.addenda(session, concern.id)),
            attachments=tuple(concern_record.attachments_of(session, actor, concern.id)),
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
    _update_copies(session, concern, now)
    return AckResult(True, True, by=actor.name, at=now)


def _update_copies(session: Session, concern: Concern, now: datetime) -> None:
    """Every delivered copy of the alert and its escalations is to say who acknowledged it:
    one outbox row each, in the acknowledgement's transaction."""
    copies = session.scalars(
        select(Outbox).where(
            Outbox.template.in_(ACKNOWLEDGEABLE),
            Outbox.status.in_(COPIES_TO_UPDATE),
            or_(
                Outbox.dedupe_key.like(f"concern:{concern.id}:%"),
                Outbox.dedupe_key.like(f"escalation:{concern.id}:%"),
            ),
        )
    )
    for copy in copies:
        if copy.recipient_staff_id is None:
            continue
        outbox.enqueue(
            session,
            school_id=concern.school_id,
            recipient_staff_id=copy.recipient_staff_id,
            template=keys.SAFEGUARDING_ACKNOWLEDGED,
            params={"concern_id": concern.id, "copy_of": copy.id},
            dedupe_key=f"acknowledged:{copy.id}",
            priority=outbox.URGENT,
            now=now,
        )


def acknowledgement(session: Session, concern_id: int) -> tuple[str, datetime] | None:
    """Who acknowledged a concern's alert first, and when; None while nobody has."""
    concern = session.get(Concern, concern_id)
    if concern is None or concern.acknowledged_at is None:
        return None
    return _acknowledger(session, concern_id) or "someone", concern.acknowledged_at


def alert_copy(session: Session, outbox_id: int) -> AlertCopy | None:
    """The copy of an alert an update is for, as it stands now."""
    row = session.get(Outbox, outbox_id)
    if row is None:
        return None
    return AlertCopy(
        row.status, row.platform, row.platform_message_id, row.template, dict(row.params or {})
    )


def _item(session: Session, concern: Concern, pupil: Pupil, now: datetime) -> OpenItem:
    return OpenItem(
        concern_id=concern.id,
        year_group=pupil.year_group,
        raised_by=_name(session, concern.raised_by_id),
        raised_at=concern.raised_at,
        acknowledged_at=concern.acknowledged_at,
        immediate_danger=concern.immediate_danger,
        age_hours=(now - concern.raised_at).total_seconds() / 3600,
        pupil_name=pupil.display_name,
        opening=opening_words(concern.narrative_text),
        closed=concern.status not in OPEN_STATUSES,
    )


def item(session: Session, actor: StaffActor, concern_id: int, now: datetime) -> OpenItem | None:
    """One safeguarding concern of the actor's school, open or closed, for the leads only
    (a closed one is found by its number, to reopen it)."""
    if not policy.may_list_safeguarding(actor):
        return None
    concern = session.get(Concern, concern_id)
    pupil = session.get(Pupil, concern.pupil_id) if concern else None
    if concern is None or pupil is None or not concern.safeguarding:
        return None
    if concern.school_id != actor.school_id:
        return None
    return _item(session, concern, pupil, now)


def open_items(session: Session, actor: StaffActor, now: datetime) -> list[OpenItem]:
    """Open safeguarding concerns, oldest first, for the leads only (an empty list otherwise)."""
    if not policy.may_list_safeguarding(actor):
        return []
    rows = session.execute(
        select(Concern, Pupil)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(
            Concern.school_id == actor.school_id,
            Concern.safeguarding,
            Concern.status.in_(OPEN_STATUSES),
        )
        .order_by(Concern.raised_at)
    ).all()
    return [_item(session, concern, pupil, now) for concern, pupil in rows]
