"""The referral chase counts working days, school holidays included: a referral on Christmas
Eve is chased on 29 December (25, 26 and 28 December are bank holidays in 2026), in school
hours, to the DSL holiday cover the school named; in term it goes to the DSL as before."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.domain.calendar import Term
from sendbot.domain.needs import Area
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import concerns, digests, escalation, safeguarding, terms
from sendbot.services.actors import staff_actor_by_id
from tests.factories import SmallSchool, build_small_school
from tests.scheduling.helpers import set_settings, utc

Sessions = sessionmaker[Session]
TERMS = [
    Term("2026-autumn", date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)),
    Term("2027-spring", date(2027, 1, 5), date(2027, 3, 24), date(2027, 2, 15), date(2027, 2, 19)),
    Term("2027-summer", date(2027, 4, 12), date(2027, 7, 21), date(2027, 5, 31), date(2027, 6, 4)),
]  # fmt: skip


def _school(sessions: Sessions, cover: tuple[str, ...], **settings: object) -> SmallSchool:
    """The small school with its term dates, and `cover` (who) as its DSL holiday cover."""
    school = build_small_school(sessions)
    ids = [school.staff[who] for who in cover]
    set_settings(sessions, school.school_id, dsl_holiday_cover=ids, **settings)
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, TERMS)
    return school


def _refer(sessions: Sessions, school: SmallSchool, at: datetime) -> None:
    """A teacher's safeguarding concern, acknowledged and referred by the DSL at `at`."""
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = at
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert teacher is not None and dsl is not None
        new = concerns.NewConcern(school.pupils["amelia"], Area.SEMH, "What was said.", True)
        concern_id = concerns.log_concern(session, teacher, new, at).concern_id
        safeguarding.acknowledge(session, dsl, concern_id, at)
        escalation.record_referral(session, dsl, concern_id, at)


def _chases(
    sessions: Sessions, school: SmallSchool, start: datetime, until: datetime
) -> list[tuple[datetime, str]]:
    """(when, to whom) of every referral chase the scheduler sends from `start` to `until`."""
    ff = FastForward(sessions, FrozenClock(start))
    asyncio.run(ff.run_until(until))
    names = {f"staff:{v}": k for k, v in school.staff.items()}
    return sorted(
        (x.at, names[x.recipient.address])
        for x in ff.delivered
        if x.message.text.startswith("Referral follow-up")
    )


def test_christmas_eve_referral_is_chased_on_29_december_to_the_holiday_cover(
    sessions: Sessions,
) -> None:
    school = _school(sessions, cover=("head",))
    christmas_eve = utc(2026, 12, 24, 11, 0)  # a Thursday in the school holiday
    _refer(sessions, school, christmas_eve)
    # 25 (Christmas Day), 26 (Saturday, Boxing Day), 27 (Sunday) and 28 December (Boxing
    # Day's substitute bank holiday) are not working days: Tuesday 29 December is the first.
    # Before this change the chase waited for school hours on a school day: 5 January.
    assert _chases(sessions, school, christmas_eve, utc(2027, 1, 6, 12, 0)) == [
        (utc(2026, 12, 29, 11, 0), "head")
    ]


def test_the_dsl_is_copied_in_the_holidays_when_the_school_asks(sessions: Sessions) -> None:
    school = _school(sessions, cover=("deputy",), dsl_holiday_cover_copies_dsl=True)
    christmas_eve_evening = utc(2026, 12, 24, 19, 30)
    _refer(sessions, school, christmas_eve_evening)
    # 19:30 on the 29th is after school hours: the chase waits for 08:00 the next working day.
    assert _chases(sessions, school, christmas_eve_evening, utc(2026, 12, 31, 12, 0)) == [
        (utc(2026, 12, 30, 8, 0), "deputy"),
        (utc(2026, 12, 30, 8, 0), "dsl"),
    ]


def test_a_friday_referral_in_term_is_chased_on_monday_to_the_dsl(sessions: Sessions) -> None:
    school = _school(sessions, cover=("head",))
    friday = utc(2027, 1, 22, 14, 0)
    _refer(sessions, school, friday)
    # In term the holiday cover is not asked: the DSL who referred it is.
    assert _chases(sessions, school, friday, utc(2027, 1, 26, 12, 0)) == [
        (utc(2027, 1, 25, 14, 0), "dsl")
    ]


def test_a_referral_before_the_easter_bank_holidays_waits_for_easter_tuesday(
    sessions: Sessions,
) -> None:
    school = _school(sessions, cover=("deputy",))
    maundy_thursday = utc(2027, 3, 25, 9, 30)  # 09:30 in London, the first day of the holiday
    _refer(sessions, school, maundy_thursday)
    # Good Friday 26 March and Easter Monday 29 March 2027 are bank holidays; the clocks go
    # forward on 28 March, so 09:30 in London on Tuesday is 08:30 UTC.
    assert _chases(sessions, school, maundy_thursday, utc(2027, 4, 1, 12, 0)) == [
        (utc(2027, 3, 30, 8, 30), "deputy")
    ]


def test_the_digests_name_who_covers_safeguarding_in_a_holiday(sessions: Sessions) -> None:
    school = _school(sessions, cover=("head",), digests_on_closed_days=True)
    holiday, term_day = date(2026, 12, 29), date(2027, 1, 5)
    with sessions() as session:
        dsl = digests.dsl_digest(session, school.school_id, holiday, utc(2026, 12, 29, 7, 30))
        senco = digests.senco_digest(session, school.school_id, holiday, chart=False)
        term = digests.dsl_digest(session, school.school_id, term_day, utc(2027, 1, 5, 7, 30))
    line = "School holiday: Joanne Fletcher covers safeguarding"
    # A day with nothing else to say still names the cover, under the one line.
    assert dsl.text().splitlines() == [
        "DSL digest for Tuesday 29 December 2026 - Oakfield Primary School: nothing new "
        "today, nothing due or overdue.",
        line,
    ]
    assert f"Safeguarding cover today\n- {line}" in senco.text()
    assert "covers safeguarding" not in term.text()
