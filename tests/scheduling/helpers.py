"""Shared set-up for the scheduling tests: the small school with its timers switched off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.models import Pupil, School, SupportPlan, Target

# No daily digests unless a test asks: they are tested on their own, and a chart a day
# would make a term of fast-forwarding slow.
QUIET_SCHOOL: dict[str, Any] = {"digest_days": [], "headteacher_digest_weekday": None}


def set_settings(sessions: sessionmaker[Session], school_id: int, **settings: Any) -> None:
    with sessions() as session, session.begin():
        school = session.get(School, school_id)
        assert school is not None
        school.settings = {**QUIET_SCHOOL, **settings}


def nobody_on_sen_support(sessions: sessionmaker[Session], school_id: int) -> None:
    """A pupil on SEN support always has a review and a parents' meeting due (Code 6.65),
    so a day with nothing due needs a school with nobody on SEN support."""
    with sessions() as session, session.begin():
        for pupil in session.scalars(select(Pupil).where(Pupil.school_id == school_id)):
            if pupil.sen_status == "sen_support":
                pupil.sen_status = "none"


def plan_with_a_target(
    session: Session, pupil_id: int, review_on: date, target: str, parent: str, due_on: date
) -> None:
    """An SEN support plan begun in September, reviewed on `review_on`, with one target."""
    plan = SupportPlan(
        pupil_id=pupil_id, kind="sen_support", started_on=date(2026, 9, 7), next_review_on=review_on
    )
    session.add(plan)
    session.flush()
    session.add(
        Target(
            plan_id=plan.id,
            pupil_id=pupil_id,
            staff_wording=target,
            parent_wording=parent,
            area="cognition",
            due_on=due_on,
        )
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)
