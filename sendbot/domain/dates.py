"""Dates as people type them in England: 'today', 'mon', '3/2' (3 February), '3 Feb'."""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
EXAMPLES = "for example 'today', 'yesterday', 'mon', '3/2' or '3 Feb'"


class DateNotUnderstood(ValueError):
    """The message is a question a person can answer, never a guess."""


def _real(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateNotUnderstood(
            f"'{typed}' is not a real date. Please check the day and month."
        ) from None


def _year(text: str | None, today: date) -> int | None:
    if text is None:
        return None
    value = int(text)
    return 2000 + value if len(text) == 2 else value


def _nearest_year(month: int, day: int, today: date, direction: str, typed: str) -> date:
    """A date typed without a year is the one nearest today in the expected direction."""
    this_year = _real_or_none(today.year, month, day)
    if direction == "past":
        if this_year is not None and this_year <= today:
            return this_year
        return _real(today.year - 1, month, day, typed)
    if this_year is not None and this_year >= today:
        return this_year
    return _real(today.year + 1, month, day, typed)


def _real_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _weekday(text: str) -> int | None:
    """'mon', 'monday', 'tues' -> 0, 0, 1; anything else -> None."""
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    if len(text) < 3:
        return None
    for index, name in enumerate(names):
        if name.startswith(text):
            return index
    return None


def parse_british_date(typed: str, today: date, direction: str = "past") -> date:
    """Read a typed date; day before month, as people in England write it."""
    text = " ".join(typed.strip().lower().replace(",", " ").split())
    if not text:
        raise DateNotUnderstood(f"Please type a date, {EXAMPLES}.")
    for read in (_relative_date, _iso_date, _numeric_date, _worded_date):
        found = read(text, typed.strip(), today, direction)
        if found is not None:
            return found
    raise DateNotUnderstood(
        f"I didn't understand '{typed.strip()}' as a date. Please try again, {EXAMPLES}."
    )


def _relative_date(text: str, typed: str, today: date, direction: str) -> date | None:
    """'today', 'yesterday', 'tomorrow', or a weekday: the nearest one in `direction`."""
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text == "tomorrow":
        return today + timedelta(days=1)
    weekday = _weekday(text)
    if weekday is None:
        return None
    if direction == "past":
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _iso_date(text: str, typed: str, today: date, direction: str) -> date | None:
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not iso:
        return None
    return _real(int(iso[1]), int(iso[2]), int(iso[3]), typed)


def _numeric_date(text: str, typed: str, today: date, direction: str) -> date | None:
    """'3/4', '3.4.26', '03/04/2026': day first; a month over 12 is refused, not swapped."""
    numeric = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", text)
    if not numeric:
        return None
    day, month = int(numeric[1]), int(numeric[2])
    if month > 12 and day <= 12:
        raise DateNotUnderstood(
            f"'{typed}' looks like month before day. Please write the day first, "
            f"for example '{month}/{day}', or write the month as a word like '{month} {MONTHS[day - 1].title()}'."
        )
    year = _year(numeric[3], today)
    if year is None:
        if not 1 <= month <= 12:
            raise DateNotUnderstood(
                f"'{typed}' is not a real date. Please check the day and month."
            )
        return _nearest_year(month, day, today, direction, typed)
    return _real(year, month, day, typed)


def _worded_date(text: str, typed: str, today: date, direction: str) -> date | None:
    """'3 April', 'Friday 3rd April 2026'."""
    worded = re.fullmatch(r"(?:[a-z]+ )?(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?", text)
    if not worded or worded[2][:3] not in MONTHS:
        return None
    day, month = int(worded[1]), MONTHS.index(worded[2][:3]) + 1
    year = _year(worded[3], today)
    if year is None:
        return _nearest_year(month, day, today, direction, typed)
    return _real(year, month, day, typed)
