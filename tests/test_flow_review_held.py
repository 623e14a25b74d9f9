"""Marking a review meeting held or not held, as dialogs; and the next review date a
recorded review offers.

Held rolls the review forward (CFA 2014 s44(1): the next review is "in the period of 12
months starting with the date on which the plan was last reviewed"; SEN support on the
school's cycle, Code 6.65). Not held keeps the review due, with the reason. A meeting on a
day the school is closed is asked about once more.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.store.models import AuditEvent, Deadline, EhcCase, Meeting, Pupil, SupportPlan
from tests.factories import NOW
from tests.staff_dialogs import dialog_for, say_all

LONDON = ZoneInfo("Europe/London")
INTRO = "Let's record whether a review meeting was held. Type 'back' or 'cancel' at any time."
WHOSE = "Whose review meeting was it? Type part of their name."


def _meeting(sessions, school, pupil: str, kind: str, at: datetime) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        meeting = Meeting(
            school_id=school.school_id,
            pupil_id=school.pupils[pupil],
            kind=kind,
            starts_at=at,
            place="School office",
        )
        session.add(meeting)
        session.flush()
        return meeting.id


def test_a_review_held_on_a_sunday_is_asked_about_then_rolls_the_plan_forward(
    sessions, clock, school, prov
) -> None:
    meeting = _meeting(
        sessions, school, "amelia", "sen_support_review", datetime(2026, 11, 22, 10, tzinfo=LONDON)
    )
    d = dialog_for(sessions, clock, school, "senco")
    assert d.says("review held").text == f"{INTRO}\n\n{WHOSE}"
    assert d.says("amelia").text.startswith("Which meeting?")
    assert d.says("1").text == "Was it held?"
    assert d.says("yes").text == (
        "Sun 22 Nov 2026 was a Sunday, when the school is usually closed. "
        "Was the review really held then?"
    )
    assert d.says("no").text.startswith("Then please type 'back' and give the day it was held")
    summary = d.says("yes").text
    assert "- Meeting: SEN support review on Sun 22 Nov 2026" in summary
    assert "- Held: Yes" in summary
    assert d.says("1").text == (
        "Recorded: Amelia Khan's SEN support review on Sun 22 Nov 2026 was held.\n"
        "Next review due by Thu 25 Mar 2027."  # the end of the next term; 26 March is Good Friday
    )
    with sessions() as session:
        assert session.get(Meeting, meeting).status == "held"
        plan = session.scalars(
            select(SupportPlan).where(SupportPlan.pupil_id == school.pupils["amelia"])
        ).one()
        assert plan.next_review_on == date(2027, 3, 25)
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == meeting)
        ).all()[-1:] == ["meeting.held"]


def test_a_review_not_held_keeps_the_review_due_and_records_why(
    sessions, clock, school, prov
) -> None:
    zoe = school.pupils["zoe"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.get(Pupil, zoe).sen_status = "ehc_plan"
        session.add(EhcCase(pupil_id=zoe, final_issued_on=date(2025, 12, 14)))
    meeting = _meeting(
        sessions, school, "zoe", "annual_review", datetime(2026, 11, 23, 10, tzinfo=LONDON)
    )
    with sessions() as session:
        due = session.scalars(
            select(Deadline.due_on).where(
                Deadline.pupil_id == zoe, Deadline.kind == "ehc.annual_review"
            )
        ).one()
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["review held", "zoe", "1"])
    assert (
        d.says("no").text == "Why was it not held? Up to 200 characters, for example 'family ill'."
    )
    summary = d.says("Mum in hospital; rearranging for next week").text
    assert "- Why it was not held: Mum in hospital; rearranging for next week" in summary
    assert d.says("1").text == (
        "Recorded: Zoë Nowak's EHC plan annual review on Mon 23 Nov 2026 was not held "
        "(Mum in hospital; rearranging for next week).\n"
        f"The annual review is still due by {due:%a %-d %b %Y}: please book a new date."
    )
    with sessions() as session:
        row = session.get(Meeting, meeting)
        assert (row.status, row.outcome_reason) == (
            "not_held",
            "Mum in hospital; rearranging for next week",
        )
        still = session.scalars(
            select(Deadline).where(Deadline.pupil_id == zoe, Deadline.kind == "ehc.annual_review")
        ).one()
        assert (still.due_on, still.status) == (due, "open")


def test_a_pupil_with_no_meeting_to_mark_is_said_so(sessions, clock, school, prov) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["review held"])
    assert d.says("amelia").text.startswith("That pupil has no review meeting waiting to be marked")


def test_only_the_senco_may_mark_a_review_held(sessions, clock, school, prov) -> None:
    d = dialog_for(sessions, clock, school, "teacher")
    assert "Was a review held?" not in d.says("menu").text
    assert not d.says("review held").text.startswith(INTRO)


# --- the review flow's own dates ---------------------------------------------------------


def test_a_review_held_on_2_december_defaults_the_next_to_the_end_of_the_next_term(
    sessions, school, prov
) -> None:
    """Not 18 December, the end of the term it was held in, sixteen days later."""
    d = dialog_for(sessions, FrozenClock(datetime(2026, 12, 2, 16, tzinfo=LONDON)), school, "senco")
    say_all(d, ["review", "amelia", "ok", "met", "partly"])
    assert d.says("Keep going.").text == (
        "When is the next review? Type 'ok' for Thu 25 Mar 2027 (the school's next review "
        "point after this one), or a date like '18/12'."
    )


def test_a_review_recorded_as_held_on_christmas_day_is_asked_about(sessions, school, prov) -> None:
    d = dialog_for(
        sessions, FrozenClock(datetime(2026, 12, 29, 10, tzinfo=LONDON)), school, "senco"
    )
    say_all(d, ["review", "amelia"])
    assert d.says("25/12").text == (
        "Fri 25 Dec 2026 was Christmas Day, when the school is usually closed. "
        "Was the review really held then?"
    )
    assert d.says("yes").text == "Blend CVC words\nMet, partly, or not yet?"


def test_a_review_on_an_ordinary_school_day_is_not_questioned(
    sessions, clock, school, prov
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["review", "amelia"])
    assert d.says("mon").text == "Blend CVC words\nMet, partly, or not yet?"
