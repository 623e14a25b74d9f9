"""Watch a year: the demo school fast-forwarded through twelve months of its scheduler.

A SENCO who does what the reminders ask: each review is booked when a reminder says it is
due (on an open school day before it is due, with two weeks' notice where there is time),
held by a tap on "Was it held?" when the meeting ends, and the next review is created. The
law the reviews follow:

- CFA 2014 s44(1): the plan is reviewed "in the period of 12 months starting with the date
  on which the plan was made" and then "in the period of 12 months starting with the date
  on which the plan was last reviewed".
- SEND Regs 2014 reg 20(2),(3): invitations and advice at least 2 weeks before the meeting;
  reg 20(7),(10): the report within 2 weeks of it, the local authority's decision within 4.
- SEND Code of Practice 6.65: parents of pupils on SEN support are met "at least three
  times each year" (the school's termly review cycle).

Over the year, for every pupil on SEN support or with an EHC plan:
- each review is reminded, booked, held by a tap, and the next one is created;
- nothing about a review is reminded once it was held;
- no deadline falls silent: every deadline the school owes that comes due during the year
  was reminded on or before its day, and every one the local authority or the family owes
  was shown to the SENCO on its day (docs/scheduling.md, "Reminders");
- each person gets at most one reminder message about a pupil on any day.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.delivery import keys
from sendbot.demo.build import build_demo, demo_school_id
from sendbot.demo.school import DEMO_SENCO_EMAIL
from sendbot.domain.calendar import add_months
from sendbot.domain.timescales import RULES_BY_KIND, annual_review_last_day
from sendbot.scheduling import jobs
from sendbot.scheduling.fastforward import Delivered, FastForward
from sendbot.scheduling.jobs import WATCHED_OWNERS
from sendbot.scheduling.review_booking import next_review_due
from sendbot.services import due, meetings, staff_buttons
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.store.models import Deadline, Outbox, Pupil, SupportPlan
from tests.scheduling.helpers import set_settings

Sessions = sessionmaker[Session]
LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 24)  # the demo's "today": a Tuesday in the autumn term
END = add_months(TODAY, 12)
REVIEW_KINDS = {"ehc_plan": "annual_review", "sen_support": "sen_support_review"}
SLOTS = {
    "annual_review": (time(9, 30), time(13, 30)),
    "sen_support_review": (time(15, 30), time(16, 15), time(17, 0)),
}
# The deadlines a review meets: once it is held, none of them is reminded for its old date.
MET_BY_REVIEW = {
    "annual_review": ("ehc.annual_review", "ehc.review_invitations", "ehc.review_advice"),
    "sen_support_review": ("sen_support.review", "sen_support.parent_meeting"),
}
ASKS_FOR_A_REVIEW = (
    "Annual review of the EHC plan for",
    "EHC plan annual review: it must be held by",
    "SEN support review (assess, plan, do, review) for",
    "Meet parents about SEN support for",
    ": SEN support plan for",
)


def _local(at: datetime) -> datetime:
    return at.astimezone(LONDON)


@dataclass
class Review:
    """One review of one pupil, from the reminder that asked for it to the next one."""

    pupil_id: int
    name: str
    kind: str
    due_on: date
    reminded: bool
    meeting_id: int
    starts_at: datetime
    held_at: datetime | None = None
    next_due: date | None = None
    # What a reminder about this review says ("<rule> for <pupil>\nDue: <date>"): none may
    # come once it was held.
    reminded_as: set[str] = field(default_factory=set)
    # What the review should have met but is still due by its date once it was held.
    still_due: set[str] = field(default_factory=set)


@dataclass
class Sent:
    """A delivered message with its outbox row (its template and what it is about)."""

    template: str
    params: dict[str, object]
    staff_id: int | None
    message: Delivered

    @property
    def day(self) -> date:
        return _local(self.message.at).date()

    @property
    def text(self) -> str:
        return self.message.message.text


@dataclass
class Senco:
    """The demo's SENCO doing what each message asks, through the services a tap calls."""

    sessions: Sessions
    reviews: list[Review] = field(default_factory=list)
    booked: dict[tuple[date, str], int] = field(default_factory=dict)

    def actor(self, session: Session) -> StaffActor:
        actor = staff_actor_by_email(session, DEMO_SENCO_EMAIL)
        assert actor is not None
        return actor

    def read(self, sent: list[Sent], now: datetime) -> None:
        for message in sent:
            if message.template == keys.PUPIL_REMINDERS and any(
                words in message.text for words in ASKS_FOR_A_REVIEW
            ):
                self.book(int(str(message.params["pupil_id"])), now, reminded=True)
            elif message.template == keys.MEETING_OUTCOME_PROMPT:
                self.tap_held(int(str(message.params["meeting_id"])), message, now)

    # --- booking -----------------------------------------------------------------------

    def book(self, pupil_id: int, now: datetime, reminded: bool) -> None:
        """Book the pupil's next review, unless one is booked and not yet held."""
        if any(r.pupil_id == pupil_id and r.held_at is None for r in self.reviews):
            return
        with self.sessions() as session, session.begin():
            session.info["sendbot.now"] = now
            pupil = session.get(Pupil, pupil_id)
            assert pupil is not None
            kind = REVIEW_KINDS[pupil.sen_status]
            due_on = next_review_due(session, pupil)
            assert due_on is not None, f"{pupil.display_name} has no review due"
            actor = self.actor(session)
            day = self.pick_day(session, actor, pupil.id, kind, due_on, _local(now).date())
            slot = SLOTS[kind][self.booked.get((day, kind), 0)]
            self.booked[(day, kind)] = self.booked.get((day, kind), 0) + 1
            starts = datetime.combine(day, slot, LONDON)
            made = meetings.schedule(
                session,
                actor,
                pupil_id=pupil.id,
                kind=kind,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=45),
                now=now,
                place="The SENCO's office",
            )
            review = Review(
                pupil.id, pupil.display_name, kind, due_on, reminded, made.meeting_id, starts
            )
            review.reminded_as = _reminded_as(session, pupil, review)
            self.reviews.append(review)

    def pick_day(
        self,
        session: Session,
        actor: StaffActor,
        pupil_id: int,
        kind: str,
        due_on: date,
        today: date,
    ) -> date:
        """A school day with a free slot and nothing to warn about, two weeks ahead or more
        (regulation 20's notice for an annual review); when the review is due sooner, the
        last such day before it (the most notice it allows); when it is overdue, the first."""

        def free(day: date, allowed: str = "") -> bool:
            if self.booked.get((day, kind), 0) >= len(SLOTS[kind]):
                return False
            found = meetings.booking_warnings(session, actor, pupil_id, kind, day, today)
            return all(allowed and allowed in warning for warning in found)

        days = [today + timedelta(days=n) for n in range(1, (due_on - today).days + 1)]
        later = [day for day in days if (day - today).days >= 14]
        soon = [day for day in days if (day - today).days < 14]
        for day in later:
            if free(day):
                return day
        for day in reversed(soon):
            if free(day, "notice"):
                return day
        day = max(today, due_on) + timedelta(days=1)
        while not free(day, "after that"):
            day += timedelta(days=1)
        return day

    # --- holding -----------------------------------------------------------------------

    def tap_held(self, meeting_id: int, message: Sent, now: datetime) -> None:
        """Tap Held on the prompt, as an adapter passes the tap on."""
        review = next(r for r in self.reviews if r.meeting_id == meeting_id)
        button = next(b for b in message.message.message.buttons if b.label == "Held")
        with self.sessions() as session, session.begin():
            session.info["sendbot.now"] = now
            pupil = session.get(Pupil, review.pupil_id)
            assert pupil is not None
            before = review.reminded_as | _reminded_as(session, pupil, review)
            result = staff_buttons.tap(session, self.actor(session), button.action_id, now)
            assert result is not None and result.done, result
            assert "was held" in result.text, result.text
            review.held_at = now
            review.next_due = next_review_due(session, pupil)
            # What the review met, or moved on to the next date, is never reminded again.
            review.reminded_as = before - _reminded_as(session, pupil, review)
            review.still_due = set(
                session.scalars(
                    select(Deadline.kind).where(
                        Deadline.pupil_id == pupil.id,
                        Deadline.kind.in_(MET_BY_REVIEW[review.kind]),
                        Deadline.status == "open",
                        Deadline.due_on <= max(review.due_on, review.starts_at.date()),
                    )
                )
            )


