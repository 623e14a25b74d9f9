"""What each person's dashboard (the Slack Home tab) shows, by role, as plain data.

A teacher or TA sees the reviews coming up for their own pupils; the SENCO sees the
school's SEND work that needs attention; the safeguarding leads see open safeguarding
items and how long each has been open. Nobody sees a pupil outside their scope: every
pupil-level list is built on the policy's query for that kind of record (plans on the
SEND-record scope, deadlines on `policy.deadlines_for`, so a safeguarding deadline never
reaches anyone but the DSL and deputies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role
from sendbot.services import deadlines as deadline_service
from sendbot.services import policy, review_outcomes, safeguarding
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    Concern,
    Deadline,
    Intervention,
    InterventionSession,
    Meeting,
    ParentMessage,
    Pupil,
    School,
    SupportPlan,
)

LOOK_AHEAD_DAYS = 14
SAFEGUARDING_OWNER = "dsl"


@dataclass(frozen=True)
class ReviewDue:
    pupil_name: str
    year_group: int
    kind: str
    due_on: date

    def overdue(self, today: date) -> bool:
        return self.due_on < today


@dataclass(frozen=True)
class DeadlineDue:
    kind: str
    title: str  # in plain words, for the screen (never the raw rule id)
    pupil_name: str | None
    due_on: date
    source: str


@dataclass(frozen=True)
class OpenConcern:
    concern_id: int
    pupil_name: str
    year_group: int
    area: str
    raised_at: datetime


@dataclass(frozen=True)
class MeetingToMark:
    """A review meeting that has happened with no outcome yet, and its sealed buttons
    (Held, and each not-held reason) for the SENCO to say which."""

    meeting_id: int
    pupil_name: str
    what: str
    held_on: date
    closed_day: str | None
    buttons: dict[str, str]


@dataclass(frozen=True)
class SencoView:
    open_concerns: list[OpenConcern]
    reviews: list[ReviewDue]
    deadlines: list[DeadlineDue]
    sessions_this_week: int
    parent_replies_waiting: int
    meetings_to_mark: list[MeetingToMark] = field(default_factory=list)


def _meetings_to_mark(session: Session, actor: StaffActor, now: datetime) -> list[MeetingToMark]:
    found = []
    for waiting in review_outcomes.awaiting(session, actor, now)[-10:]:
        meeting = session.get(Meeting, waiting.meeting_id)
        assert meeting is not None
        found.append(
            MeetingToMark(
                waiting.meeting_id,
                waiting.pupil_name,
                review_outcomes.kind_words(waiting.kind),
                waiting.held_on,
                waiting.closed_day,
                review_outcomes.button_ids(session, meeting),
            )
        )
    return found


@dataclass(frozen=True)
class Dashboard:
    name: str
    roles: frozenset[Role]
    today: date
    my_reviews: list[ReviewDue] = field(default_factory=list)
    senco: SencoView | None = None
    safeguarding: list[safeguarding.OpenItem] | None = None


def _today(session: Session, actor: StaffActor, now: datetime) -> date:
    school = session.get(School, actor.school_id)
    return now.astimezone(ZoneInfo(school.timezone if school else "Europe/London")).date()


def _reviews(
    session: Session, actor: StaffActor, until: date, since: date | None = None
) -> list[ReviewDue]:
    # A plan is part of the SEND record: the SEND-record scope, not the find-a-pupil one (a
    # deputy DSL who teaches finds every pupil but reads the plans of their own classes).
    readable = policy.pupils_for(actor, policy.Action.READ_SEND_RECORD)
    visible = readable.with_only_columns(Pupil.id)
    query = (
        select(SupportPlan, Pupil)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            SupportPlan.status == "active",
            SupportPlan.next_review_on.is_not(None),
            SupportPlan.next_review_on <= until,
            Pupil.id.in_(visible),
        )
        .order_by(SupportPlan.next_review_on, Pupil.last_name)
    )
    if since is not None:
        query = query.where(SupportPlan.next_review_on >= since)
    return [
        ReviewDue(pupil.display_name, pupil.year_group, plan.kind, plan.next_review_on)
        for plan, pupil in session.execute(query)
        if plan.next_review_on is not None
    ]


def _senco(session: Session, actor: StaffActor, today: date, now: datetime) -> SencoView:
    until = today + timedelta(days=LOOK_AHEAD_DAYS)
    concerns = [
        OpenConcern(c.id, p.display_name, p.year_group, c.area, c.raised_at)
        for c, p in session.execute(
            select(Concern, Pupil)
            .join(Pupil, Pupil.id == Concern.pupil_id)
            .where(
                Concern.school_id == actor.school_id,
                Concern.status.in_(safeguarding.OPEN_STATUSES),
                # Safeguarding concerns belong to the leads' list, not the SENCO's.
                ~Concern.safeguarding,
            )
            .order_by(Concern.raised_at.desc())
        )
    ]
    deadlines = [
        DeadlineDue(
            d.kind,
            deadline_service.title_of(d.kind),
            p.display_name if p else None,
            d.due_on,
            d.source,
        )
        for d, p in session.execute(
            policy.deadlines_for(actor)
            .add_columns(Pupil)
            .outerjoin(Pupil, Pupil.id == Deadline.pupil_id)
            .where(
                Deadline.status == "open",
                Deadline.due_on <= until,
                # Safeguarding deadlines belong to the leads' list, not the SENCO's, even
                # for a SENCO who is also a lead.
                ~policy.safeguarding_deadline(),
                Deadline.owner_role != SAFEGUARDING_OWNER,
            )
            .order_by(Deadline.due_on)
        )
    ]
    monday = today - timedelta(days=today.weekday())
    sessions = session.scalar(
        select(func.count(InterventionSession.id))
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(
            Intervention.school_id == actor.school_id,
            InterventionSession.held_on >= monday,
            InterventionSession.held_on < monday + timedelta(days=7),
        )
    )
    replies = session.scalar(
        select(func.count(ParentMessage.id)).where(
            ParentMessage.school_id == actor.school_id,
            ParentMessage.direction == "in",
            ParentMessage.read_at.is_(None),
        )
    )
    return SencoView(
        open_concerns=concerns,
        reviews=_reviews(session, actor, until),
        deadlines=deadlines,
        sessions_this_week=int(sessions or 0),
        parent_replies_waiting=int(replies or 0),
        meetings_to_mark=_meetings_to_mark(session, actor, now),
    )


def dashboard(session: Session, actor: StaffActor, now: datetime) -> Dashboard:
    today = _today(session, actor, now)
    until = today + timedelta(days=LOOK_AHEAD_DAYS)
    my_reviews: list[ReviewDue] = []
    if actor.has(Role.TEACHER, Role.TA):
        my_reviews = _reviews(session, actor, until, since=today)
    return Dashboard(
        name=actor.name,
        roles=actor.roles,
        today=today,
        my_reviews=my_reviews,
        senco=_senco(session, actor, today, now) if actor.has(Role.SENCO) else None,
        safeguarding=(
            safeguarding.open_items(session, actor, now)
            if actor.roles & SAFEGUARDING_LEADS
            else None
        ),
    )
