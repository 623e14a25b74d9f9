"""Booking a review asks before a date the law or the calendar says is wrong; it never refuses.

Each warning is a question: keep the date, or choose another. The cases: after the review is
due, less than two weeks' notice for an annual review, a weekend, a bank holiday and a day the
school is closed. And a date typed without a year, a day after it passed, is asked about.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.meeting_flows import SCHEDULE_MEETING
from sendbot.conversations.registry import REGISTRY
from sendbot.domain.calendar import Term
from sendbot.services import terms
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Deadline, Meeting
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool, build_small_school
from tests.slack.harness import open_modal, running, submit

# NOW is Tuesday 24 November 2026.


def _senco(sessions, school: SmallSchool, at: datetime = NOW) -> Dialog:  # type: ignore[no-untyped-def]
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff["senco"])
    assert actor is not None
    engine = Engine(sessions, REGISTRY, FrozenClock(at))
    return Dialog(engine, actor, ChatRef("console", "staff:senco"))


def _up_to_the_day(senco: Dialog, kind: str = "EHCP annual review") -> None:
    senco.says("meeting")
    senco.says("kacper")
    senco.says(kind)


def test_a_review_booked_after_it_is_due_asks_first(sessions) -> None:
    """CFA 2014 s44(1): the plan is reviewed 'in the period of 12 months starting with' the
    date it was made or last reviewed; the open deadline says when that period ends."""
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.add(
            Deadline(
                school_id=school.school_id,
                pupil_id=school.pupils["kacper"],
                kind="ehc.annual_review",
                subject_type="ehc_case",
                subject_id=1,
                due_on=date(2026, 12, 11),
                owner_role="senco",
                status="open",
                source="CFA 2014 s44(1)",
                computed_at=NOW,
            )
        )
    senco = _senco(sessions, school)
    _up_to_the_day(senco)
    asked = senco.says("15/3/2027")
    assert "The review is due by Fri 11 Dec 2026; this date is 94 days after that." in asked.text
    assert [o.label for o in asked.options] == ["Keep Mon 15 Mar 2027", "Choose another date"]
    # A date typed here is not taken silently: the question says how to change it.
    assert "To choose another, type 2 and then the date." in senco.says("10/12").text
    # Choosing another date goes back to the date; a date in time asks nothing more.
    assert "Which day?" in senco.says("2").text
    assert "What time" in senco.says("10/12").text


def test_less_than_two_weeks_notice_for_an_annual_review_asks_first(sessions) -> None:
    """SEND Regulations 2014 reg 20(2),(3): the invitees must be 'given at least two weeks'
    notice of the date of the meeting', and the advice circulated 'at least two weeks before'."""
    school = build_small_school(sessions)
    senco = _senco(sessions, school)
    _up_to_the_day(senco)
    asked = senco.says("2/12").text  # Wednesday 2 December: 8 days away
    assert "That gives 8 days' notice" in asked
    assert "at least 2 weeks before an annual review" in asked
    assert "regulation 20" in asked
    assert "What time" in senco.says("1").text  # kept: the SENCO's call, not a refusal
    for said in ("15:30", "1 hour", "In person", "Room 4", "skip"):
        senco.says(said)
    assert "Meeting booked for Wed 2 Dec 2026 at 15:30" in senco.says("1").text
    # 8 December gives exactly 14 days: no question.
    senco = _senco(sessions, school)
    _up_to_the_day(senco)
    assert "What time" in senco.says("8/12").text