def _reminded_as(session: Session, pupil: Pupil, review: Review) -> set[str]:
    """How a reminder names each open deadline this review meets, and the plan's review."""
    name = pupil.display_name
    found = {
        _reminder_words(row.kind, name, row.due_on)
        for row in session.scalars(
            select(Deadline).where(
                Deadline.pupil_id == pupil.id,
                Deadline.kind.in_(MET_BY_REVIEW[review.kind]),
                Deadline.status == "open",
            )
        )
    }
    due_on = next_review_due(session, pupil)
    if due_on is not None and review.kind == "annual_review":
        found.add(f"Book {name}'s EHC plan annual review: it must be held by {due_on:%a %-d %b %Y}")
    elif due_on is not None:
        found.add(f" for {name}\nDue: {due_on:%A %-d %B %Y} (the date agreed")
    return found


def _reminder_words(kind: str, name: str, due_on: date) -> str:
    return f"{RULES_BY_KIND[kind].title} for {name}\nDue: {due_on:%A %-d %B %Y}"


# --- the year ----------------------------------------------------------------------------


def _sent_since(sessions: Sessions, ff: FastForward, after: datetime) -> list[Sent]:
    """Messages delivered since `after`, each with its outbox row's template and params."""
    with sessions() as session:
        rows = session.execute(
            select(
                Outbox.id,
                Outbox.template,
                Outbox.params,
                Outbox.recipient_staff_id,
                Outbox.platform_message_id,
            )
            .where(Outbox.status == "sent", Outbox.sent_at > after)
            .order_by(Outbox.sent_at, Outbox.id)
        ).all()
    return [
        Sent(
            row.template,
            dict(row.params),
            row.recipient_staff_id,
            ff.delivered[int(str(row.platform_message_id).removeprefix("sim-")) - 1],
        )
        for row in rows
    ]


