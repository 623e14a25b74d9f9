"""Every pupil with an EHC plan in a transfer year gets the phase-transfer deadline from
their year group alone, without anyone typing the year of the transfer.

SEND Regs 2014 reg 18(1): the plan must be reviewed and amended "(a) before 31st March in
the calendar year of the transfer where the transfer is from secondary school to a post-16
institution; (b) before 15th February in the calendar year of the child's transfer in all
other cases". The date itself comes from the rule (`domain.timescales`); these tests check
that the pupil's facts reach it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sendbot.domain import timescales
from sendbot.domain.calendar import SchoolCalendar
from sendbot.domain.timescales import PhaseTransfer, PupilFacts
from sendbot.services import deadlines
from sendbot.store.models import Deadline, Pupil, School, TeachingGroup
from tests.factories import NOW, build_small_school

TODAY = NOW.date()  # Tue 24 Nov 2026: next summer's leavers transfer in 2027


def _rule(year: int, kind: PhaseTransfer) -> date:
    due = timescales.deadline(
        "ehc.phase_transfer",
        PupilFacts(phase_transfer_year=year, phase_transfer_kind=kind),
        SchoolCalendar(),
    )
    assert due is not None
    return due.due


def _add(session, school_id: int, name: str, year: int, status: str = "ehc_plan") -> int:  # type: ignore[no-untyped-def]
    group = TeachingGroup(
        school_id=school_id, code=f"Y{year}{name}", name=f"Y{year}", year_group=year
    )
    session.add(group)
    session.flush()
    pupil = Pupil(
        school_id=school_id,
        external_id=f"P-{name}",
        first_name=name,
        last_name="Test",
        date_of_birth=date(2026 - 5 - year, 10, 1),
        year_group=year,
        group_id=group.id,
        sen_status=status,
    )
    session.add(pupil)
    session.flush()
    return pupil.id


def _phase_transfer(sessions, pupil_id: int) -> date | None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(
            select(Deadline.due_on).where(
                Deadline.pupil_id == pupil_id,
                Deadline.kind == "ehc.phase_transfer",
                Deadline.status == "open",
            )
        )


def test_year_6_and_year_11_with_an_ehc_plan_get_the_deadline_from_their_year_group(
    sessions,
) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        ids = {
            name: _add(session, school.school_id, name, year, status)
            for name, year, status in (
                ("Six", 6, "ehc_plan"),
                ("Eleven", 11, "ehc_plan"),
                ("Five", 5, "ehc_plan"),
                ("SixSupport", 6, "sen_support"),
            )
        }
    feb, march = _rule(2027, PhaseTransfer.OTHER), _rule(2027, PhaseTransfer.SECONDARY_TO_POST16)
    assert (feb.month, march.month) == (2, 3)
    assert _phase_transfer(sessions, ids["Six"]) == feb
    assert _phase_transfer(sessions, ids["Eleven"]) == march
    assert _phase_transfer(sessions, ids["Five"]) is None
    assert _phase_transfer(sessions, ids["SixSupport"]) is None  # no EHC plan: no reg 18


def test_an_infant_school_s_year_2_transfer_and_a_first_school_that_says_so(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        infant = School(name="Little Oaks Infant School", urn="900009")
        session.add(infant)
        session.flush()
        two = _add(session, infant.id, "Two", 2)
        one = _add(session, infant.id, "One", 1)
        four = _add(session, school.school_id, "Four", 4)
    assert _phase_transfer(sessions, two) == _rule(2027, PhaseTransfer.OTHER)
    assert _phase_transfer(sessions, one) is None
    # Oakfield's roll stops at Year 4, but a roll is no proof of a first school...
    assert _phase_transfer(sessions, four) is None
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        oakfield = session.get(School, school.school_id)
        oakfield.settings = {**(oakfield.settings or {}), "last_year_group": 4}
    # ...its setting is: the change recomputes the school's deadlines at once.
    assert _phase_transfer(sessions, four) == _rule(2027, PhaseTransfer.OTHER)


def test_a_recorded_transfer_year_wins_over_the_year_group(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        pupil = _add(session, school.school_id, "Held", 6)
        session.get(Pupil, pupil).phase_transfer_year = 2028  # kept back a year
    with sessions() as session, session.begin():
        deadlines.recompute_pupil(session, pupil, NOW)
    assert _phase_transfer(sessions, pupil) == _rule(2028, PhaseTransfer.OTHER)
