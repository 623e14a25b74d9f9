"""Deadlines follow the facts, in the transaction that changes them, whoever changes them."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.domain.calendar import Term
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import terms
from sendbot.store.models import Deadline, EhcCase, Exemption, Meeting, SupportPlan
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import set_settings, utc

LONDON = ZoneInfo("Europe/London")


def _due(sessions, pupil_id: int) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return {
            r.kind: (r.due_on.isoformat(), r.status)
            for r in session.scalars(select(Deadline).where(Deadline.pupil_id == pupil_id))
        }


def test_moving_cancelling_and_exempting_recompute_at_once(sessions) -> None:
    school = build_small_school(sessions)
    pupil = school.pupils["amir"]
    with sessions() as session, session.begin():
        case = EhcCase(pupil_id=pupil, request_received_on=date(2025, 9, 1))
        session.add(case)
        session.flush()
        meeting = Meeting(
            school_id=school.school_id,
            pupil_id=pupil,
            kind="annual_review",
            starts_at=datetime(2026, 11, 10, 10, tzinfo=LONDON),
        )
        session.add(meeting)
        session.flush()
        ids = case.id, meeting.id
    due = _due(sessions, pupil)
    # The reference's worked example (SEND_TIMESCALES.md section 2).
    assert due["ehc.assessment_decision"] == ("2025-10-13", "open")
    assert due["ehc.no_plan_decision"] == ("2025-12-22", "open")
    assert due["ehc.final_plan"] == ("2026-01-19", "open")
    assert due["ehc.review_invitations"] == ("2026-10-27", "open")
    with sessions() as session, session.begin():
        case = session.get(EhcCase, ids[0])
        case.draft_served_on = date(2025, 12, 1)
        session.add(
            Exemption(
                ehc_case_id=case.id,
                rule="ehc.final_plan",
                kind="personal_circumstances",
                reason="Family abroad for a bereavement",
                starts_on=date(2025, 12, 1),
                ends_on=date(2025, 12, 14),
                recorded_at=NOW,
            )
        )
        session.get(Meeting, ids[1]).starts_at = datetime(2026, 12, 1, 10, tzinfo=LONDON)
    due = _due(sessions, pupil)
    assert due["ehc.draft_comments"] == ("2025-12-15", "open")
    assert due["ehc.no_plan_decision"][1] == "met"  # a draft was served: the LA decided to issue
    assert due["ehc.final_plan"] == ("2026-02-02", "open")  # 14 exempt days added
    assert due["ehc.review_invitations"] == ("2026-11-17", "open")  # moved with the meeting
    with sessions() as session, session.begin():
        session.get(Meeting, ids[1]).status = "cancelled"
    due = _due(sessions, pupil)
    assert due["ehc.review_invitations"][1] == "cancelled"


def test_term_dates_set_the_sen_support_dates_and_plan_reviews_are_reminded(sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    pupil = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.add(SupportPlan(pupil_id=pupil, kind="sen_support", started_on=date(2026, 11, 2)))
    assert _due(sessions, pupil)["sen_support.review"][0] == "2027-01-25"  # 12 weeks: no terms yet
    with sessions() as session, session.begin():
        terms.save_terms(
            session,
            school.school_id,
            [
                Term(
                    "2026-autumn",
                    date(2026, 9, 3),
                    date(2026, 12, 18),
                    date(2026, 10, 26),
                    date(2026, 10, 30),
                )
            ],
        )
    assert _due(sessions, pupil)["sen_support.review"] == ("2026-12-18", "open")  # end of term
    with sessions() as session, session.begin():
        plan = session.scalar(select(SupportPlan).where(SupportPlan.pupil_id == pupil))
        plan.next_review_on = date(2026, 12, 8)
    due = _due(sessions, pupil)
    assert due["sen_support.review"][1] == "cancelled"  # the plan's own date takes over
    assert due["sen_support.parent_meeting"] == ("2026-12-18", "open")
    ff = FastForward(sessions, FrozenClock(NOW))
    asyncio.run(ff.run_until(utc(2026, 12, 9)))
    reviews = [
        x.at.astimezone(LONDON).strftime("%d %b")
        for x in ff.delivered
        # On 24 November with the parent meeting's reminder, in one message for Amelia.
        if ": SEN support plan for Amelia Khan" in x.message.text
    ]
    assert reviews == ["24 Nov", "01 Dec", "06 Dec", "08 Dec"]  # 14 (at once), 7, 2, 0 days


def test_a_failed_recompute_never_loses_the_change(sessions, monkeypatch) -> None:
    from sendbot.services import deadlines

    school = build_small_school(sessions)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(deadlines, "recompute_pupil", broken)
    with sessions() as session, session.begin():
        session.add(EhcCase(pupil_id=school.pupils["zoe"], request_received_on=date(2026, 11, 2)))
    with sessions() as session:
        assert session.scalar(select(EhcCase.id)) is not None
        zoe = select(Deadline.id).where(Deadline.pupil_id == school.pupils["zoe"])
        assert session.scalar(zoe) is None
    monkeypatch.undo()
    with sessions() as session, session.begin():
        deadlines.recompute_school(session, school.school_id, NOW + timedelta(days=1))
    assert "ehc.final_plan" in _due(sessions, school.pupils["zoe"])
