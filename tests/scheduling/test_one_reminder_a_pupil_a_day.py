"""At most one reminder message per pupil per day for each person: the prompt to book an
annual review comes in the same message as the review's own deadline reminder."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from sendbot.clock import FrozenClock
from sendbot.scheduling.fastforward import FastForward
from sendbot.store.models import EhcCase
from tests.factories import build_small_school
from tests.scheduling.helpers import set_settings, utc

LONDON = ZoneInfo("Europe/London")


def test_the_booking_prompt_and_the_deadline_come_together(sessions) -> None:
    """Amelia's plan was issued on 20 January 2026, so her annual review falls due in
    January 2027 with no meeting booked: on 24 December the review's "28 days" reminder and
    the prompt to book it are one message, and no day brings her name twice."""
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        session.add(EhcCase(pupil_id=school.pupils["amelia"], final_issued_on=date(2026, 1, 20)))

    ff = FastForward(sessions, FrozenClock(utc(2026, 12, 24, 5, 0)))
    asyncio.run(ff.run_until(utc(2027, 1, 8, 12, 0)))

    senco = f"staff:{school.staff['senco']}"
    about_amelia = [
        x for x in ff.delivered if x.recipient.address == senco and "Amelia Khan" in x.message.text
    ]
    days = Counter(x.at.astimezone(LONDON).date() for x in about_amelia)
    assert days and max(days.values()) == 1
    first = about_amelia[0].message.text
    assert about_amelia[0].at.astimezone(LONDON).date() == date(2026, 12, 24)
    assert first.startswith("2 things due for Amelia Khan:")
    assert "Annual review of the EHC plan for Amelia Khan" in first
    assert "Book Amelia Khan's EHC plan annual review: it must be held by" in first


def test_a_deadline_due_the_day_it_appears_after_the_days_message_is_in_the_next(
    sessions,
) -> None:
    """SEND Regs 2014 reg 20: invitations and advice go out "at least two weeks before" the
    review meeting. Booked at 19:00 on 23 September for 7 October, they are due that same
    day, after the morning's message about the pupil went: the next morning's message says
    the deadline passed, rather than it never being mentioned; still one message a day."""
    from datetime import datetime

    from sendbot.store.models import Meeting

    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    amelia = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.add(EhcCase(pupil_id=amelia, final_issued_on=date(2026, 12, 3)))
    ff = FastForward(sessions, FrozenClock(utc(2027, 9, 23, 5, 0)))
    asyncio.run(ff.run_until(utc(2027, 9, 23, 18, 0)))
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = utc(2027, 9, 23, 18, 0)
        session.add(
            Meeting(
                school_id=school.school_id,
                pupil_id=amelia,
                kind="annual_review",
                starts_at=datetime(2027, 10, 7, 9, 30, tzinfo=LONDON),
                place="School office",
            )
        )
    later = asyncio.run(ff.run_until(utc(2027, 9, 25, 12, 0)))
    senco = f"staff:{school.staff['senco']}"
    about = [x for x in later if x.recipient.address == senco and "Amelia Khan" in x.message.text]
    told = [
        x
        for x in about
        if "Annual review invitations sent for Amelia Khan\nDue: Thursday 23 September 2027"
        in x.message.text
    ]
    assert [x.at.astimezone(LONDON).date() for x in told] == [date(2027, 9, 24)]
    assert "Deadline passed: Annual review invitations sent" in told[0].message.text
    assert "Annual review advice circulated for Amelia Khan" in told[0].message.text
    days = Counter(x.at.astimezone(LONDON).date() for x in about)
    assert max(days.values()) == 1
