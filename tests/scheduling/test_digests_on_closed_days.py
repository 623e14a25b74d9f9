"""No digest on a day the school is closed, unless the school keeps them; what fell due or
happened meanwhile is in the next open day's digest.

Christmas 2026 in England: Christmas Day is a Friday, Boxing Day a Saturday, so its bank
holiday is the substitute day, Monday 28 December; New Year's Day is a Friday.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.clock import FrozenClock
from sendbot.domain.calendar import Term
from sendbot.domain.needs import Area
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import concerns, school_settings, terms
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import School
from tests.factories import SmallSchool, build_small_school
from tests.scheduling.helpers import plan_with_a_target, set_settings, utc
from tests.test_roster_import import EXAMPLES, append, run_import

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = [0, 1, 2, 3, 4]
SENCO_DIGEST = "SENCO digest for "


def _school_with_news(sessions: sessionmaker[Session]) -> SmallSchool:
    """Amelia's target falls due on the substitute Boxing Day, and her teacher logs a
    concern on Christmas Day: both must reach the SENCO on the next open day."""
    school = build_small_school(sessions)
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        plan_with_a_target(
            session,
            school.pupils["amelia"],
            review_on=date(2027, 3, 26),
            target="Reads a page aloud to an adult",
            parent="Reads a page aloud to you",
            due_on=date(2026, 12, 28),
        )
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(
                school.pupils["amelia"], Area.COGNITION, "Tired and tearful.", False
            ),
            datetime(2026, 12, 25, 10, 0, tzinfo=LONDON),
        )
    return school


def _senco_digests(ff: FastForward, school: SmallSchool) -> dict[date, str]:
    senco = f"staff:{school.staff['senco']}"
    return {
        x.at.astimezone(LONDON).date(): x.message.text
        for x in ff.delivered
        if x.recipient.address == senco and x.message.text.startswith(SENCO_DIGEST)
    }


def _tick(sessions: sessionmaker[Session], until: datetime) -> FastForward:
    ff = FastForward(sessions, FrozenClock(utc(2026, 12, 24, 5, 0)))
    asyncio.run(ff.run_until(until))
    return ff


def test_no_digest_on_christmas_the_bank_holidays_or_the_weekend(sessions) -> None:
    """A school with no term dates is closed at weekends and on bank holidays: no digest on
    Fri 25 Dec, Mon 28 Dec (substitute Boxing Day) or Fri 1 Jan; Tuesday 29 December's
    lists the target that fell due on the 28th and the concern logged on Christmas Day."""
    school = _school_with_news(sessions)
    set_settings(sessions, school.school_id, digest_days=WEEKDAYS)

    by_day = _senco_digests(_tick(sessions, utc(2027, 1, 5, 12, 0)), school)

    assert sorted(by_day) == [
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ]
    after = by_day[date(2026, 12, 29)]
    assert 'Amelia Khan: target "Reads a page aloud to an adult", OVERDUE by 1 day' in after
    assert "New concerns (1)" in after
    assert "Amelia Khan (Year 3): Cognition and learning, logged by Hannah Price, Fri 10:00" in (
        after
    )
    assert "New concerns" not in by_day[date(2026, 12, 30)]


def test_a_school_that_keeps_digests_on_closed_days_gets_them(sessions) -> None:
    school = _school_with_news(sessions)
    set_settings(sessions, school.school_id, digest_days=WEEKDAYS, digests_on_closed_days=True)

    by_day = _senco_digests(_tick(sessions, utc(2027, 1, 1, 12, 0)), school)

    assert sorted(by_day) == [
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
    assert "New concerns (1)" in by_day[date(2026, 12, 28)]


def test_no_digest_in_the_holiday_between_terms(sessions) -> None:
    """With term dates, the Christmas holiday is closed from end to end: the last digest
    is on the last day of term, the next on the first day of the spring term, and that one
    carries the concern logged on Christmas Day."""
    school = _school_with_news(sessions)
    set_settings(sessions, school.school_id, digest_days=WEEKDAYS)
    with sessions() as session, session.begin():
        terms.save_terms(
            session,
            school.school_id,
            [
                Term("2026-autumn", date(2026, 9, 3), date(2026, 12, 23)),
                Term("2027-spring", date(2027, 1, 5), date(2027, 3, 26)),
            ],
        )

    by_day = _senco_digests(_tick(sessions, utc(2027, 1, 5, 12, 0)), school)

    assert sorted(by_day) == [date(2027, 1, 5)]
    assert "New concerns (1)" in by_day[date(2027, 1, 5)]
    assert "OVERDUE by 8 days (was due Mon 28 Dec)" in by_day[date(2027, 1, 5)]


def test_the_setting_is_set_by_command_and_by_the_rosters_settings_csv(
    sessions, db_url: str, tmp_path: Path
) -> None:
    school = build_small_school(sessions)
    assert not _kept(sessions, school.school_id)
    result = CliRunner().invoke(
        app,
        ["school", "set", "digests_on_closed_days", "yes", "--school", "900001"]
        + ["--database", db_url],
    )
    assert result.exit_code == 0, result.output
    assert _kept(sessions, school.school_id)

    roster = tmp_path / "roster"
    shutil.copytree(EXAMPLES, roster)
    append(roster / "settings.csv", "digests_on_closed_days,yes")
    run_import(sessions, roster)
    with sessions() as session:
        imported = session.scalars(
            select(School.id).where(School.urn.not_in(("900001", "900002")))
        ).one()
    assert _kept(sessions, imported)


def _kept(sessions: sessionmaker[Session], school_id: int) -> bool:
    with sessions() as session:
        return school_settings.load(session, school_id).digests_on_closed_days
