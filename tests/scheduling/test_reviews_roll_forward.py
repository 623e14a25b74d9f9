"""Reviews that roll forward, fast-forwarded over the months after they are held.

One pupil with an EHC plan and one on SEN support: each review is reminded, held by a tap on
the prompt sent after the meeting, the next review is created, and nothing about the held
review is reminded again. The law, in its own words:

- CFA 2014 s44(1): the local authority must review the plan "in the period of 12 months
  starting with the date on which the plan was made" and then "in the period of 12 months
  starting with the date on which the plan was last reviewed".
- SEND Regs 2014 reg 20: the report of the review within 2 weeks of the meeting; the local
  authority's decision within 4 weeks of it.
- SEND Code of Practice 6.65: schools should meet parents of pupils on SEN support "at least
  three times each year" (the school's termly review cycle by default).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.domain import timescales
from sendbot.domain.calendar import Term
from sendbot.scheduling import jobs
from sendbot.scheduling.fastforward import Delivered, FastForward
from sendbot.services import staff_buttons, terms
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import (
    Deadline,
    EhcCase,
    Meeting,
    Outbox,
    PlanReview,
    Pupil,
    SupportPlan,
)
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import d, set_settings, utc

LONDON = ZoneInfo("Europe/London")
TERMS = [
    Term("2026-autumn", d("2026-09-03"), d("2026-12-18"), d("2026-10-26"), d("2026-10-30")),
    Term("2027-spring", d("2027-01-05"), d("2027-03-26"), d("2027-02-15"), d("2027-02-19")),
    Term("2027-summer", d("2027-04-12"), d("2027-07-21"), d("2027-05-31"), d("2027-06-04")),
]


def _school(sessions):  # type: ignore[no-untyped-def]
    """Zoë has an EHC plan made on 13 December 2025; Amelia is on SEN support with a plan
    to be reviewed by the end of the autumn term. Both reviews are booked."""
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    zoe, amelia = school.pupils["zoe"], school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        terms.save_terms(session, school.school_id, TERMS)
        session.get(Pupil, zoe).sen_status = "ehc_plan"
        session.add(
            EhcCase(pupil_id=zoe, local_authority="Testshire", final_issued_on=d("2025-12-13"))
        )
        session.add(
            SupportPlan(
                pupil_id=amelia,
                kind="sen_support",
                started_on=d("2026-09-14"),
                next_review_on=d("2026-12-18"),
            )
        )
    return school


def _meeting(sessions, school, pupil: int, kind: str, at: datetime) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        meeting = Meeting(
            school_id=school.school_id,
            pupil_id=pupil,
            kind=kind,
            starts_at=at,
            place="School office",
            created_by_id=school.staff["senco"],
        )
        session.add(meeting)
        session.flush()
        return meeting.id


def _tap(sessions, school, message: Delivered, label: str, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """What the SENCO's tap on a button of a delivered message does, as any adapter does it."""
    button = next(b for b in message.message.buttons if b.label == label)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = now
        actor = staff_actor_by_id(session, school.staff["senco"])
        assert actor is not None
        result = staff_buttons.tap(session, actor, button.action_id, now)
    assert result is not None and result.done, result
    return result.text


def _rows(sessions, pupil: int) -> dict[str, Deadline]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return {
            r.kind: r for r in session.scalars(select(Deadline).where(Deadline.pupil_id == pupil))
        }


def _local(x: Delivered) -> date:
    return x.at.astimezone(LONDON).date()


def _about(messages: list[Delivered], name: str) -> list[Delivered]:
    return [x for x in messages if name in x.message.text]


