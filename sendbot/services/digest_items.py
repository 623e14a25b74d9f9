"""What is due or overdue in a role's view of the school: deadlines, plan reviews, targets.

The SENCO's digest lists these items and the headteacher's counts them, so both read the
same list, each through the policy's scope (`policy.deadlines_for` and
`policy.send_record_pupils`): a review the SENCO sees overdue is counted overdue for the
headteacher too. Safeguarding deadlines are the DSL's digest's, never these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.domain.timescales import RULES_BY_KIND
from sendbot.services import deadlines as deadline_service
from sendbot.services import policy, school_policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Deadline, Pupil, SupportPlan, Target

PLAN_REVIEW = "plan_review"
REVIEW = "review"
STATUTORY = "statutory"
TARGET = "target"
SHORT = 60


@dataclass(frozen=True)
class DueItem:
    """One thing due: what it is (in plain words, with its pupil) and when."""

    group: str
    due_on: date
    label: str
    # What follows the due date: a pause by an exemption, the rule's citation.
    suffix: str = ""
    paused: bool = False

    def overdue(self, day: date) -> bool:
        return self.due_on < day and not self.paused


def role_view(school_id: int, roles: frozenset[Role]) -> StaffActor:
    """The view of a role rather than a person: a digest reads the same to each holder of
    the role, so it is scoped by the role alone (no one's own classes)."""
    return StaffActor(staff_id=0, school_id=school_id, name="", roles=roles)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _deadlines(session: Session, actor: StaffActor, until: date) -> list[DueItem]:
    rows = session.execute(
        policy.deadlines_for(actor)
        .add_columns(Pupil)
        .outerjoin(Pupil, Pupil.id == Deadline.pupil_id)
        .where(
            Deadline.status.in_(deadline_service.LIVE_STATUSES),
            Deadline.due_on <= until,
            ~policy.safeguarding_deadline(),
            Deadline.kind.not_in(deadline_service.NOT_REMINDED),
        )
        .order_by(Deadline.due_on, Deadline.id)
    ).all()
    items = []
    for row, pupil in rows:
        is_review = row.kind in deadline_service.REVIEW_KINDS
        owner = deadline_service.OWNER_WORDS.get(row.owner_role, row.owner_role)
        who = f"{pupil.display_name}: " if pupil else ""
        paused = row.status == deadline_service.SUSPENDED
        state = " - paused by a recorded exemption" if paused else ""
        rule = RULES_BY_KIND.get(row.kind)
        source = "" if is_review else f" [{rule.citation if rule else row.source}]"
        items.append(
            DueItem(
                REVIEW if is_review else STATUTORY,
                row.due_on,
                f"{who}{deadline_service.title_of(row.kind)} ({owner})",
                state + source,
                paused,
            )
        )
    return items


def _plan_reviews(session: Session, actor: StaffActor, until: date) -> list[DueItem]:
    names = school_policy.load(session, actor.school_id)
    readable = policy.send_record_pupils(actor).with_only_columns(Pupil.id)
    rows = session.execute(
        select(SupportPlan, Pupil)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            Pupil.id.in_(readable),
            SupportPlan.status == "active",
            SupportPlan.kind != "ehc_plan",
            SupportPlan.next_review_on <= until,
        )
        .order_by(SupportPlan.next_review_on, SupportPlan.id)
    ).all()
    return [
        DueItem(
            PLAN_REVIEW,
            plan.next_review_on,
            f"{pupil.display_name}: {names.plan_name(plan.kind)} review",
        )
        for plan, pupil in rows
        if plan.next_review_on is not None
    ]


def _targets(session: Session, actor: StaffActor, until: date) -> list[DueItem]:
    readable = policy.send_record_pupils(actor).with_only_columns(Pupil.id)
    rows = session.execute(
        select(Target, Pupil)
        .join(Pupil, Pupil.id == Target.pupil_id)
        .where(Pupil.id.in_(readable), Target.status == "active", Target.due_on <= until)
        .order_by(Target.due_on, Target.id)
    ).all()
    return [
        DueItem(
            TARGET,
            target.due_on,
            f'{pupil.display_name}: target "{_short(target.staff_wording)}"',
        )
        for target, pupil in rows
        if target.due_on is not None
    ]


def due_by(session: Session, actor: StaffActor, until: date) -> list[DueItem]:
    """Everything due by `until` (overdue included) that this actor may see: plan reviews,
    review deadlines, targets, then statutory deadlines, each soonest first."""
    return [
        *_plan_reviews(session, actor, until),
        *_deadlines(session, actor, until),
        *_targets(session, actor, until),
    ]
