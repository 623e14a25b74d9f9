"""Counting dates the way the statutory rules do: calendar days, weeks, months, working days
(the nation's bank holidays) and school days (the school's own term dates).

Everything here works on `datetime.date` only. Deadlines are days, not instants, so the
clocks changing in spring and autumn cannot move a due date; a `datetime` is refused rather
than silently truncated, because its day depends on a timezone this module does not know.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

ONE_DAY = timedelta(days=1)

# Safety net for day-by-day walks: no rule counts anywhere near this many days, so reaching it
# means the input is nonsense (or the calendar is), and an error beats an endless loop.
_MAX_WALK_DAYS = 366 * 20


class Nation(StrEnum):
    """The bank-holiday division the school follows (gov.uk publishes three; Wales shares
    England's)."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


# Subdivision codes of `holidays.country_holidays("GB", subdiv=...)`: ENG, NIR, SCT, WLS.
_SUBDIVISIONS: dict[Nation, str] = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


class TermDatesMissing(LookupError):
    """The answer needs term dates the school has not set up yet."""


def parse_nation(value: Nation | str) -> Nation:
    """A Nation from the store's lower-case words, with an error that lists the choices."""
    if isinstance(value, Nation):
        return value
    word = value.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"england_and_wales": Nation.ENGLAND, "ni": Nation.NORTHERN_IRELAND}
    if word in aliases:
        return aliases[word]
    try:
        return Nation(word)
    except ValueError:
        known = ", ".join(n.value for n in Nation)
        raise ValueError(f"nation '{value}' is not one of: {known}") from None


def require_date(value: object, name: str = "date") -> date:
    """Refuse timestamps and strings early, where the mistake is, not deep in a rule."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(
            f"{name} must be a datetime.date, not {type(value).__name__}: "
            "convert a timestamp to the school's local date first"
        )
    return value


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    return value


# --- calendar days, weeks, months ----------------------------------------------------------


def add_days(start: date, days: int) -> date:
    """Plain calendar days: the regulations' "days" have no holiday pause."""
    return require_date(start) + timedelta(days=_check_int(days, "days"))


def add_weeks(start: date, weeks: int) -> date:
    """N weeks is 7 x N calendar days (SEND Regs weeks run through school holidays)."""
    return require_date(start) + timedelta(weeks=_check_int(weeks, "weeks"))


def add_months(start: date, months: int) -> date:
    """The same day number N months on (or back), for "within 2 months" and "12 months".

    When that day does not exist (31 Jan + 1 month, 29 Feb + 12 months) we use the last day
    of the month. This is the general UK "corresponding date" convention; the reference
    (SEND_TIMESCALES.md section 1) marks it as not taken from a retrieved source [U], and it
    errs early, which is the safe side for a deadline.
    """
    require_date(start)
    _check_int(months, "months")
    index = start.year * 12 + (start.month - 1) + months
    year, month_index = divmod(index, 12)
    if not date.min.year <= year <= date.max.year:
        raise ValueError(f"{start.isoformat()} + {months} months is outside the calendar")
    month = month_index + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def last_day_of_months_starting_with(start: date, months: int) -> date:
    """The last day of "the period of N months starting with" `start` (CFA 2014 s44(1)).

    `start` is the first day of the period, so the period ends the day before the same day
    number N months on: 10 December 2025 -> 9 December 2026. When that day number does not
    exist (a period starting on 29 February, or on the 31st before a 30-day month), the
    period runs to the end of that month, as the corresponding date rule has it:
    29 February 2024 -> 28 February 2025, while 1 March 2027 -> 29 February 2028.
    """
    corresponding = add_months(start, months)
    if corresponding.day < start.day:  # no such day that month: the month's last day ends it
        return corresponding
    return corresponding - timedelta(days=1)


# --- bank holidays and working days --------------------------------------------------------


@lru_cache(maxsize=256)
def _bank_holidays_in(nation: Nation, year: int) -> frozenset[date]:
    # The holidays package computes these offline from its own rules; gov.uk's bank-holidays
    # feed is the authority and occasionally announces one-off days later than a release.
    table = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=year)
    return frozenset(day for day in table if day.year == year)


def bank_holidays(nation: Nation | str, year: int) -> frozenset[date]:
    """The nation's bank holidays in one calendar year, including substitute days."""
    return _bank_holidays_in(parse_nation(nation), _check_int(year, "year"))


