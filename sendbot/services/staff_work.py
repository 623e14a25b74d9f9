"""What work a member of staff has here, for what a menu offers them: yes/no questions,
each one indexed query that stops at the first row."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sendbot.services import policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Intervention, Pupil, SupportPlan


def sees_a_pupil_with_a_plan(session: Session, actor: StaffActor) -> bool:
    """Whether a pupil whose SEND record this person may read has an active plan."""
    with_plan = policy.send_record_pupils(actor).where(
        exists().where(SupportPlan.pupil_id == Pupil.id, SupportPlan.status == "active")
    )
    return session.scalar(with_plan.with_only_columns(Pupil.id).limit(1)) is not None


def records_an_intervention(session: Session, actor: StaffActor) -> bool:
    """Whether there is an active intervention this person may record sessions for."""
    query = policy.recordable_interventions(actor).with_only_columns(Intervention.id)
    return session.scalar(query.limit(1)) is not None


def school_runs_interventions(session: Session, school_id: int) -> bool:
    """Whether the school has any active intervention."""
    return (
        session.scalar(
            select(Intervention.id)
            .where(Intervention.school_id == school_id, Intervention.active)
            .limit(1)
        )
        is not None
    )
