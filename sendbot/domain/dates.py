"""Dates as people type them in England: 'today', 'mon', 'next tue', '3/2' (3 February), '3 Feb'.

A date typed without a year is read as the nearest one in the expected direction, unless the
other reading is only days away: '1/12' typed on 2 December could be yesterday (a slip) or
next December, so the person is asked (`DateAmbiguous`) instead of being given a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EXAMPLES = "for example 'today', 'yesterday', 'mon', '3/2' or '3 Feb'"


# How near the other reading must be for a date without a year to need a question.
CLOSE_DAYS = 31


class DateNotUnderstood(ValueError):
    """The message is a question a person can answer, never a guess."""


class DateAmbiguous(DateNotUnderstood):
    """Two readings are both likely; `candidates` are them, in date order."""

    def __init__(self, message: str, candidates: tuple[date, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


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
    """A date typed without a year is the one nearest today in the expected direction; when
    a reading the other way is within CLOSE_DAYS of today, the person is asked instead."""
    _real(2024, month, day, typed)  # a leap year: a day no year has is not a real date
    _leap_checked(today.year, month, day)
    step = -1 if direction == "past" else 1
    readings = [
        found
        for year in (today.year - 1, today.year, today.year + 1)
        if (found := _real_or_none(year, month, day)) is not None
    ]
    ahead = [d for d in readings if (d - today).days * step >= 0]
    if not ahead:
        _leap_checked(today.year + step, month, day)
    chosen = min(ahead, key=lambda d: abs((d - today).days))
    behind = [d for d in readings if (d - today).days * step < 0]
    other = min(behind, key=lambda d: abs((d - today).days), default=None)
    if other is not None and abs((other - today).days) <= CLOSE_DAYS:
        side = "has passed" if other < today else "is still to come"
        raise DateAmbiguous(
            f"Did you mean {_long(other)}, which {side}, or {_long(chosen)}?",
            tuple(sorted((other, chosen))),
        )
    return chosen


def _leap_checked(year: int, month: int, day: int) -> date:
    """The date in `year`; 29 February outside a leap year is said, never moved."""
    found = _real_or_none(year, month, day)
    if found is None:
        raise DateNotUnderstood(
            f"There is no {day} {MONTH_NAMES[month - 1]} in {year}. "
            "Please check the day and month, or type the year too."
        )
    return found


def _long(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


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
    """'today', 'yesterday', 'tomorrow', or a weekday: the nearest one in `direction`
    (today included); 'next tue' is the first Tuesday after today, 'last tue' the last
    one before it, 'this tue' the one in `direction`."""
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text == "tomorrow":
        return today + timedelta(days=1)
    word, _, rest = text.partition(" ")
    if word in ("next", "last", "this", "on") and rest:
        text = rest
    else:
        word = ""
    weekday = _weekday(text)
    if weekday is None:
        return None
    if word == "next":
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if word == "last":
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
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


# --- a time of day, and a day with a time --------------------------------------------------

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)
_TIME_AT_END = re.compile(r"(?:^|\s)(?:at\s+)?(\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?)$")
NOW_WORDS = ("now", "just now", "right now")
WHEN_EXAMPLES = "for example 'now', 'today 12:30', 'yesterday 3pm' or 'mon 9am'"


def parse_time(raw: str) -> time | None:
    """'15:30', '3.30pm', '9am' -> a time of day; None if it is not one."""
    match = _TIME.match(raw)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _split_time(text: str) -> tuple[str, time | None]:
    """'yesterday at 3pm' -> ('yesterday', 15:00); a bare number is a time only with ':',
    '.', am or pm, so '3 feb' keeps its day."""
    match = _TIME_AT_END.search(text)
    if match is None:
        return text, None
    word = match.group(1)
    if not re.search(r"[:.]|am|pm", word):
        return text, None
    at = parse_time(word)
    if at is None:
        raise DateNotUnderstood(
            f"'{word}' is not a time of day. Please type a time like 12:30 or 3pm."
        )
    rest = text[: match.start()].strip()
    return rest, at


def parse_when(typed: str, now: datetime) -> tuple[date, time | None]:
    """When something happened, as typed: 'now', 'today 12:30', 'yesterday', '3pm' (today),
    'mon 9am', '3/12 14:00'. `now` is the school's local time. The day is read as in the
    past; the time is None when none was given. Nothing is checked against `now` here."""
    text = " ".join(typed.strip().lower().replace(",", " ").split())
    if not text:
        raise DateNotUnderstood(f"Please say when it happened, {WHEN_EXAMPLES}.")
    if text in NOW_WORDS:
        return now.date(), now.time().replace(second=0, microsecond=0)
    rest, at = _split_time(text)
    if not rest:
        return now.date(), at
    try:
        day = parse_british_date(rest, now.date(), direction="past")
    except DateAmbiguous:
        raise
    except DateNotUnderstood as exc:
        if not str(exc).startswith("I didn't understand"):
            raise  # a day that does not exist, month before day: said as it is
        raise DateNotUnderstood(
            f"I didn't understand '{typed.strip()}' as a day and time. Please try again, "
            f"{WHEN_EXAMPLES}."
        ) from None
    return day, at
