"""The local authority's decision after an annual review, recorded as a step of the EHC case.

SEND Regulations 2014 reg 20(10): within four weeks of the review meeting, the local
authority must decide whether it proposes to keep the EHC plan as it is, amend it, or cease
to maintain it, and notify the child's parent. The SENCO records the decision with the
`ehc` flow; it answers the "LA decision after the annual review" deadline of that meeting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.domain.calendar import Nation, SchoolCalendar
from sendbot.domain.timescales import PupilFacts, deadline
from sendbot.services import ehc_cases
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.db import transaction
from sendbot.store.models import AuditEvent, Deadline, EhcCase, Meeting, Pupil
from tests.factories import NOW, SmallSchool
from tests.staff_dialogs import dialog_for

Sessions = sessionmaker[Session]
TODAY = date(2026, 11, 24)  # NOW's day
HELD_ON = date(2026, 11, 2)  # a Monday: the LA's 4 weeks end on Monday 30 November 2026


def _ruby_reviewed(sessions: Sessions, school: SmallSchool) -> int:
    """Ruby's EHC plan was issued on 4 November 2025; its annual review was held on
    2 November 2026."""
    ruby = school.pupils["ruby"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.get(Pupil, ruby).sen_status = "ehc_plan"
        session.add(
            EhcCase(pupil_id=ruby, local_authority="Testshire", final_issued_on=date(2025, 11, 4))
        )
        session.add(
            Meeting(
                school_id=school.school_id,
                pupil_id=ruby,
                kind="annual_review",
                starts_at=datetime(2026, 11, 2, 15, 30, tzinfo=UTC),
                place="School office",
                status="held",
                created_by_id=school.staff["senco"],
            )
        )
    return ruby


def _la_decision(session: Session, pupil_id: int) -> Deadline:
    return session.scalars(
        select(Deadline).where(
            Deadline.pupil_id == pupil_id, Deadline.kind == "ehc.review_la_decision"
        )
    ).one()


def test_the_senco_records_the_las_decision_and_its_deadline_is_met(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    ruby = _ruby_reviewed(sessions, school)
    with sessions() as session:
        waiting = _la_decision(session, ruby)
        assert (waiting.status, waiting.due_on) == ("open", date(2026, 11, 30))  # M + 4 weeks
    d = dialog_for(sessions, clock, school, "senco")
    d.verify(
        [
            ("ehc", "Let's record a step of an EHC case. Type 'back' or 'cancel' at any time."
             "\n\nWhich pupil? Type part of their first name or surname."),
            ("ruby", "Recorded so far:\n- Final plan issued: Tue 4 Nov 2025\n"
             "Which step do you want to record?"),
            ("8", "What did the local authority decide after the review?"),
            ("1", "When did the local authority send its decision after the annual review?"),
            (
                "20/11/2026",
                "Please check the step:\n- Pupil: Ruby Khan (Year 4, 4R)\n"
                "- Step: LA's decision after the annual review\n- Decision: Keep the plan as "
                "it is\n- Date: Fri 20 Nov 2026\n\nSave this step?",
            ),
            (
                "save",
                "Recorded for Ruby Khan: the local authority decided on Fri 20 Nov 2026 to keep "
                "the plan as it is. Next due: Annual review of the EHC plan, by Mon 1 Nov 2027. "
                "If the family disagree, the decision letter gives them the right of appeal: "
                "record it as the decision letter.",
            ),
        ]
    )  # fmt: skip
    with sessions() as session:
        assert _la_decision(session, ruby).status == "met"
        case = session.scalars(select(EhcCase).where(EhcCase.pupil_id == ruby)).one()
        assert (case.review_decided_on, case.review_decision) == (date(2026, 11, 20), "maintain")
        step = session.scalars(select(AuditEvent).where(AuditEvent.action == "ehc_case.step")).one()
        assert step.details == {
            "step": "review_decision",
            "on": "2026-11-20",
            "review_decision": "maintain",
        }


def test_the_decision_must_say_keep_amend_or_cease(sessions: Sessions, school: SmallSchool) -> None:
    ruby = _ruby_reviewed(sessions, school)
    refused = pytest.raises(ehc_cases.EhcStepInvalid, match="keep the plan as it is, amend it")
    with refused, transaction(sessions) as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        ehc_cases.record_step(
            session, senco, ruby, "review_decision", date(2026, 11, 20), NOW, TODAY
        )
    with sessions() as session:
        assert _la_decision(session, ruby).status == "open"


@pytest.mark.parametrize(
    ("decided_on", "met"),
    [
        (None, False),
        (date(2026, 10, 1), False),  # before the meeting: about the review before
        (HELD_ON, True),  # the same day counts
        (date(2026, 12, 3), True),  # late, but the decision was made
    ],
)
def test_only_a_decision_made_after_the_meeting_answers_it(
    decided_on: date | None, met: bool
) -> None:
    facts = PupilFacts(
        final_issued_on=date(2025, 11, 4),
        review_meeting_on=HELD_ON,
        review_meeting_held=True,
        review_decided_on=decided_on,
    )
    found = deadline("ehc.review_la_decision", facts, SchoolCalendar(Nation.ENGLAND))
    assert found is not None and found.due == date(2026, 11, 30)
    assert (found.met_on is not None) is met