def test_ehc_and_sen_support_reviews_are_held_by_a_tap_and_roll_forward(sessions) -> None:
    school = _school(sessions)
    zoe, amelia = school.pupils["zoe"], school.pupils["amelia"]
    annual = _meeting(
        sessions, school, zoe, "annual_review", datetime(2026, 12, 10, 10, tzinfo=LONDON)
    )
    support = _meeting(
        sessions, school, amelia, "sen_support_review", datetime(2026, 12, 2, 15, 30, tzinfo=LONDON)
    )
    ff = FastForward(sessions, FrozenClock(NOW))
    senco = f"staff:{school.staff['senco']}"

    # Reminded: the annual review's deadline and its papers, and the SEN support review.
    before = [
        x for x in asyncio.run(ff.run_until(utc(2026, 12, 3, 8))) if x.recipient.address == senco
    ]
    assert _about(before, "Annual review invitations sent for Zoë Nowak")
    assert _about(before, "SEN support plan for Amelia Khan")
    # The review happened on 2 December: the SENCO is asked whether it was held, and taps Held.
    asked = [x for x in _about(before, "Was Amelia Khan's SEN support review") if x.message.buttons]
    assert len(asked) == 1
    # Asked when the meeting ends (an hour after it starts, when no end was given).
    assert asked[0].at.astimezone(LONDON).strftime("%d %b %H:%M") == "02 Dec 16:30"
    said = _tap(sessions, school, asked[0], "Held", utc(2026, 12, 3, 8))
    spring_end = date(2027, 3, 25)  # the last school day of spring: 26 March is Good Friday
    assert f"Next review due by {spring_end:%a %-d %b %Y}" in said
    with sessions() as session:
        plan = session.scalars(select(SupportPlan).where(SupportPlan.pupil_id == amelia)).one()
        assert plan.next_review_on == spring_end  # the end of the next term, not 18 December
        review = session.scalars(select(PlanReview)).one()
        assert (review.meeting_id, review.held_on) == (support, date(2026, 12, 2))
        assert session.get(Meeting, support).status == "held"

    # The annual review on 10 December: asked, held by a tap; the next review is created.
    autumn = [
        x for x in asyncio.run(ff.run_until(utc(2026, 12, 11, 8))) if x.recipient.address == senco
    ]
    asked = [
        x for x in _about(autumn, "Was Zoë Nowak's EHC plan annual review") if x.message.buttons
    ]
    assert len(asked) == 1 and _local(asked[0]) <= date(2026, 12, 11)
    said = _tap(sessions, school, asked[0], "Held", utc(2026, 12, 11, 8))
    due = _rows(sessions, zoe)
    calendar = timescales.deadline(
        "ehc.annual_review",
        timescales.PupilFacts(last_annual_review_on=date(2026, 12, 10)),
        terms_calendar(sessions, school.school_id),
    )
    assert calendar is not None
    assert due["ehc.annual_review"].due_on == calendar.due
    assert (
        due["ehc.annual_review"].due_on.year == 2027 and due["ehc.annual_review"].status == "open"
    )
    assert due["ehc.review_report"].due_on == date(2026, 12, 24)  # 2 weeks after the meeting
    assert due["ehc.review_la_decision"].due_on == date(2027, 1, 7)  # 4 weeks after it
    assert due["ehc.review_invitations"].status == "met"
    with sessions() as session:
        assert session.get(Meeting, annual).status == "held"
    assert f"Next review due by {calendar.due:%a %-d %b %Y}" in said
    assert "report to the local authority is due by Thu 24 Dec 2026" in said

    # The months that follow: nothing about the held reviews, no prompt to book the review
    # just held, and the reports, the LA's decision and the next SEN support review are all
    # reminded: nothing falls silent over the spring term.
    later = [
        x for x in asyncio.run(ff.run_until(utc(2027, 4, 30, 12))) if x.recipient.address == senco
    ]
    assert not _about(later, "Book Zoë Nowak's")
    assert not _about(later, "Annual review of the EHC plan for Zoë Nowak")
    assert not _about(later, "Was Zoë Nowak's") and not _about(later, "Was Amelia Khan's")
    assert not _about(later, "Annual review invitations sent for Zoë Nowak")
    report = _about(later, "Annual review report sent for Zoë Nowak")
    assert report and max(_local(x) for x in report) == date(2026, 12, 24)
    decision = _about(later, "LA decision after the annual review for Zoë Nowak")
    assert [_local(x) for x in decision] == [date(2027, 1, 7)]
    spring = [
        _local(x)
        for x in _about(later, "SEN support plan for Amelia Khan")
        if "Due: Thursday 25 March 2027" in x.message.text
    ]
    assert spring and min(spring) == date(2027, 2, 25)  # 28 days before the end of term
    assert not any(
        "Due: Friday 18 December 2026" in x.message.text
        for x in _about(later, "SEN support plan for Amelia Khan")
    )


