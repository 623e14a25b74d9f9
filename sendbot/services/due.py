"""What is due for me: plan reviews, targets, intervention reviews and deadlines.

Soonest first, anything overdue included, over the next 14 days. The SENCO sees every
pupil with SEND; teachers and TAs the pupils they teach or support and the interventions
they deliver; everyone the deadlines owned by them or by a role they hold, among those the
policy lets them see (safeguarding deadlines only for the DSL and deputies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.services import deadlines, policy, school_policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Deadline, Intervention, Pupil, SupportPlan, Target

WINDOW_DAYS = 14
# Deadlines the scheduler materialises from a plan's own review date (services/deadlines.py).
PLAN_REVIEW_KINDS = frozenset({"sen_support.review"})


@dataclass(frozen=True)
class DueItem:
    due_on: date
    text: str
    pupil_id: int | None = None


def _pupil_scope(actor: StaffActor) -> Select[int]:
    """Pupils whose reviews and targets are this person's to watch (not the head's whole
    school: their digest is counts only)."""
    mine = policy.taught_or_supported(actor)
    if actor.has(Role.SENCO):
        mine = or_(Pupil.sen_status != "none", mine)
    return select(Pupil.id).where(Pupil.school_id == actor.school_id, Pupil.active, mine)


def due_for(session: Session, actor: StaffActor, today: date) -> list[DueItem]:
    until = today + timedelta(days=WINDOW_DAYS)
    names = school_policy.load(session, actor.school_id)
    scope = _pupil_scope(actor)
    items: list[DueItem] = []
    reviewed: set[int] = set()  # pupils whose plan review is listed
    for plan, pupil in session.execute(
        select(SupportPlan, Pupil)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            SupportPlan.status == "active",
            SupportPlan.next_review_on <= until,
            Pupil.id.in_(scope),
        )
    ):
        assert plan.next_review_on is not None
        reviewed.add(pupil.id)
        items.append(
            DueItem(
                plan.next_review_on,
                f"Review of {pupil.display_name}'s {names.plan_name(plan.kind)}",
                pupil.id,
            )
        )
    for target, pupil in session.execute(
        select(Target, Pupil)
        .join(Pupil, Pupil.id == Target.pupil_id)
        .where(Target.status == "active", Target.due_on <= until, Pupil.id.in_(scope))
    ):
        assert target.due_on is not None
        items.append(
            DueItem(
                target.due_on, f"Target for {pupil.display_name}: {target.staff_wording}", pupil.id
            )
        )
    mine = Intervention.delivered_by_id == actor.staff_id
    for intervention in session.scalars(
        select(Intervention).where(
            Intervention.school_id == actor.school_id,
            Intervention.active,
            Intervention.review_on <= until,
            or_(mine, Intervention.id.is_not(None)) if actor.has(Role.SENCO) else mine,
        )
    ):
        assert intervention.review_on is not None
        items.append(DueItem(intervention.review_on, f"Review of {intervention.name}"))
    roles = [r.value for r in actor.roles]
    for deadline in session.scalars(
        policy.deadlines_for(actor).where(
            Deadline.status == "open",
            Deadline.due_on <= until,
            or_(
                Deadline.owner_staff_id == actor.staff_id,
                Deadline.owner_staff_id.is_(None) & Deadline.owner_role.in_(roles),
            ),
        )
    ):
        if deadline.kind in PLAN_REVIEW_KINDS and deadline.pupil_id in reviewed:
            continue  # already listed from the plan, in the school's own words
        whose = session.get(Pupil, deadline.pupil_id) if deadline.pupil_id else None
        items.append(
            DueItem(
                deadline.due_on,
                deadlines.title_of(deadline.kind) + (f" ({whose.display_name})" if whose else ""),
                deadline.pupil_id,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.text))
    return items