def test_a_weekend_a_bank_holiday_and_a_closure_day_ask_first(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        terms.save_terms(
            session,
            school.school_id,
            [
                Term("2026-autumn", date(2026, 9, 3), date(2026, 12, 18)),
                Term("2027-spring", date(2027, 1, 5), date(2027, 3, 26)),
            ],
        )
    cases = [
        ("sat", "Saturday 28 Nov is a weekend."),
        ("1/1/2027", "Fri 1 Jan 2027 is a bank holiday."),
        ("28/12", "Mon 28 Dec 2026 is a bank holiday."),  # Boxing Day's substitute
        ("22/12", "The school is closed on Tue 22 Dec 2026"),
        ("4/1/2027", "The school is closed on Mon 4 Jan 2027"),
    ]
    for typed, words in cases:
        senco = _senco(sessions, school)
        _up_to_the_day(senco, "SEN support review")
        asked = senco.says(typed)
        assert words in asked.text, typed
        assert "Keep it, or choose another date?" in asked.text
        senco.says("cancel")
    # The first day of term is a school day: nothing to ask.
    senco = _senco(sessions, school)
    _up_to_the_day(senco, "SEN support review")
    assert "What time" in senco.says("5/1/2027").text


def test_1_12_typed_on_2_december_asks_which_year(sessions) -> None:
    school = build_small_school(sessions)
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    senco = _senco(sessions, school, at)
    _up_to_the_day(senco, "SEN support review")
    asked = senco.says("1/12")
    assert "Did you mean 1 December 2026, which has passed, or 1 December 2027?" in asked.text
    assert [o.label for o in asked.options] == ["Tue 1 Dec 2026 (has passed)", "Wed 1 Dec 2027"]
    assert "That date has passed" in senco.says("1").text
    senco = _senco(sessions, school, at)
    _up_to_the_day(senco, "SEN support review")
    senco.says("1/12")
    assert "What time" in senco.says("2").text
    for said in ("10:00", "30 minutes", "In person", "Room 4", "skip"):
        senco.says(said)
    assert "Meeting booked for Wed 1 Dec 2027 at 10:00" in senco.says("1").text


def test_the_prompts_own_example_next_tue_works(sessions) -> None:
    school = build_small_school(sessions)
    senco = _senco(sessions, school)
    _up_to_the_day(senco, "SEN support review")
    assert "What time" in senco.says("next tue").text
    check = ""
    for said in ("10:00", "30 minutes", "In person", "Room 4", "skip"):
        check = senco.says(said).text
    assert "Date: Tue 1 Dec 2026" in check


def test_an_online_meeting_needs_its_link_and_a_pasted_link_is_read_kindly(sessions) -> None:
    school = build_small_school(sessions)
    senco = _senco(sessions, school)
    _up_to_the_day(senco, "SEN support review")
    for said in ("8/12", "10:00", "30 minutes"):
        senco.says(said)
    assert "Paste the video link" in senco.says("Online (a video call)").text
    assert "which is not private" in senco.says("http://meet.example.com/abc").text
    assert "does not look like a video link" in senco.says("ask the office").text
    assert "Who will be there" in senco.says("meet.example.com/abc-defg").text
    senco.says("skip")
    assert "Meeting booked" in senco.says("1").text
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert meeting.video_link == "https://meet.example.com/abc-defg"
    assert meeting.place is None


def test_in_a_slack_modal_the_warning_is_a_choice_to_keep_the_date(db_url: str, sessions) -> None:
    """The same question in a form: the modal grows a 'Please check this date' choice, and
    the booking waits until the SENCO keeps the date (or changes it in its own box)."""
    answers: dict[str, Any] = {
        "pupil": None,
        "kind": "annual_review",
        "day": "2026-12-02",
        "time": "15:30",
        "length": "60",
        "where": "in_person",
        "place": "Room 4",
        "attendees": "SENCO",
    }

    async def scenario() -> None:
        async with running(db_url, sessions, FlowRegistry(flows=(SCHEDULE_MEETING,))) as h:
            answers["pupil"] = h.school.pupils["kacper"]
            view = await open_modal(h, "senco", "meeting")
            for _ in range(3):  # the form shows each question once it can be asked
                reply = await submit(h, "senco", view, answers)
                assert reply is not None and reply["response_action"] == "update", reply
                view = reply["view"]
                if "day_ok" in [b.get("block_id") for b in view["blocks"]]:
                    break
            check = next(b for b in view["blocks"] if b.get("block_id") == "day_ok")
            assert "That gives 8 days' notice" in check["label"]["text"]
            with sessions() as session:
                assert session.scalars(select(Meeting)).all() == []
            reply = await submit(h, "senco", view, {**answers, "day_ok": "back"})
            assert reply["response_action"] == "errors"
            assert "change the date above" in reply["errors"]["day_ok"]
            reply = await submit(h, "senco", view, {**answers, "day_ok": "keep:2026-12-02"})
            assert reply is None or reply.get("response_action") != "errors", reply

    asyncio.run(scenario())
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert meeting.starts_at.astimezone(UTC) == datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def test_moving_when_nothing_is_booked_says_so_at_once(sessions) -> None:
    school = build_small_school(sessions)
    senco = _senco(sessions, school)
    senco.says("move meeting")
    reply = senco.says("kacper").text
    assert "Which new day" not in reply
    assert "There is no meeting still to come for this pupil." in senco.says("1").text