def terms_calendar(sessions, school_id: int):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return terms.calendar_for(session, school_id)


def test_a_review_not_held_stays_due_and_the_booking_prompt_comes_back(sessions) -> None:
    school = _school(sessions)
    zoe = school.pupils["zoe"]
    meeting = _meeting(
        sessions, school, zoe, "annual_review", datetime(2026, 12, 10, 10, tzinfo=LONDON)
    )
    ff = FastForward(sessions, FrozenClock(NOW))
    autumn = asyncio.run(ff.run_until(utc(2026, 12, 10, 12)))
    # Booked for before the review is due: no prompt to book it.
    assert not _about(autumn, "Book Zoë Nowak's")
    asked = [
        x for x in _about(autumn, "Was Zoë Nowak's EHC plan annual review") if x.message.buttons
    ]
    said = _tap(sessions, school, asked[0], "The family could not come", utc(2026, 12, 10, 12))
    due = _rows(sessions, zoe)["ehc.annual_review"]
    assert "was not held (The family could not come)" in said
    assert f"still due by {due.due_on:%a %-d %b %Y}" in said
    assert due.due_on.year == 2026 and due.status == "open"
    with sessions() as session:
        row = session.get(Meeting, meeting)
        assert (row.status, row.outcome_reason) == ("not_held", "The family could not come")
    after = asyncio.run(ff.run_until(utc(2026, 12, 11, 12)))
    assert [_local(x) for x in _about(after, "Book Zoë Nowak's")] == [date(2026, 12, 11)]


def test_a_booking_after_the_review_is_due_does_not_silence_the_prompt_to_book(sessions) -> None:
    """Only a meeting on or before the day the review is due books it in time."""
    school = _school(sessions)
    zoe = school.pupils["zoe"]
    _meeting(sessions, school, zoe, "annual_review", datetime(2027, 3, 10, 10, tzinfo=LONDON))
    with sessions() as session, session.begin():
        jobs.annual_review_look_ahead(session, utc(2026, 12, 1, 7))
    with sessions() as session:
        prompts = [
            row.params["text"]
            for row in session.scalars(select(Outbox).where(Outbox.template == "staff.notice"))
        ]
    assert any(text.startswith("Book Zoë Nowak's EHC plan annual review") for text in prompts)


def test_a_held_sen_support_review_meets_the_parents_even_without_a_plan(sessions) -> None:
    """Code 6.65: schools "should meet parents at least three times each year" (once a term).
    A pupil on SEN support with no plan written yet whose review meeting, with the parents,
    was held on 2 December has met them this term: the "Meet parents" deadline moves to the
    end of the next term and the SENCO is not reminded about this term's any more."""
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    amelia = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        terms.save_terms(session, school.school_id, TERMS)
    assert _rows(sessions, amelia)["sen_support.parent_meeting"].due_on == date(2026, 12, 18)
    _meeting(
        sessions, school, amelia, "sen_support_review", datetime(2026, 12, 2, 15, 30, tzinfo=LONDON)
    )
    ff = FastForward(sessions, FrozenClock(NOW))
    autumn = asyncio.run(ff.run_until(utc(2026, 12, 2, 18)))
    asked = [x for x in _about(autumn, "Was Amelia Khan's SEN support review") if x.message.buttons]
    _tap(sessions, school, asked[0], "Held", utc(2026, 12, 2, 18))
    due = _rows(sessions, amelia)
    spring_end = date(2027, 3, 25)
    assert due["sen_support.review"].due_on == spring_end
    assert due["sen_support.parent_meeting"].due_on == spring_end
    assert due["sen_support.parent_meeting"].status == "open"
    later = asyncio.run(ff.run_until(utc(2027, 1, 4, 12)))
    assert not [
        x.message.text for x in _about(later, "Meet parents about SEN support for Amelia Khan")
    ]
