"""A school's terms, kept in `term_date`, as the pure `SchoolCalendar` of domain/calendar.

Review dates default from here: the end of the current term, or of the current half term
for a level the school reviews half-termly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain import timescales
from sendbot.domain.calendar import Nation, SchoolCalendar, Term, parse_nation
from sendbot.services import school_policy
from sendbot.store.models import School, TermDate

# Without term dates, a term is taken as 12 weeks and a half term as 6.
FALLBACK = {"termly": timedelta(weeks=12), "half_termly": timedelta(weeks=6)}


def _term(row: TermDate) -> Term:
    return Term(
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        half_term_starts_on=row.half_term_starts_on,
        half_term_ends_on=row.half_term_ends_on,
    )


def calendar_for(session: Session, school_id: int) -> SchoolCalendar:
    school = session.get(School, school_id)
    rows = session.scalars(select(TermDate).where(TermDate.school_id == school_id))
    return SchoolCalendar(
        nation=parse_nation(school.nation) if school else Nation.ENGLAND,
        terms=tuple(_term(r) for r in rows),
    )


def is_open(calendar: SchoolCalendar, day: date) -> bool:
    """Whether the school is open on `day`: a school day (in term, not half term, not a bank
    holiday, not a weekend) within the span of its term dates; outside that span, or with
    none set up, any working day, so a school that has not entered next year's terms yet is
    not taken as closed for good."""
    terms = calendar.terms
    if terms and terms[0].starts_on <= day <= terms[-1].ends_on:
        return calendar.is_school_day(day)
    return calendar.is_working_day(day)


def save_terms(session: Session, school_id: int, terms: Iterable[Term]) -> None:
    """Add or update terms by name (e.g. '2026-autumn')."""
    for term in terms:
        row = session.scalar(
            select(TermDate).where(TermDate.school_id == school_id, TermDate.name == term.name)
        )
        if row is None:
            row = TermDate(school_id=school_id, name=term.name)
            session.add(row)
        row.starts_on = term.starts_on
        row.ends_on = term.ends_on
        row.half_term_starts_on = term.half_term_starts_on
        row.half_term_ends_on = term.half_term_ends_on
    session.flush()


def term_named(session: Session, school_id: int, name: str) -> Term | None:
    row = session.scalar(
        select(TermDate).where(TermDate.school_id == school_id, TermDate.name == name)
    )
    return _term(row) if row else None


def current_or_next_term(calendar: SchoolCalendar, day: date) -> Term | None:
    return calendar.term_containing(day) or next(
        (t for t in calendar.terms if t.starts_on > day), None
    )


def default_review_date(session: Session, school_id: int, level: str, today: date) -> date:
    """The end of the current (half) term, as the school's policy for the level says.

    In a holiday or half-term break, the end of the next one; without term dates, 12 weeks
    (6 for half-termly) from today.
    """
    frequency = school_policy.load(session, school_id).review(level)
    calendar = calendar_for(session, school_id)
    if frequency == "half_termly":
        found = calendar.end_of_current_half_term(today)
        if found is None:
            for first, _last in calendar.review_periods(half_termly=True):
                if first > today:
                    found = calendar.end_of_current_half_term(first)
                    break
    else:
        found = calendar.end_of_current_term(today)
        if found is None:
            term = current_or_next_term(calendar, today)
            found = calendar.end_of_current_term(term.starts_on) if term else None
    return found if found is not None else today + FALLBACK[frequency]


def next_review_after(session: Session, school_id: int, level: str, held_on: date) -> date:
    """When the review after one held on `held_on` is due, by the same rules the deadlines
    use: an EHC plan within 12 months of the review (CFA 2014 s44), any other plan at the
    end of the next term or half term of the school's cycle (Code 6.65), never the end of
    the term the review was held in."""
    calendar = calendar_for(session, school_id)
    if level == "ehc_plan":
        facts = timescales.PupilFacts(last_annual_review_on=held_on)
        kind = "ehc.annual_review"
    else:
        frequency = timescales.ReviewFrequency(school_policy.load(session, school_id).review(level))
        facts = timescales.PupilFacts(
            support_plan_started_on=held_on,
            support_plan_last_reviewed_on=held_on,
            review_frequency=frequency,
        )
        kind = "sen_support.review"
    due = timescales.deadline(kind, facts, calendar)
    assert due is not None  # both rules give a date once a review is recorded
    return due.due
