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
