"""A booked review moves, then is cancelled: every parent is told on their own chat, in their
language, with a calendar file that replaces (or removes) the event; old answers and old
buttons no longer count.

The SENCO works step by step on Telegram; both parents are on Telegram (one reads Polish).
The move crosses the change from GMT to BST (28 March 2027), so the calendar file's time must
be the school's 15:30 on the new day, not 15:30 UTC.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import Identity, Invitation, Meeting, Outbox
from tests.factories import NOW, SmallSchool, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian, link_staff

LONDON = ZoneInfo("Europe/London")
ANNA = person(7101, "Anna", language_code="pl")
PIOTR = person(7102, "Piotr", language_code="en")
SENCO = person(7103, "Sam", language_code="en")
BOOKED = datetime(2026, 12, 15, 15, 30, tzinfo=LONDON)  # GMT


def _parents_on_telegram(h: Harness, school: SmallSchool) -> dict[int, int]:
    """Kacper's mother (Polish) and father (English), each linked to their own chat."""
    anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"], "pl")
    piotr = add_guardian(h.core.sessions, school, "piotr", "Piotr", "Wiśniewski", ["kacper"])
    with h.core.sessions() as session, session.begin():
        for guardian_id, chat in ((anna.guardian_id, ANNA), (piotr.guardian_id, PIOTR)):
            session.add(
                Identity(
                    platform="telegram",
                    external_id=str(chat["id"]),
                    guardian_id=guardian_id,
                    created_at=NOW,
                )
            )
    return {ANNA["id"]: anna.guardian_id, PIOTR["id"]: piotr.guardian_id}


def _book(h: Harness, school: SmallSchool) -> int:
    with h.core.sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        return meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="annual_review",
            starts_at=BOOKED,
            ends_at=BOOKED + timedelta(hours=1),
            place="Room 4",
            now=NOW,
        ).meeting_id


def _event(fake_api: FakeBotApi, chat_id: int) -> tuple[Calendar, object]:
    """The newest calendar file sent to this chat, parsed: the calendar and its event."""
    _, content = fake_api.of("sendDocument", chat_id)[-1].files["document"]
    calendar = Calendar.from_ical(content)
    return calendar, calendar.walk("VEVENT")[0]


async def _senco_says(h: Harness, fake_api: FakeBotApi, text: str) -> str:
    await h.send(text_update(SENCO, text))
    return fake_api.texts(SENCO["id"])[-1]


