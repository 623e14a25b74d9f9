"""Dates read as a person means them: weekdays with 'next', and no silent guess of a year.

The meeting prompt's own example is "next tue"; "1/12" typed on 2 December could be
yesterday (a slip of the finger) or a year away, so the person is asked which they meant.
"""

from __future__ import annotations

from datetime import date

import pytest

from sendbot.domain.dates import DateAmbiguous, DateNotUnderstood, parse_british_date

# Wednesday 2 December 2026
WED_2_DEC = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("typed", "today", "direction", "expected"),
    [
        # 'next <weekday>' is the first one after today, whichever way the field looks.
        ("next tue", WED_2_DEC, "future", date(2026, 12, 8)),
        ("next wed", WED_2_DEC, "future", date(2026, 12, 9)),
        ("next thursday", WED_2_DEC, "future", date(2026, 12, 3)),
        ("Next Tue", WED_2_DEC, "past", date(2026, 12, 8)),
        ("last wed", WED_2_DEC, "past", date(2026, 11, 25)),
        ("last tue", WED_2_DEC, "past", date(2026, 12, 1)),
        ("this fri", WED_2_DEC, "future", date(2026, 12, 4)),
        ("on mon", WED_2_DEC, "future", date(2026, 12, 7)),
        ("wed", WED_2_DEC, "future", WED_2_DEC),
        # across a month end, a year end and a leap day
        ("next mon", date(2026, 12, 31), "future", date(2027, 1, 4)),
        ("next fri", date(2028, 2, 27), "future", date(2028, 3, 3)),
        ("next tue", date(2028, 2, 28), "future", date(2028, 2, 29)),
        ("last fri", date(2027, 1, 1), "past", date(2026, 12, 25)),
        # a date without a year, far from the other reading: the nearest, without a question
        ("1/9", WED_2_DEC, "future", date(2027, 9, 1)),
        ("3/12", WED_2_DEC, "future", date(2026, 12, 3)),
        ("2/12", WED_2_DEC, "future", WED_2_DEC),
        ("5/1", WED_2_DEC, "future", date(2027, 1, 5)),
        ("5/1", WED_2_DEC, "past", date(2026, 1, 5)),
        ("31/1", date(2027, 1, 31), "future", date(2027, 1, 31)),
        ("29/2", date(2028, 1, 10), "future", date(2028, 2, 29)),
        ("29 Feb", date(2028, 3, 1), "past", date(2028, 2, 29)),
        ("1/12/2027", WED_2_DEC, "future", date(2027, 12, 1)),
        ("1/12/26", WED_2_DEC, "future", date(2026, 12, 1)),
    ],
)
def test_dates_are_read_as_meant(typed: str, today: date, direction: str, expected: date) -> None:
    assert parse_british_date(typed, today, direction) == expected


@pytest.mark.parametrize(
    ("typed", "today", "direction", "candidates", "words"),
    [
        # The case: '1/12' on 2 December is not silently 1 December 2027.
        (
            "1/12",
            WED_2_DEC,
            "future",
            (date(2026, 12, 1), date(2027, 12, 1)),
            "Did you mean 1 December 2026, which has passed, or 1 December 2027?",
        ),
        (
            "30 Nov",
            WED_2_DEC,
            "future",
            (date(2026, 11, 30), date(2027, 11, 30)),
            "30 November 2026, which has passed",
        ),
        # a year end: 31 December typed on 2 January looking ahead
        (
            "31/12",
            date(2027, 1, 2),
            "future",
            (date(2026, 12, 31), date(2027, 12, 31)),
            "31 December 2026, which has passed",
        ),
        # looking back, a date a few days ahead is as likely a slip as last year's
        (
            "4/12",
            WED_2_DEC,
            "past",
            (date(2025, 12, 4), date(2026, 12, 4)),
            "4 December 2026, which is still to come, or 4 December 2025?",
        ),
    ],
)
def test_a_date_near_the_other_reading_is_asked_about(
    typed: str, today: date, direction: str, candidates: tuple[date, ...], words: str
) -> None:
    with pytest.raises(DateAmbiguous) as asked:
        parse_british_date(typed, today, direction)
    assert asked.value.candidates == candidates
    assert words in str(asked.value)


@pytest.mark.parametrize(
    ("typed", "today", "direction", "words"),
    [
        ("29/2", date(2027, 2, 10), "future", "There is no 29 February in 2027"),
        ("29/2", date(2028, 3, 10), "future", "There is no 29 February in 2029"),
        ("31/11", WED_2_DEC, "future", "'31/11' is not a real date"),
        ("30 Feb", WED_2_DEC, "future", "'30 Feb' is not a real date"),
        ("next someday", WED_2_DEC, "future", "I didn't understand"),
    ],
)
def test_dates_that_cannot_be_meant_say_why(
    typed: str, today: date, direction: str, words: str
) -> None:
    with pytest.raises(DateNotUnderstood) as refused:
        parse_british_date(typed, today, direction)
    assert words in str(refused.value)
    assert not isinstance(refused.value, DateAmbiguous)