@dataclass
class Year:
    senco: Senco
    sent: list[Sent]
    send_pupils: dict[int, str]
    overdue_on_day_one: set[int]
    # Deadlines still open on their own day: (deadline id, due date) -> kind, owner, pupil.
    open_on_due: dict[tuple[int, date], tuple[str, str, int]]
    plans_on_due: set[tuple[int, date, int]]
    first_seen: dict[tuple[int, date], date] = field(default_factory=dict)


def _watch_a_year(tmp_path: Path) -> Year:
    sessions = build_demo(tmp_path / "demo.db", TODAY)
    school_id = demo_school_id(sessions)
    assert school_id is not None
    set_settings(sessions, school_id)  # no daily digests: a chart a day is slow
    start = datetime.combine(TODAY, time(9), LONDON)
    ff = FastForward(sessions, FrozenClock(start))
    senco = Senco(sessions)
    with sessions() as session:
        send_pupils = {
            p.id: p.display_name
            for p in session.scalars(
                select(Pupil).where(Pupil.sen_status.in_(REVIEW_KINDS), Pupil.active)
            )
        }
        # Day one: "what's due" lists the reviews already overdue; the SENCO books them.
        overdue = {
            item.pupil_id
            for item in due.due_for(session, senco.actor(session), TODAY)
            if item.pupil_id in send_pupils and item.due_on < TODAY
        }
    for pupil_id in sorted(overdue):
        senco.book(pupil_id, start, reminded=False)
    year = Year(senco, [], send_pupils, overdue, {}, set())
    # The fast-forward's own stepping: from one moment anything could happen to the next,
    # the SENCO reading what arrived and answering at once.
    end = datetime.combine(END, time(0), LONDON)
    now, last = start, start - timedelta(seconds=1)
    while now < end:
        asyncio.run(ff.step())
        sent = _sent_since(sessions, ff, last)
        last = now
        year.sent.extend(sent)
        senco.read(sent, now)
        _still_open_today(sessions, _local(now).date(), year)
        with sessions() as session:
            wake = jobs.next_wakeup(session, now)
        now = max(wake, now + timedelta(minutes=1))
        ff.clock.set(now)
    return year


