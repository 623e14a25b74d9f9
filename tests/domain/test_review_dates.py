"""Which pupils are in a phase-transfer year, and which days a review is unusual on.

SEND Regs 2014 reg 18(1): where a child is "within 12 months of a transfer between phases of
education", the local authority must review and amend the EHC plan "(a) before 31st March in
the calendar year of the transfer where the transfer is from secondary school to a post-16
institution; (b) before 15th February in the calendar year of the child's transfer in all
other cases". Reg 2 names the transfers: early years to school, infant to junior, primary to
middle, primary to secondary, middle to secondary, secondary to post-16.
"""

from __future__ import annotations

from datetime import date

import pytest

from sendbot.domain.calendar import SchoolCalendar, Term
from sendbot.domain.review_dates import (
    closed_day_reason,
    likely_last_year_group,
    phase_transfer_for,
    school_year_start,
)
from sendbot.domain.timescales import PhaseTransfer

OTHER, POST16 = PhaseTransfer.OTHER, PhaseTransfer.SECONDARY_TO_POST16


@pytest.mark.parametrize(
    ("year_group", "today", "last_year_group", "expected"),
    [
        # Year 6 to Year 7, primary to secondary: in the autumn, the move is next year.
        (6, date(2026, 11, 24), 6, (2027, OTHER)),
        (6, date(2026, 9, 1), 6, (2027, OTHER)),
        # From January to August the transfer is this calendar year.
        (6, date(2027, 1, 4), 6, (2027, OTHER)),
        (6, date(2027, 8, 31), 6, (2027, OTHER)),
        # Year 11 to post-16: 31 March, whether or not the school has a sixth form.
        (11, date(2026, 10, 1), 11, (2027, POST16)),
        (11, date(2026, 10, 1), 13, (2027, POST16)),
        # The school's own last year group: Year 2 of an infant school, Year 4 of a first
        # school, Year 8 of a middle school, Year 13 of a sixth form.
        (2, date(2026, 12, 1), 2, (2027, OTHER)),
        (4, date(2028, 2, 29), 4, (2028, OTHER)),
        (8, date(2026, 12, 1), 8, (2027, OTHER)),
        (13, date(2026, 12, 1), 13, (2027, POST16)),
        # Not a transfer year.
        (2, date(2026, 12, 1), 6, None),
        (5, date(2026, 12, 1), 6, None),
        (10, date(2026, 12, 1), 11, None),
        (0, date(2026, 12, 1), None, None),
        (2, date(2026, 12, 1), None, None),
    ],
)
def test_the_transfer_year_comes_from_the_year_group_and_the_school(
    year_group: int,
    today: date,
    last_year_group: int | None,
    expected: tuple[int, PhaseTransfer] | None,
) -> None:
    assert phase_transfer_for(year_group, today, last_year_group) == expected


AUTUMN = Term(
    "2026-autumn", date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
)
SPRING = Term(
    "2027-spring", date(2027, 1, 5), date(2027, 3, 26), date(2027, 2, 15), date(2027, 2, 19)
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 22), "a Sunday"),
        (date(2026, 11, 21), "a Saturday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 3, 26), "a bank holiday"),  # Good Friday 2027
        (date(2026, 10, 28), "a day the school is closed (a holiday or half term)"),
        (date(2026, 12, 23), "a day the school is closed (a holiday or half term)"),
        (date(2026, 12, 2), None),
        (date(2027, 2, 12), None),
        (date(2027, 7, 1), None),  # after the last term set up: not known to be closed
    ],
)
def test_days_a_review_is_unusual_on(day: date, expected: str | None) -> None:
    assert closed_day_reason(SchoolCalendar(terms=(AUTUMN, SPRING)), day) == expected


def test_the_school_year_starts_on_1_september() -> None:
    assert school_year_start(date(2026, 8, 31)) == date(2025, 9, 1)
    assert school_year_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert school_year_start(date(2027, 2, 28)) == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("highest", "expected"),
    [
        (2, 2),  # an infant school: Year 2 to Year 3 is a transfer
        (1, 1),
        (13, 13),  # a sixth form
        (12, 12),
        (6, None),  # a primary: Year 6 counts anyway
        (5, None),  # a roster of a few classes, not a school that ends in Year 5
        (4, None),  # a first school says so in its settings
        (11, None),
        (None, None),
    ],
)
def test_the_last_year_group_is_read_from_the_roll_only_where_it_is_plain(
    highest: int | None, expected: int | None
) -> None:
    assert likely_last_year_group(highest) == expected
