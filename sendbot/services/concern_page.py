"""What the staff web page of one concern shows, and the DSL's open list, for the web pages.

The details come from `safeguarding.view_details`, which asks the policy and audits every
view and every refusal; this adds what has been done so far (the concern's actions, with
their notes for those who may read the concern) and what the reader may do on the page.
Other platforms' pages (the chronology, attachments) add their own service beside this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.needs import area_label
from sendbot.domain.safeguarding import Category
from sendbot.services import audit, escalation, policy, safeguarding
from sendbot.services.actors import StaffActor
from sendbot.store.models import Concern, ConcernAction, Pupil, Staff

KINDS = {
    "acknowledged": "Acknowledged",
    "decision": "Decision",
    "referral": "Referral to children's social care",
    "follow_up": "Follow-up",
    "closed": "Closed",
}


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    by: str
    note: str | None


@dataclass(frozen=True)
class ConcernPage:
    details: safeguarding.ConcernDetails
    area: str
    triage: dict[str, object]
    steps: list[Step]
    may_acknowledge: bool
    may_decide: bool
    chronology_of: int | None  # the pupil whose chronology this reader may open from here
    category: str | None  # KCSIE's category, in words


@dataclass(frozen=True)
class Refused:
    """`missing`: no such concern in the reader's school; otherwise they may not read it."""

    missing: bool
    message: str


def _step(session: Session, action: ConcernAction) -> Step:
    staff = session.get(Staff, action.actor_id) if action.actor_id else None
    what = KINDS.get(action.kind, action.kind.replace("_", " ").capitalize())
    decision = (action.details or {}).get("decision")
    if action.kind == "decision" and decision in escalation.DECISIONS:
        what = f"Decision: {escalation.DECISIONS[decision]}"
    return Step(action.at, what, staff.display_name if staff else "sendbot", action.note_text)


def concern_page(
    session: Session, actor: StaffActor, concern_id: int, now: datetime
) -> ConcernPage | Refused:
    result = safeguarding.view_details(session, actor, concern_id, now)
    if not result.allowed or result.details is None:
        return Refused(result.message == safeguarding.NOT_FOUND, result.message)
    concern = session.get(Concern, concern_id)
    assert concern is not None  # view_details found it in this transaction
    actions = session.scalars(
        select(ConcernAction)
        .where(ConcernAction.concern_id == concern_id)
        .order_by(ConcernAction.at, ConcernAction.id)
    )
    return ConcernPage(
        details=result.details,
        area=area_label(concern.area),
        triage=dict(concern.triage or {}),
        steps=[_step(session, action) for action in actions],
        may_acknowledge=concern.acknowledged_at is None
        and policy.may_acknowledge_concern(actor, concern),
        may_decide=concern.safeguarding and policy.may_record_referral_step(actor, concern),
        category=Category(concern.category).label if concern.category else None,
        chronology_of=concern.pupil_id
        if policy.decide(session, actor, policy.Action.READ_CHRONOLOGY, concern.pupil_id)
        else None,
    )


@dataclass(frozen=True)
class OpenConcern:
    item: safeguarding.OpenItem
    pupil_name: str


def open_list(session: Session, actor: StaffActor, now: datetime) -> list[OpenConcern] | None:
    """The DSL's open safeguarding concerns, with the pupil's name (a page, not a chat that
    stays on a phone); None for anyone who may not see the list."""
    allowed = policy.may_list_safeguarding(actor)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.list_view" if allowed else "concern.list_refused",
        object_type="concern",
        school_id=actor.school_id,
    )
    if not allowed:
        return None
    items = safeguarding.open_items(session, actor, now)
    rows = session.execute(
        select(Concern.id, Pupil)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Concern.id.in_([item.concern_id for item in items]))
    ).all()
    names = {concern_id: pupil.display_name for concern_id, pupil in rows}
    return [OpenConcern(item, names.get(item.concern_id, "")) for item in items]