def _still_open_today(sessions: Sessions, day: date, year: Year) -> None:
    """Which deadlines are open this evening: those due today, and when each was first seen."""
    with sessions() as session:
        for row in session.scalars(
            select(Deadline).where(
                Deadline.status == "open",
                Deadline.due_on >= day,
                Deadline.subject_type == "pupil",
            )
        ):
            year.first_seen.setdefault((row.id, row.due_on), day)
            if row.due_on == day:
                year.open_on_due[(row.id, day)] = (row.kind, row.owner_role, row.pupil_id or 0)
        for plan in session.scalars(
            select(SupportPlan).where(
                SupportPlan.status == "active",
                SupportPlan.kind != "ehc_plan",  # the annual review is its review
                SupportPlan.next_review_on == day,
            )
        ):
            year.plans_on_due.add((plan.id, day, plan.pupil_id))


def test_a_year_of_the_demo_school(tmp_path: Path) -> None:
    year = _watch_a_year(tmp_path)
    reviews, held = year.senco.reviews, [r for r in year.senco.reviews if r.held_at]
    assert len(year.sent) == len({id(m.message) for m in year.sent})

    # Every pupil on SEN support or with an EHC plan had a review reminded, booked before
    # it was due, held by a tap, and the next one created: EHC plans within the 12 months
    # starting with the review (s44(1)), SEN support on the termly cycle.
    assert {r.pupil_id for r in held} == set(year.send_pupils)
    assert {r.pupil_id for r in reviews if not r.reminded} == year.overdue_on_day_one
    for review in reviews:
        if review.reminded:
            assert review.starts_at.date() <= review.due_on, review
    for review in held:
        assert review.next_due is not None and review.next_due > review.starts_at.date(), review
        assert review.still_due == set(), (review.name, review.still_due)
        if review.kind == "annual_review":
            assert review.next_due == annual_review_last_day(review.starts_at.date()), review
    by_kind = Counter(r.kind for r in held)  # four EHC plans; about 30 on SEN support, termly
    assert by_kind["annual_review"] >= 4 and by_kind["sen_support_review"] >= 3 * 28

    # Nothing about a review is reminded once it was held.
    reminders = [m for m in year.sent if m.template == keys.PUPIL_REMINDERS]
    for review in held:
        assert review.held_at is not None and review.reminded_as, review
        after = [m.text for m in reminders if m.message.at > review.held_at]
        for words in review.reminded_as:
            assert not [text for text in after if words in text], (review.name, words)

    # No deadline falls silent: each the school owes was reminded on or before its day;
    # each the local authority or the family owes was shown to the SENCO on its day.
    # One that came into being on its own day, after that day's message about the pupil had
    # gone (a meeting booked that evening exactly 2 weeks ahead), is in the next morning's.
    for (deadline_id, due_on), (kind, owner, pupil_id) in year.open_on_due.items():
        name = year.send_pupils.get(pupil_id) or _name(year, pupil_id)
        words = _reminder_words(kind, name, due_on)
        by = due_on + timedelta(days=int(year.first_seen[(deadline_id, due_on)] == due_on))
        told = [m for m in reminders if m.day <= by and words in m.text]
        assert told, (kind, name, due_on)
        if owner in WATCHED_OWNERS:
            assert told[-1].day >= due_on and "s deadline: " in told[-1].text, (kind, name)
    for _, due_on, pupil_id in year.plans_on_due:
        words = f" for {year.send_pupils[pupil_id]}\nDue: {due_on:%A %-d %B %Y} (the date agreed"
        assert [m for m in reminders if m.day <= due_on and words in m.text], (pupil_id, due_on)

    # At most one reminder message a person about a pupil on any day.
    a_day = Counter((m.staff_id, m.params["pupil_id"], m.day) for m in reminders)
    assert max(a_day.values()) == 1
    # "Was it held?" is a question, asked once per meeting when it ends, not a reminder.
    asked = Counter(
        m.params["meeting_id"] for m in year.sent if m.template == keys.MEETING_OUTCOME_PROMPT
    )
    assert set(asked.values()) == {1} and len(asked) == len(held)


def _name(year: Year, pupil_id: int) -> str:
    with year.senco.sessions() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        return pupil.display_name
