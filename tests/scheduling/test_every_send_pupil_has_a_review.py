"""Every pupil on SEN support in an imported roster, and in the demo, has a next review date
the deadlines say, plan written or not (SEND Code of Practice 6.65: parents of pupils on SEN
support are met "at least three times each year"; reviews follow the school's cycle)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.demo.provision import seed_demo_provision
from sendbot.demo.school import write_demo_roster
from sendbot.services import deadlines, review_outcomes
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.roster import import_roster
from sendbot.store.db import transaction
from sendbot.store.models import (
    Deadline,
    Meeting,
    Pupil,
    School,
    Staff,
    StaffRole,
    SupportPlan,
)

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples" / "roster"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _reviews(sessions) -> dict[str, date | None]:  # type: ignore[no-untyped-def]
    """Each SEN support pupil's next review: the plan's agreed date, else the deadline's."""
    with sessions() as session:
        found = {}
        for pupil in session.scalars(select(Pupil).where(Pupil.sen_status == "sen_support")):
            plan = session.scalar(
                select(SupportPlan.next_review_on).where(
                    SupportPlan.pupil_id == pupil.id, SupportPlan.status == "active"
                )
            )
            row = session.scalar(
                select(Deadline.due_on).where(
                    Deadline.pupil_id == pupil.id,
                    Deadline.kind == "sen_support.review",
                    Deadline.status == "open",
                )
            )
            found[pupil.display_name] = plan or row
        return found


def test_an_imported_roster_gives_every_sen_support_pupil_a_review(sessions) -> None:
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        import_roster(session, [EXAMPLES], clock=FrozenClock(NOW))
    reviews = _reviews(sessions)
    assert len(reviews) == 3
    assert all(reviews.values()), reviews
    with sessions() as session:
        school = session.scalars(select(School)).one()
        listed = deadlines.list_deadlines(session, NOW, school_id=school.id)
    assert {v.pupil_name for v in listed if v.kind == "sen_support.review"} == set(reviews)


def test_the_demo_gives_every_sen_support_pupil_a_review(sessions, tmp_path: Path) -> None:
    write_demo_roster(tmp_path / "demo")
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        import_roster(session, [tmp_path / "demo"], clock=FrozenClock(NOW))
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        school = session.scalars(select(School)).one()
        seed_demo_provision(session, school.id, NOW.date())
    reviews = _reviews(sessions)
    assert len(reviews) > 20
    assert all(reviews.values()), [name for name, due in reviews.items() if due is None]


def test_holding_a_review_of_an_imported_pupil_with_no_plan_dates_the_next(sessions) -> None:
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        import_roster(session, [EXAMPLES], clock=FrozenClock(NOW))
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        pupil = session.scalars(select(Pupil).where(Pupil.first_name == "Zofia")).one()
        senco = session.scalars(
            select(Staff).join(StaffRole).where(StaffRole.role == "senco")
        ).first()
        assert senco is not None
        actor = staff_actor_by_id(session, senco.id)
        assert actor is not None
        meeting = Meeting(
            school_id=pupil.school_id,
            pupil_id=pupil.id,
            kind="sen_support_review",
            starts_at=datetime(2026, 12, 3, 15, 30, tzinfo=UTC),
            place="School office",
        )
        session.add(meeting)
        session.flush()
        before = session.scalar(
            select(Deadline.due_on).where(
                Deadline.pupil_id == pupil.id, Deadline.kind == "sen_support.review"
            )
        )
        result = review_outcomes.record_outcome(
            session, actor, meeting.id, held=True, reason=None, now=NOW
        )
        after = session.scalar(
            select(Deadline.due_on).where(
                Deadline.pupil_id == pupil.id, Deadline.kind == "sen_support.review"
            )
        )
    assert before is not None and before < date(2026, 12, 3)  # overdue: none recorded
    assert after is not None and after > date(2026, 12, 3)  # the next review on the cycle
    assert result.next_review_on == after
    assert f"Next review due by {after:%a %-d %b %Y}" in result.text
