"""Calendar arithmetic: worked cases from SEND_TIMESCALES.md section 1 and 12, and properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sendbot.domain.calendar import (
    Nation,
    SchoolCalendar,
    Term,
    TermDatesMissing,
    add_days,
    add_months,
    add_weeks,
    bank_holidays,
    is_bank_holiday,
    parse_nation,
)

# A made-up school's year, shaped like a typical English maintained school's.
TERMS = (
    Term(
        "2025-autumn", date(2025, 9, 3), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)
    ),
    Term("2026-spring", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
    Term("2026-summer", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29)),
    Term(
        "2026-autumn", date(2026, 9, 2), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
    ),
)
SCHOOL = SchoolCalendar(Nation.ENGLAND, TERMS)


# --- calendar days, weeks and months --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2026, 1, 15), 1, date(2026, 2, 15), id="same day number"),
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="31 Jan + 1 month -> 28 Feb"),
        pytest.param(date(2028, 1, 31), 1, date(2028, 2, 29), id="31 Jan 2028 leap -> 29 Feb"),
        pytest.param(date(2028, 2, 29), 12, date(2029, 2, 28), id="29 Feb 2028 + 12 -> 28 Feb"),
        pytest.param(date(2028, 2, 29), 48, date(2032, 2, 29), id="29 Feb 2028 + 48 -> 29 Feb"),
        pytest.param(date(2025, 12, 31), 2, date(2026, 2, 28), id="§1 31 Dec + 2 months"),
        pytest.param(date(2025, 8, 31), 1, date(2025, 9, 30), id="31 Aug + 1 -> 30 Sep"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="31 Mar - 1 -> 28 Feb"),
        pytest.param(date(2025, 11, 30), 3, date(2026, 2, 28), id="across a year end"),
        pytest.param(date(2026, 5, 20), 0, date(2026, 5, 20), id="zero months"),
    ],
)
def test_add_months_uses_the_last_day_when_the_day_does_not_exist(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_weeks_are_seven_calendar_days_through_holidays() -> None:
    # Summer holiday and a bank holiday in the way: plain weeks do not care.
    assert add_weeks(date(2025, 7, 21), 6) == date(2025, 9, 1)
    assert add_weeks(date(2025, 11, 10), -2) == date(2025, 10, 27)
    assert add_days(date(2025, 12, 1), 14) == date(2025, 12, 15)


@pytest.mark.parametrize(
    ("start", "weeks", "expected"),
    [
        # Clocks go forward on Sun 29 Mar 2026 and back on Sun 25 Oct 2026.
        pytest.param(date(2026, 3, 23), 1, date(2026, 3, 30), id="over spring forward"),
        pytest.param(date(2026, 10, 19), 1, date(2026, 10, 26), id="over fall back"),
        pytest.param(date(2026, 3, 30), -2, date(2026, 3, 16), id="back over spring forward"),
    ],
)
def test_daylight_saving_changes_do_not_move_dates(start: date, weeks: int, expected: date) -> None:
    assert add_weeks(start, weeks) == expected
    assert add_days(date(2026, 3, 28), 1) == date(2026, 3, 29)
    assert add_days(date(2026, 10, 25), 1) == date(2026, 10, 26)


@pytest.mark.parametrize("func", [add_days, add_weeks, add_months])
def test_timestamps_are_refused_because_their_day_depends_on_a_timezone(func) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="local date"):
        func(datetime(2026, 3, 29, 0, 30), 1)


def test_counts_must_be_whole_numbers() -> None:
    with pytest.raises(TypeError):
        add_days(date(2026, 1, 1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_months(date(2026, 1, 1), True)


# --- bank holidays per nation (§12) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "nations"),
    [
        pytest.param(
            date(2026, 4, 6), {"england", "wales", "northern_ireland"}, id="Easter Monday"
        ),
        pytest.param(
            date(2026, 4, 3), {"england", "wales", "scotland", "northern_ireland"}, id="Good Friday"
        ),
        pytest.param(date(2026, 3, 17), {"northern_ireland"}, id="St Patrick's Day"),
        pytest.param(date(2026, 7, 13), {"northern_ireland"}, id="Boyne substitute Monday"),
        pytest.param(date(2026, 8, 3), {"scotland"}, id="Scottish summer: first Monday"),
        pytest.param(
            date(2026, 8, 31),
            {"england", "wales", "northern_ireland"},
            id="E&W summer: last Monday",
        ),
        pytest.param(date(2026, 1, 2), {"scotland"}, id="2 January"),
        pytest.param(date(2026, 11, 30), {"scotland"}, id="St Andrew's Day"),
        pytest.param(
            date(2026, 12, 28),
            {"england", "wales", "scotland", "northern_ireland"},
            id="Boxing Day substitute",
        ),
        pytest.param(
            date(2023, 5, 8),
            {"england", "wales", "scotland", "northern_ireland"},
            id="one-off coronation day",
        ),
        pytest.param(date(2025, 12, 24), set(), id="Christmas Eve is not a bank holiday"),
    ],
)
def test_bank_holidays_follow_the_nation(day: date, nations: set[str]) -> None:
    assert {n.value for n in Nation if is_bank_holiday(day, n)} == nations


def test_england_and_wales_have_eight_weekday_bank_holidays_in_2025() -> None:
    weekdays = sorted(d for d in bank_holidays("england", 2025) if d.weekday() < 5)
    assert len(weekdays) == 8
    assert bank_holidays(Nation.WALES, 2026) == bank_holidays(Nation.ENGLAND, 2026)


def test_nation_words_from_the_store() -> None:
    assert parse_nation("England") is Nation.ENGLAND
    assert parse_nation("northern-ireland") is Nation.NORTHERN_IRELAND
    assert parse_nation("england_and_wales") is Nation.ENGLAND
    with pytest.raises(ValueError, match="scotland"):
        parse_nation("atlantis")
    with pytest.raises(ValueError):
        SchoolCalendar(nation="france")  # type: ignore[arg-type]


# --- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "start", "days", "expected"),
    [
        pytest.param(
            "england", date(2026, 4, 2), 1, date(2026, 4, 7), id="Thu before Easter (E&W)"
        ),
        pytest.param(
            "scotland", date(2026, 4, 2), 1, date(2026, 4, 6), id="Thu before Easter (Scotland)"
        ),
        pytest.param("england", date(2025, 12, 24), 1, date(2025, 12, 29), id="24 Dec -> 29 Dec"),
        pytest.param(
            "england", date(2025, 12, 23), 1, date(2025, 12, 24), id="24 Dec is a working day"
        ),
        pytest.param("scotland", date(2025, 12, 31), 1, date(2026, 1, 5), id="Scottish new year"),
        pytest.param("england", date(2025, 12, 31), 1, date(2026, 1, 2), id="English new year"),
        pytest.param("england", date(2026, 3, 14), 1, date(2026, 3, 16), id="Saturday -> Monday"),
        pytest.param("england", date(2026, 4, 7), -1, date(2026, 4, 2), id="backwards over Easter"),
        pytest.param("england", date(2026, 3, 14), 0, date(2026, 3, 14), id="zero is the same day"),
        pytest.param("england", date(2026, 4, 30), 5, date(2026, 5, 8), id="over early May"),
    ],
)
def test_add_working_days(nation: str, start: date, days: int, expected: date) -> None:
    assert SchoolCalendar(parse_nation(nation)).add_working_days(start, days) == expected


def test_christmas_eve_can_be_excluded_as_si_2001_341_does() -> None:
    strict = SchoolCalendar(Nation.ENGLAND, christmas_eve_is_working_day=False)
    assert not strict.is_working_day(date(2025, 12, 24))
    assert strict.add_working_days(date(2025, 12, 23), 1) == date(2025, 12, 29)
    assert SchoolCalendar().is_working_day(date(2025, 12, 24))


def test_next_working_day_on_or_after() -> None:
    assert SCHOOL.next_working_day_on_or_after(date(2026, 4, 3)) == date(2026, 4, 7)
    assert SCHOOL.next_working_day_on_or_after(date(2026, 4, 8)) == date(2026, 4, 8)


# --- terms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"starts_on": date(2026, 1, 5), "ends_on": date(2026, 1, 4)},
            "before it starts",
            id="ends before it starts",
        ),
        pytest.param(
            {"half_term_starts_on": date(2026, 2, 16)},
            "both half-term dates",
            id="one half-term date",
        ),
        pytest.param(
            {"half_term_starts_on": date(2026, 2, 20), "half_term_ends_on": date(2026, 2, 16)},
            "half term ends before",
            id="half term backwards",
        ),
        pytest.param(
            {"half_term_starts_on": date(2026, 3, 23), "half_term_ends_on": date(2026, 4, 3)},
            "inside the term",
            id="half term outside the term",
        ),
        pytest.param({"name": "  "}, "needs a name", id="no name"),
    ],
)
def test_nonsense_terms_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "name": "2026-spring",
        "starts_on": date(2026, 1, 5),
        "ends_on": date(2026, 3, 27),
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Term(**fields)  # type: ignore[arg-type]


def test_overlapping_terms_are_refused_with_both_names() -> None:
    autumn = Term("autumn", date(2025, 9, 3), date(2025, 12, 19))
    spring = Term("spring", date(2025, 12, 15), date(2026, 3, 27))
    with pytest.raises(ValueError, match="autumn and spring overlap"):
        SchoolCalendar(Nation.ENGLAND, (spring, autumn))


def test_duplicate_term_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        SchoolCalendar(
            Nation.ENGLAND,
            (
                Term("t", date(2025, 9, 3), date(2025, 12, 19)),
                Term("t", date(2026, 1, 5), date(2026, 3, 27)),
            ),
        )


def test_terms_are_kept_in_date_order_whatever_order_they_come_in() -> None:
    shuffled = SchoolCalendar(Nation.ENGLAND, list(reversed(TERMS)))  # type: ignore[arg-type]
    assert shuffled.terms == TERMS
    assert shuffled == SCHOOL


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 9, 3), True, id="first day of term"),
        pytest.param(date(2025, 9, 6), False, id="Saturday in term"),
        pytest.param(date(2025, 10, 28), False, id="half term"),
        pytest.param(date(2026, 5, 4), False, id="bank holiday inside the summer term"),
        pytest.param(date(2026, 5, 5), True, id="day after the bank holiday"),
        pytest.param(date(2026, 7, 23), False, id="summer holiday"),
        pytest.param(date(2025, 12, 24), False, id="Christmas holiday"),
    ],
)
def test_is_school_day(day: date, expected: bool) -> None:
    assert SCHOOL.is_school_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(date(2026, 5, 1), 1, date(2026, 5, 5), id="over weekend and early May"),
        pytest.param(date(2025, 10, 24), 1, date(2025, 11, 3), id="over half term"),
        pytest.param(date(2025, 12, 19), 5, date(2026, 1, 9), id="into the new term"),
        pytest.param(date(2025, 8, 1), 1, date(2025, 9, 3), id="from the holidays"),
        pytest.param(date(2025, 11, 3), -1, date(2025, 10, 24), id="backwards over half term"),
        pytest.param(date(2025, 11, 3), 0, date(2025, 11, 3), id="zero"),
    ],
)
def test_add_school_days(start: date, days: int, expected: date) -> None:
    assert SCHOOL.add_school_days(start, days) == expected


def test_school_days_past_the_set_up_terms_are_an_error_not_a_guess() -> None:
    with pytest.raises(TermDatesMissing, match="2026-12-18"):
        SCHOOL.add_school_days(date(2026, 12, 14), 10)
    with pytest.raises(TermDatesMissing, match="no term dates"):
        SchoolCalendar().add_school_days(date(2026, 1, 5), 1)


def test_term_lookups() -> None:
    term = SCHOOL.term_containing(date(2025, 10, 29))
    assert term is not None and term.name == "2025-autumn"
    assert SCHOOL.term_containing(date(2026, 8, 1)) is None
    assert SCHOOL.next_term_start(date(2025, 12, 20)) == date(2026, 1, 5)
    assert SCHOOL.next_term_start(date(2025, 10, 1)) == date(2026, 1, 5)
    assert SCHOOL.next_term_start(date(2026, 9, 2)) is None


def test_first_n_days_of_next_term() -> None:
    assert SCHOOL.first_n_days_of_next_term(date(2026, 7, 22), 5) == (
        date(2026, 9, 2),
        date(2026, 9, 3),
        date(2026, 9, 4),
        date(2026, 9, 7),
        date(2026, 9, 8),
    )
    with pytest.raises(ValueError, match="at least 1"):
        SCHOOL.first_n_days_of_next_term(date(2026, 7, 22), 0)
    with pytest.raises(TermDatesMissing):
        SCHOOL.first_n_days_of_next_term(date(2026, 9, 10), 5)


def test_next_term_starting_on_a_bank_holiday_starts_the_count_the_day_after() -> None:
    cal = SchoolCalendar(
        Nation.ENGLAND,
        (
            Term("spring", date(2026, 1, 5), date(2026, 3, 27)),
            Term("summer", date(2026, 4, 6), date(2026, 7, 22)),
        ),
    )
    assert cal.first_n_days_of_next_term(date(2026, 3, 30), 2) == (
        date(2026, 4, 7),
        date(2026, 4, 8),
    )


@pytest.mark.parametrize(
    ("day", "term_end", "half_term_end"),
    [
        pytest.param(
            date(2025, 10, 10), date(2025, 12, 19), date(2025, 10, 24), id="first half of autumn"
        ),
        pytest.param(
            date(2025, 11, 10), date(2025, 12, 19), date(2025, 12, 19), id="second half of autumn"
        ),
        pytest.param(date(2025, 10, 29), date(2025, 12, 19), None, id="in half term"),
        pytest.param(date(2026, 8, 10), None, None, id="summer holiday"),
        pytest.param(
            date(2026, 5, 1), date(2026, 7, 22), date(2026, 5, 22), id="summer, before half term"
        ),
    ],
)
def test_end_of_current_term_and_half_term(
    day: date, term_end: date | None, half_term_end: date | None
) -> None:
    assert SCHOOL.end_of_current_term(day) == term_end
    assert SCHOOL.end_of_current_half_term(day) == half_term_end


def test_end_of_term_is_the_last_school_day_and_a_term_without_half_term_is_one_half() -> None:
    # Term dates entered as running to Sunday; the last school day is the Friday before.
    cal = SchoolCalendar(Nation.ENGLAND, (Term("summer", date(2026, 4, 13), date(2026, 7, 26)),))
    assert cal.end_of_current_term(date(2026, 5, 1)) == date(2026, 7, 24)
    assert cal.end_of_current_half_term(date(2026, 5, 1)) == date(2026, 7, 24)


def test_closures_of_four_weeks_or_more_are_the_summer_holiday() -> None:
    assert SCHOOL.closures(min_days=28) == ((date(2026, 7, 23), date(2026, 9, 1)),)
    assert len(SCHOOL.closures()) == 3
    with pytest.raises(ValueError):
        SCHOOL.closures(min_days=0)


def test_review_periods() -> None:
    assert len(SCHOOL.review_periods(half_termly=False)) == 4
    halves = SCHOOL.review_periods(half_termly=True)
    assert len(halves) == 8
    assert halves[0] == (date(2025, 9, 3), date(2025, 10, 26))
    assert halves[1] == (date(2025, 11, 1), date(2025, 12, 19))


# --- properties -----------------------------------------------------------------------------

dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2045, 12, 31))
nations = st.sampled_from(list(Nation))


@given(start=dates, n=st.integers(min_value=1, max_value=400), nation=nations)
@settings(max_examples=150, deadline=None)
def test_add_working_days_lands_on_a_working_day_after_the_start(
    start: date, n: int, nation: Nation
) -> None:
    cal = SchoolCalendar(nation)
    forward = cal.add_working_days(start, n)
    backward = cal.add_working_days(start, -n)
    assert cal.is_working_day(forward) and forward > start
    assert cal.is_working_day(backward) and backward < start
    # Exactly n working days lie in (start, forward].
    between = sum(
        cal.is_working_day(start + timedelta(days=i)) for i in range(1, (forward - start).days + 1)
    )
    assert between == n


@given(
    start=dates,
    a=st.integers(min_value=0, max_value=200),
    b=st.integers(min_value=0, max_value=200),
)
@settings(max_examples=150, deadline=None)
def test_add_working_days_is_monotonic_and_composes(start: date, a: int, b: int) -> None:
    assume(a != b)
    lo, hi = sorted((a, b))
    assert SCHOOL.add_working_days(start, lo) < SCHOOL.add_working_days(start, hi)
    if lo:
        assert SCHOOL.add_working_days(
            SCHOOL.add_working_days(start, lo), hi - lo
        ) == SCHOOL.add_working_days(start, hi)


@given(start=dates, n=st.integers(min_value=1, max_value=200))
@settings(max_examples=100, deadline=None)
def test_working_days_forward_then_back_returns_to_a_working_start(start: date, n: int) -> None:
    assume(SCHOOL.is_working_day(start))
    assert SCHOOL.add_working_days(SCHOOL.add_working_days(start, n), -n) == start


@given(
    start=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=st.integers(-1200, 1200),
)
def test_add_months_never_raises_and_lands_in_the_right_month(start: date, months: int) -> None:
    result = add_months(start, months)
    assert result.year * 12 + result.month == start.year * 12 + start.month + months
    assert result.day <= start.day
    if result.day < start.day:
        assert (result + timedelta(days=1)).month != result.month  # clamped to the last day


@given(start=dates, a=st.integers(-600, 600), b=st.integers(-600, 600))
def test_add_months_is_monotonic(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert add_months(start, lo) <= add_months(start, hi)


@given(start=dates, weeks=st.integers(-1000, 1000))
def test_add_weeks_keeps_the_weekday(start: date, weeks: int) -> None:
    result = add_weeks(start, weeks)
    assert result.weekday() == start.weekday()
    assert (result - start).days == 7 * weeks


@st.composite
def calendars(draw: st.DrawFn) -> SchoolCalendar:
    """Random but valid term dates: terms with gaps, some with a half-term break."""
    day = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)))
    terms = []
    for i in range(draw(st.integers(1, 6))):
        day += timedelta(days=draw(st.integers(1, 50)))
        length = draw(st.integers(0, 110))
        start, end = day, day + timedelta(days=length)
        half: tuple[date | None, date | None] = (None, None)
        if length >= 10 and draw(st.booleans()):
            ht_start = start + timedelta(days=draw(st.integers(1, length - 8)))
            half = (ht_start, ht_start + timedelta(days=draw(st.integers(0, 6))))
        terms.append(Term(f"t{i}", start, end, *half))
        day = end
    return SchoolCalendar(draw(nations), tuple(terms))


@given(cal=calendars(), offset=st.integers(-30, 400), n=st.integers(-80, 80))
@settings(max_examples=200, deadline=None)
def test_school_days_never_land_in_holidays(cal: SchoolCalendar, offset: int, n: int) -> None:
    assume(n != 0)
    start = cal.terms[0].starts_on + timedelta(days=offset)
    try:
        result = cal.add_school_days(start, n)
    except TermDatesMissing:
        return
    term = cal.term_containing(result)
    assert term is not None
    assert not term.in_half_term(result)
    assert result.weekday() < 5
    assert not is_bank_holiday(result, cal.nation)
    assert cal.is_working_day(result)
    assert (result > start) if n > 0 else (result < start)


@given(cal=calendars(), offset=st.integers(0, 400))
@settings(max_examples=200, deadline=None)
def test_end_of_term_is_a_school_day_in_that_term_or_its_last_day(
    cal: SchoolCalendar, offset: int
) -> None:
    day = cal.terms[0].starts_on + timedelta(days=offset)
    term = cal.term_containing(day)
    end = cal.end_of_current_term(day)
    if term is None:
        assert end is None
        return
    assert end is not None and term.starts_on <= end <= term.ends_on
    assert cal.is_school_day(end) or end == term.ends_on
    if cal.is_school_day(day):
        half_end = cal.end_of_current_half_term(day)
        assert half_end is not None and day <= half_end <= end
        assert cal.is_school_day(half_end)
