"""Dates around a review: whether a day is one the school is closed, and which pupils are
in the year of a phase transfer.

Pure rules, no clock: the services pass today's date and the school's calendar.
"""

from __future__ import annotations

from datetime import date

from sendbot.domain.calendar import SchoolCalendar, is_bank_holiday, require_date
from sendbot.domain.timescales import PhaseTransfer

INFANT_LAST_YEAR = 2  # Year 2 to Year 3: infant to junior
PRIMARY_LAST_YEAR = 6  # Year 6 to Year 7: primary to secondary
SECONDARY_LAST_YEAR = 11  # Year 11 to post-16
ACADEMIC_YEAR_STARTS_MONTH = 9  # a pupil moves on in the September after their last year


def closed_day_reason(calendar: SchoolCalendar, day: date) -> str | None:
    """Why a meeting on `day` would be unusual (a Sunday, a bank holiday, a closure day),
    or None for an ordinary school day. Term dates count only where they are set up."""
    require_date(day)
    if day.weekday() >= 5:
        return f"a {day:%A}"
    if (day.month, day.day) == (12, 25):
        return "Christmas Day"
    if is_bank_holiday(day, calendar.nation):
        return "a bank holiday"
    terms = calendar.terms
    if terms and terms[0].starts_on <= day <= terms[-1].ends_on and not calendar.is_school_day(day):
        return "a day the school is closed (a holiday or half term)"
    return None


def school_year_start(today: date) -> date:
    """1 September of the school year `today` is in."""
    require_date(today)
    year = today.year if today.month >= ACADEMIC_YEAR_STARTS_MONTH else today.year - 1
    return date(year, ACADEMIC_YEAR_STARTS_MONTH, 1)


def likely_last_year_group(highest_on_roll: int | None) -> int | None:
    """The school's last year group when it has not said: only where the roll makes it
    plain. An infant school's roll stops at Year 2 and a sixth form's runs past Year 11; a
    roll stopping anywhere in between may just be incomplete (a roster of a few classes), so
    it is not read as a first or middle school: those set `last_year_group`."""
    if highest_on_roll is None:
        return None
    if highest_on_roll <= INFANT_LAST_YEAR or highest_on_roll > SECONDARY_LAST_YEAR:
        return highest_on_roll
    return None


def transfer_years(last_year_group: int | None) -> frozenset[int]:
    """The year groups that leave for the next phase: Year 6 and Year 11 everywhere, and
    the school's own last year group (Year 2 of an infant school, Year 4 of a first school)."""
    years = {PRIMARY_LAST_YEAR, SECONDARY_LAST_YEAR}
    if last_year_group is not None:
        years.add(last_year_group)
    return frozenset(years)


def phase_transfer_for(
    year_group: int, today: date, last_year_group: int | None
) -> tuple[int, PhaseTransfer] | None:
    """The calendar year and kind of a pupil's phase transfer, if they are in a transfer
    year now: reg 18(1) dates the amended plan by "the calendar year of the transfer".

    A pupil in their last year moves in the September after it, so in the autumn term the
    transfer is next calendar year and from January to August it is this one.
    """
    require_date(today)
    if year_group not in transfer_years(last_year_group):
        return None
    year = today.year + 1 if today.month >= ACADEMIC_YEAR_STARTS_MONTH else today.year
    kind = (
        PhaseTransfer.SECONDARY_TO_POST16
        if year_group >= SECONDARY_LAST_YEAR
        else PhaseTransfer.OTHER
    )
    return year, kind