def test_a_moved_review_reaches_both_parents_with_a_new_calendar_file_then_a_cancellation(
    db_url: str, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            parents = _parents_on_telegram(h, school)
            await link_staff(h, school, SENCO, "senco")
            meeting_id = _book(h, school)
            await h.deliver()
            first = {}
            for chat in parents:
                calendar, event = _event(fake_api, chat)
                first[chat] = (str(event["UID"]), int(event["SEQUENCE"]))
                assert str(calendar["METHOD"]) == "REQUEST"
            anna_yes = next(
                c for c in fake_api.of("sendMessage", ANNA["id"]) if len(c.buttons) == 4
            ).buttons[0][1]
            await h.send(tap_update(ANNA, anna_yes))
            with h.core.sessions() as session:
                rsvps = {i.guardian_id: i.rsvp for i in session.scalars(select(Invitation))}
            assert rsvps[parents[ANNA["id"]]] == "yes"
            fake_api.clear()

            # The SENCO moves it, step by step, past the clocks going forward.
            assert "Which pupil" in await _senco_says(h, fake_api, "move meeting")
            assert "Which meeting" in await _senco_says(h, fake_api, "kacper")
            assert "Which new day" in await _senco_says(h, fake_api, "1")
            assert "What time" in await _senco_says(h, fake_api, "13/4/2027")
            check = await _senco_says(h, fake_api, "15:30")
            assert "Tue 13 Apr 2027" in check
            done = await _senco_says(h, fake_api, "1")
            assert "Meeting moved to Tue 13 Apr 2027 at 15:30" in done
            assert "Anna Wiśniewska" in done and "Piotr Wiśniewski" in done
            h.clock.advance(timedelta(seconds=5))
            await h.deliver()

            new_start = datetime(2027, 4, 13, 15, 30, tzinfo=LONDON)
            for chat, writer in ((ANNA["id"], Writer(resolve("pl"))), (PIOTR["id"], None)):
                text = next(c for c in fake_api.of("sendMessage", chat) if len(c.buttons) == 4)
                moved = (writer or Writer(resolve("en")))._("The meeting has moved to a new time.")
                assert moved in text.params["text"]
                calendar, event = _event(fake_api, chat)
                uid, sequence = first[chat]
                assert str(calendar["METHOD"]) == "REQUEST"
                assert str(event["UID"]) == uid
                assert int(event["SEQUENCE"]) > sequence
                assert event.decoded("DTSTART").astimezone(LONDON) == new_start
                assert event.decoded("DTSTART").astimezone(UTC).hour == 14  # BST: UTC+1
            assert (
                "moved to a new time" in fake_api.of("sendMessage", PIOTR["id"])[0].params["text"]
            )
            assert "Spotkanie zostało przeniesione" in fake_api.texts(ANNA["id"])[0]

            # Anna's "yes" was for the old time: it no longer counts, and her old button says
            # the meeting changed without recording anything.
            with h.core.sessions() as session:
                assert all(i.rsvp is None for i in session.scalars(select(Invitation)))
                meeting = session.get(Meeting, meeting_id)
                assert meeting is not None and meeting.starts_at == new_start
            await h.send(tap_update(ANNA, anna_yes))
            polish = Writer(resolve("pl"))
            assert fake_api.texts(ANNA["id"])[-1] == (
                polish._(
                    "This meeting has changed since that message. "
                    "Please use the buttons in the newest message about it."
                )
                + "\n\n"
                + polish._(MACHINE_NOTICE)  # her chat's words are unchecked, and it says so
            )
            with h.core.sessions() as session:
                assert all(i.rsvp is None for i in session.scalars(select(Invitation)))
                staff_notes = [
                    r.params["text"]
                    for r in session.scalars(
                        select(Outbox).where(Outbox.template == "staff.notice")
                    )
                ]
            assert any(
                "Meeting moved" in n and "Tue 13 Apr 2027 at 15:30" in n for n in staff_notes
            )
            fake_api.clear()

            # Then it is cancelled: each parent gets a file that takes it out of the calendar.
            await _senco_says(h, fake_api, "cancel meeting")
            await _senco_says(h, fake_api, "kacper")
            assert "Cancel this meeting" in await _senco_says(h, fake_api, "1")
            assert "Meeting cancelled." in await _senco_says(h, fake_api, "1")
            h.clock.advance(timedelta(seconds=5))
            await h.deliver()
            for chat in parents:
                calendar, event = _event(fake_api, chat)
                assert str(calendar["METHOD"]) == "CANCEL"
                assert str(event["STATUS"]) == "CANCELLED"
                assert str(event["UID"]) == first[chat][0]
                assert int(event["SEQUENCE"]) == 2
            assert "This meeting is cancelled" in fake_api.texts(PIOTR["id"])[0]
            await h.send(tap_update(ANNA, anna_yes))
            assert fake_api.texts(ANNA["id"])[-1] == (
                polish._("This meeting was cancelled. You do not need to do anything.")
                + "\n\n"
                + polish._(MACHINE_NOTICE)
            )

    asyncio.run(scenario())


def test_an_invitation_still_queued_for_the_old_time_is_not_sent_and_only_the_senco_may_move(
    db_url: str, sessions, fake_api: FakeBotApi
) -> None:
    """Moved before the invitation went out: each parent gets one message, for the new time."""
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            _parents_on_telegram(h, school)
            meeting_id = _book(h, school)
            new_start = BOOKED + timedelta(days=2)
            with h.core.sessions() as session, session.begin():
                teacher = staff_actor_by_id(session, school.staff["teacher"])
                assert teacher is not None
                with pytest.raises(PermissionDenied):
                    meetings.move(
                        session, teacher, meeting_id, starts_at=new_start, ends_at=None, now=NOW
                    )
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                meetings.move(
                    session, senco, meeting_id, starts_at=new_start, ends_at=None, now=NOW
                )
            await h.deliver()
            for chat, language in ((ANNA["id"], "pl"), (PIOTR["id"], "en")):
                invitations = [c for c in fake_api.of("sendMessage", chat) if len(c.buttons) == 4]
                assert len(invitations) == 1
                moved = Writer(resolve(language))._("The meeting has moved to a new time.")
                assert moved in invitations[0].params["text"]
                assert len(fake_api.of("sendDocument", chat)) == 1
                _, event = _event(fake_api, chat)
                assert event.decoded("DTSTART").astimezone(LONDON) == new_start

    asyncio.run(scenario())


def test_a_button_from_before_a_move_stays_stale_when_the_meeting_moves_back(sessions) -> None:
    """Moved away and back to the first time: the first invitation's 'I will come' is still
    an answer to an invitation that was withdrawn, so it records nothing."""
    school = build_small_school(sessions)
    anna = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        booked = meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="annual_review",
            starts_at=BOOKED,
            place="Room 4",
            now=NOW,
        )
        invitation = session.get(Invitation, booked.invitation_ids[0])
        meeting = session.get(Meeting, booked.meeting_id)
        assert invitation is not None and meeting is not None
        old_yes = meetings.actions_for(session, invitation, meeting).will_come
        for starts in (BOOKED + timedelta(days=1), BOOKED):
            meetings.move(session, senco, meeting.id, starts_at=starts, ends_at=None, now=NOW)
    with sessions() as session, session.begin():
        tapped = meetings.answer(session, anna.guardian_id, old_yes, NOW)
    assert tapped.status == "stale"
    with sessions() as session:
        assert session.scalars(select(Invitation)).one().rsvp is None