def is_bank_holiday(day: date, nation: Nation | str) -> bool:
    require_date(day)
    return day in _bank_holidays_in(parse_nation(nation), day.year)


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _step(day: date, forwards: bool) -> date:
    return day + ONE_DAY if forwards else day - ONE_DAY


# --- the school's terms --------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One school term as the school publishes it; the half-term break lies inside it."""

    name: str
    starts_on: date
    ends_on: date
    half_term_starts_on: date | None = None
    half_term_ends_on: date | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a term needs a name, e.g. '2025-autumn'")
        require_date(self.starts_on, "starts_on")
        require_date(self.ends_on, "ends_on")
        if self.ends_on < self.starts_on:
            raise ValueError(
                f"term {self.name} ends on {self.ends_on.isoformat()}, "
                f"before it starts on {self.starts_on.isoformat()}"
            )
        self._check_half_term()

    def _check_half_term(self) -> None:
        ht_start, ht_end = self.half_term_starts_on, self.half_term_ends_on
        if ht_start is None and ht_end is None:
            return
        if ht_start is None or ht_end is None:
            raise ValueError(f"term {self.name}: give both half-term dates or neither")
        require_date(ht_start, "half_term_starts_on")
        require_date(ht_end, "half_term_ends_on")
        if ht_end < ht_start:
            raise ValueError(f"term {self.name}: half term ends before it starts")
        if not self.starts_on < ht_start or not ht_end < self.ends_on:
            raise ValueError(
                f"term {self.name}: the half-term break must fall inside the term, "
                "with school days before and after it"
            )

    def contains(self, day: date) -> bool:
        """True for every day from the first to the last day, half-term break included."""
        return self.starts_on <= day <= self.ends_on

    def in_half_term(self, day: date) -> bool:
        if self.half_term_starts_on is None or self.half_term_ends_on is None:
            return False
        return self.half_term_starts_on <= day <= self.half_term_ends_on

    def halves(self) -> tuple[tuple[date, date], ...]:
        """The teaching stretches either side of the half-term break (one if there is none)."""
        if self.half_term_starts_on is None or self.half_term_ends_on is None:
            return ((self.starts_on, self.ends_on),)
        return (
            (self.starts_on, self.half_term_starts_on - ONE_DAY),
            (self.half_term_ends_on + ONE_DAY, self.ends_on),
        )


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's nation (for bank holidays) and its term dates.

    `christmas_eve_is_working_day` exists because the reference could not see how SEND Regs
    reg 2 defines a working day; another education SI (SI 2001/341) excludes Christmas Eve.
    Bank holidays are never school days, even inside a term.
    """

    nation: Nation = Nation.ENGLAND
    terms: tuple[Term, ...] = field(default=())
    christmas_eve_is_working_day: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "nation", parse_nation(self.nation))
        ordered = tuple(sorted(self.terms, key=lambda term: term.starts_on))
        for term in ordered:
            if not isinstance(term, Term):
                raise TypeError(f"terms must be Term objects, not {type(term).__name__}")
        names = [term.name for term in ordered]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"term names must be unique: {', '.join(duplicates)}")
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if later.starts_on <= earlier.ends_on:
                raise ValueError(
                    f"terms {earlier.name} and {later.name} overlap: "
                    f"{later.name} starts on {later.starts_on.isoformat()}, "
                    f"before {earlier.name} ends on {earlier.ends_on.isoformat()}"
                )
        object.__setattr__(self, "terms", ordered)

    # working days

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not one of the nation's bank holidays."""
        require_date(day)
        if _is_weekend(day) or is_bank_holiday(day, self.nation):
            return False
        return not (not self.christmas_eve_is_working_day and (day.month, day.day) == (12, 24))

    def add_working_days(self, start: date, days: int) -> date:
        """The Nth working day after `start` (before it when N is negative).

        `start` itself is never counted, so a referral made on a Saturday is due back on
        Monday. N = 0 returns `start` unchanged.
        """
        require_date(start)
        return self._count(start, _check_int(days, "days"), self.is_working_day)

    def next_working_day_on_or_after(self, day: date) -> date:
        require_date(day)
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    # terms and school days

    def term_containing(self, day: date) -> Term | None:
        """The term whose dates include `day` (its half-term break counts as inside it)."""
        require_date(day)
        return next((term for term in self.terms if term.contains(day)), None)

    def is_school_day(self, day: date) -> bool:
        """A weekday in term, outside the half-term break, that is not a bank holiday."""
        term = self.term_containing(day)
        if term is None or term.in_half_term(day) or _is_weekend(day):
            return False
        return not is_bank_holiday(day, self.nation)

    def add_school_days(self, start: date, days: int) -> date:
        """The Nth school day after `start` (before it when N is negative); N = 0 is `start`.

        Raises TermDatesMissing when the count runs past the term dates the school has set up,
        because guessing the next term would put a wrong date in front of staff.
        """
        require_date(start)
        _check_int(days, "days")
        if days == 0:
            return start
        if not self.terms:
            raise TermDatesMissing("no term dates are set up, so school days cannot be counted")
        first, last = self.terms[0].starts_on, self.terms[-1].ends_on
        forwards = days > 0
        remaining = abs(days)
        day = start
        while remaining:
            day = _step(day, forwards)
            if (day > last) if forwards else (day < first):
                raise TermDatesMissing(
                    f"counting {days} school days from {start.isoformat()} runs past the "
                    f"term dates set up ({first.isoformat()} to {last.isoformat()})"
                )
            if self.is_school_day(day):
                remaining -= 1
        return day

    def next_term_start(self, day: date) -> date | None:
        """The first day of the first term that starts after `day`, if one is set up."""
        require_date(day)
        return next((term.starts_on for term in self.terms if term.starts_on > day), None)

    def first_n_days_of_next_term(self, day: date, n: int) -> tuple[date, ...]:
        """The first N school days of the next term (KCSIE's file-transfer window)."""
        require_date(day)
        if _check_int(n, "n") < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        starts = self.next_term_start(day)
        if starts is None:
            raise TermDatesMissing(f"no term starting after {day.isoformat()} is set up")
        first = starts if self.is_school_day(starts) else self.add_school_days(starts, 1)
        days = [first]
        while len(days) < n:
            days.append(self.add_school_days(days[-1], 1))
        return tuple(days)

    def end_of_current_term(self, day: date) -> date | None:
        """The last school day of the term containing `day`; None in the holidays."""
        term = self.term_containing(day)
        if term is None:
            return None
        return self._last_school_day(term.starts_on, term.ends_on)

    def end_of_current_half_term(self, day: date) -> date | None:
        """The last school day before the next break, for schools that review half-termly.

        None during the half-term break and the holidays, where no half term is "current".
        """
        term = self.term_containing(day)
        if term is None or term.in_half_term(day):
            return None
        for first, last in term.halves():
            if first <= day <= last:
                return self._last_school_day(first, last)
        raise AssertionError("a day inside a term is in one of its halves or its break")

    def closures(self, min_days: int = 1) -> tuple[tuple[date, date], ...]:
        """Gaps between consecutive terms lasting at least `min_days` (first, last closed day).

        The ">= 4 continuous weeks" closure exemption (SEND Regs reg 10(4)(a)) needs these.
        """
        if _check_int(min_days, "min_days") < 1:
            raise ValueError(f"min_days must be at least 1, not {min_days}")
        gaps = []
        for earlier, later in zip(self.terms, self.terms[1:], strict=False):
            first, last = earlier.ends_on + ONE_DAY, later.starts_on - ONE_DAY
            if (last - first).days + 1 >= min_days:
                gaps.append((first, last))
        return tuple(gaps)

    def review_periods(self, half_termly: bool) -> tuple[tuple[date, date], ...]:
        """Each term (or each half of each term) as (first day, last day), in order."""
        if half_termly:
            return tuple(half for term in self.terms for half in term.halves())
        return tuple((term.starts_on, term.ends_on) for term in self.terms)

    # helpers

    def _last_school_day(self, first: date, last: date) -> date:
        day = last
        while day >= first:
            if self.is_school_day(day):
                return day
            day -= ONE_DAY
        return last

    @staticmethod
    def _count(start: date, days: int, counts: Callable[[date], bool]) -> date:
        forwards = days > 0
        remaining = abs(days)
        day = start
        walked = 0
        while remaining:
            day = _step(day, forwards)
            walked += 1
            if walked > _MAX_WALK_DAYS:
                raise ValueError(f"{days} days from {start.isoformat()} is beyond any deadline")
            if counts(day):
                remaining -= 1
        return day
