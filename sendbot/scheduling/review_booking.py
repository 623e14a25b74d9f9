"""For the fast-forward only: the SENCO books each review when the reminders start asking.

`sendbot tick --book-reviews` plays the SENCO who does what the reminders ask: once a day,
each pupil on SEN support or with an EHC plan whose next review is due within the first
reminder's reach (28 days), or overdue, and who has no review booked and not yet answered,
gets a review booked through the same service as the meeting flow, on a day the booking
would raise no question (a school day, after the review is due only when nothing before it
is free, with two weeks' notice for an annual review where the due date leaves room:
SEND Regulations 2014 reg 20). With `--hold-reviews` a run over a year shows each review
reminded, booked, held and rolled forward. Bookings are written like any other: run it on
the demo or a copy, never on a school's live database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.services import deadlines, meetings
from sendbot.services.actors import StaffActor, staff_actor_by_id
from sendbot.store.models import Deadline, Meeting, Pupil, School, SupportPlan

REVIEW_KINDS = {"ehc_plan": "annual_review", "sen_support": "sen_support_review"}
DUE_KINDS = {"annual_review": "ehc.annual_review", "sen_support_review": "sen_support.review"}
WORDS = {"annual_review": "EHC plan annual review", "sen_support_review": "SEN support review"}
LOOK_AHEAD = timedelta(days=28)  # the first reminder point
NOTICE = 14  # days: reg 20's two weeks, for an annual review
FIRST_SLOT = time(9, 0)
SLOT = timedelta(minutes=45)
SLOTS_A_DAY = 8


@dataclass(frozen=True)
class Booked:
    at: datetime  # when the SENCO booked it
    by: str
    pupil: str
    kind: str
    starts_at: datetime
    due_on: date

    def line(self, tz: str) -> str:
        local = self.at.astimezone(ZoneInfo(tz))
        start = self.starts_at.astimezone(ZoneInfo(tz))
        return (
            f"[{local:%a %d %b %Y %H:%M %Z}] Booked by {self.by}: {self.pupil}'s "
            f"{WORDS[self.kind]} on {start:%a %-d %b %Y at %H:%M} (due by {self.due_on:%a %-d %b %Y})"
        )


def next_review_due(session: Session, pupil: Pupil) -> date | None:
    """The date agreed on the pupil's SEN support plan, else the rule's open deadline."""
    if pupil.sen_status == "sen_support":
        agreed = session.scalar(
            select(SupportPlan.next_review_on).where(
                SupportPlan.pupil_id == pupil.id,
                SupportPlan.status == "active",
                SupportPlan.kind == "sen_support",
            )
        )
        if agreed is not None:
            return agreed
    return session.scalar(
        select(Deadline.due_on).where(
            Deadline.pupil_id == pupil.id,
            Deadline.kind == DUE_KINDS[REVIEW_KINDS[pupil.sen_status]],
            Deadline.status == "open",
        )
    )


def book_due_reviews(session: Session, now: datetime) -> list[Booked]:
    """Book each review the reminders ask for and nobody has booked; what was booked."""
    booked = []
    for school in session.scalars(select(School).order_by(School.id)):
        sencos = deadlines.staff_with_role(session, school.id, Role.SENCO)
        actor = staff_actor_by_id(session, sencos[0].id) if sencos else None
        if actor is None:
            continue
        today = deadlines.school_today(school, now)
        for pupil in session.scalars(
            select(Pupil)
            .where(
                Pupil.school_id == school.id,
                Pupil.active,
                Pupil.sen_status.in_(REVIEW_KINDS),
            )
            .order_by(Pupil.id)
        ):
            made = _book_one(session, actor, school, pupil, today, now)
            if made is not None:
                booked.append(made)
    return booked


def _book_one(
    session: Session, actor: StaffActor, school: School, pupil: Pupil, today: date, now: datetime
) -> Booked | None:
    kind = REVIEW_KINDS[pupil.sen_status]
    due_on = next_review_due(session, pupil)
    if due_on is None or due_on > today + LOOK_AHEAD:
        return None
    waiting = session.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.pupil_id == pupil.id, Meeting.kind == kind, Meeting.status == "scheduled"
        )
    )
    if waiting:
        return None  # booked, or held and not yet answered
    tz = ZoneInfo(school.timezone or "Europe/London")
    day = _pick_day(session, actor, tz, (pupil.id, kind, due_on), today)
    start = datetime.combine(day, FIRST_SLOT, tz) + SLOT * _taken(session, school.id, day, tz)
    meetings.schedule(
        session,
        actor,
        pupil_id=pupil.id,
        kind=kind,
        starts_at=start,
        ends_at=start + SLOT,
        now=now,
        place="The SENCO's office",
    )
    return Booked(now, actor.name, pupil.display_name, kind, start, due_on)


def _taken(session: Session, school_id: int, day: date, tz: ZoneInfo) -> int:
    begin = datetime.combine(day, time(0), tz)
    return (
        session.scalar(
            select(func.count(Meeting.id)).where(
                Meeting.school_id == school_id,
                Meeting.status == "scheduled",
                Meeting.starts_at >= begin,
                Meeting.starts_at < begin + timedelta(days=1),
            )
        )
        or 0
    )


def _pick_day(
    session: Session,
    actor: StaffActor,
    tz: ZoneInfo,
    review: tuple[int, str, date],
    today: date,
) -> date:
    """A school day with a free slot and nothing to ask about, two weeks ahead or more; when
    the review is due sooner, the last such day before it (the most notice it allows); when
    it is overdue, the first day after today that raises nothing but its lateness."""
    pupil_id, kind, due_on = review

    def free(day: date, allowed: str = "") -> bool:
        if _taken(session, actor.school_id, day, tz) >= SLOTS_A_DAY:
            return False
        found = meetings.booking_warnings(session, actor, pupil_id, kind, day, today)
        return all(allowed and allowed in warning for warning in found)

    days = [today + timedelta(days=n) for n in range(1, (due_on - today).days + 1)]
    for day in (d for d in days if (d - today).days >= NOTICE):
        if free(day):
            return day
    for day in reversed([d for d in days if (d - today).days < NOTICE]):
        if free(day, "notice"):
            return day
    return _first(max(today, due_on) + timedelta(days=1), lambda day: free(day, "after that"))


def _first(day: date, ok: Callable[[date], bool]) -> date:
    for _ in range(366):
        if ok(day):
            return day
        day += timedelta(days=1)
    return day
