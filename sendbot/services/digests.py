"""The daily digests of the SENCO and the DSL, and the headteacher's weekly counts.

Built from the database at the moment they are sent (or printed by `sendbot digest`), as
plain data first and text second, so a platform can lay them out its own way. No digest
carries a concern's narrative. Safeguarding items name no pupil: the DSL opens them in
sendbot, where every view is audited.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.delivery.contract import Attachment, Button, OutgoingMessage
from sendbot.domain.calendar import SchoolCalendar
from sendbot.domain.needs import Area, area_label
from sendbot.domain.people import Role, year_label
from sendbot.services import (
    concern_drafts,
    cp_files,
    digest_items,
    ehc_cases,
    escalation,
    policy,
    school_settings,
    terms,
)
from sendbot.services import deadlines as deadline_service
from sendbot.store.models import (
    Concern,
    ConcernAction,
    Deadline,
    Intervention,
    InterventionSession,
    Invitation,
    Meeting,
    ParentMessage,
    Pupil,
    School,
    Staff,
)

ROLES = ("senco", "dsl", "headteacher")
LOOK_AHEAD = timedelta(days=14)
# Whom the SENCO digest is written for: the policy filters what it may show by this role.
SENCO_ROLES = frozenset({Role.SENCO})
WEEKS_IN_CHART = 4
OPEN_CONCERN = ("open", "acknowledged")
ANSWERS = {"yes": "will come", "no": "cannot come", "other_time": "asked for another time"}


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]
    # A section that is only context (the sessions line) does not make a day non-empty.
    counts: bool = True
    # Said even on a day with nothing else (who covers safeguarding in a holiday).
    always: bool = False


@dataclass(frozen=True)
class Digest:
    role: str
    school_name: str
    day: date
    sections: tuple[Section, ...]
    chart: bytes | None = None
    weekly: bool = False
    buttons: tuple[Button, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not any(s.lines for s in self.sections if s.counts)

    @property
    def title(self) -> str:
        who = {"senco": "SENCO", "dsl": "DSL", "headteacher": "Headteacher"}[self.role]
        kind = "weekly digest, week to" if self.weekly else "digest for"
        return f"{who} {kind} {self.day:%A %-d %B %Y} - {self.school_name}"

    def text(self) -> str:
        if self.empty:
            return "\n".join(
                [one_line(self), *(line for s in self.sections if s.always for line in s.lines)]
            )
        parts = [self.title]
        for section in self.sections:
            if not section.lines:
                continue
            parts.append(f"{section.title}\n" + "\n".join(f"- {line}" for line in section.lines))
        return "\n\n".join(parts)


def one_line(digest: Digest) -> str:
    return f"{digest.title}: nothing new today, nothing due or overdue."


# --- windows and helpers -------------------------------------------------------------------


def _school(session: Session, school_id: int) -> School:
    school = session.get(School, school_id)
    if school is None:
        raise LookupError(f"no school with id {school_id}")
    return school


def _at(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


# The longest a school is closed (the summer holiday, and some): how far back to look for
# the last digest sent.
LONGEST_CLOSURE = timedelta(days=120)


def sends_on(school: School, calendar: SchoolCalendar, day: date) -> bool:
    """Whether digests go out on `day` as far as opening goes: only on days the school is
    open, unless the school keeps them on closed days too (`digests_on_closed_days`)."""
    return school_settings.of(school).digests_on_closed_days or terms.is_open(calendar, day)


def previous_digest_day(
    school: School, calendar: SchoolCalendar, day: date, weekdays: frozenset[int]
) -> date:
    """The last day before `day` a digest of these weekdays went out, so what happened while
    the school was closed is in the next open day's digest rather than lost."""
    previous = day - timedelta(days=1)
    while day - previous < LONGEST_CLOSURE:
        if previous.weekday() in weekdays and sends_on(school, calendar, previous):
            return previous
        previous -= timedelta(days=1)
    return previous


def window(school: School, day: date, calendar: SchoolCalendar) -> tuple[datetime, datetime]:
    """From the previous digest's digest time to this one's (Monday covers the weekend, the
    first day of term the holiday)."""
    settings = school_settings.of(school)
    previous = previous_digest_day(school, calendar, day, settings.digest_days)
    return _at(previous, school.digest_time, school.timezone), _at(
        day, school.digest_time, school.timezone
    )


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def _name(session: Session, staff_id: int | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.display_name if staff else "someone"


def _holiday_cover(session: Session, school: School, day: date, cal: SchoolCalendar) -> Section:
    """Who covers safeguarding today, in a school holiday (context: it never makes a day
    worth a digest on its own)."""
    settings = school_settings.of(school)
    cover = escalation.holiday_cover(session, school, settings, cal, day)
    if not cover:
        return Section("Safeguarding cover today", (), counts=False)
    names = ", ".join(_name(session, staff_id) for staff_id in cover)
    also = " (the DSL is copied in)" if settings.dsl_holiday_cover_copies_dsl else ""
    line = f"School holiday: {names} covers safeguarding{also}"
    return Section("Safeguarding cover today", (line,), counts=False, always=True)


def _due_words(due: date, today: date) -> str:
    days = (due - today).days
    if days < 0:
        return f"OVERDUE by {-days} day{'s' if days != -1 else ''} (was due {due:%a %-d %b})"
    if days == 0:
        return "due TODAY"
    return f"due {due:%a %-d %b} (in {days} day{'s' if days != 1 else ''})"


# --- the SENCO -----------------------------------------------------------------------------


def _new_concerns(session: Session, school: School, start: datetime, end: datetime) -> Section:
    lines = []
    rows = session.execute(
        select(Concern, Pupil)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Concern.school_id == school.id, Concern.raised_at >= start, Concern.raised_at < end)
        .order_by(Concern.raised_at)
    ).all()
    for concern, pupil in rows:
        if policy.concern_alert_for_roles(SENCO_ROLES, concern.safeguarding) is None:
            continue  # a safeguarding concern is the DSL's to share
        when = _local(concern.raised_at, school.timezone)
        who = _name(session, concern.raised_by_id)
        if concern.safeguarding:
            lines.append(
                f"Safeguarding concern ({year_label(pupil.year_group)}), logged by {who}, "
                f"{when:%a %H:%M}: with the DSL"
            )
        else:
            lines.append(
                f"{pupil.display_name} ({year_label(pupil.year_group)}): {area_label(concern.area)}, "
                f"logged by {who}, {when:%a %H:%M}"
            )
    return Section(f"New concerns ({len(lines)})", tuple(lines))


def _weekdays_elapsed(monday: date, through: date) -> int:
    return sum(
        1 for n in range((through - monday).days + 1) if (monday + timedelta(days=n)).weekday() < 5
    )


def _running(intervention: Intervention, monday: date) -> bool:
    ends = intervention.starts_on + timedelta(weeks=intervention.planned_weeks)
    return (
        intervention.active
        and intervention.starts_on <= monday + timedelta(days=4)
        and ends > monday
    )


def planned_and_logged(
    session: Session, school_id: int, monday: date, through: date
) -> tuple[int, int, list[str]]:
    """Sessions planned and logged from Monday to `through`, and the interventions behind."""
    elapsed = _weekdays_elapsed(monday, through)
    planned = logged = 0
    behind = []
    interventions = session.scalars(
        select(Intervention).where(Intervention.school_id == school_id).order_by(Intervention.name)
    )
    counts = dict(
        session.execute(
            select(InterventionSession.intervention_id, func.count(InterventionSession.id))
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .where(
                Intervention.school_id == school_id,
                InterventionSession.held_on >= monday,
                InterventionSession.held_on <= through,
            )
            .group_by(InterventionSession.intervention_id)
        ).all()
    )
    for intervention in interventions:
        done = int(counts.get(intervention.id, 0))
        logged += done
        if not _running(intervention, monday):
            continue
        due = round(intervention.sessions_per_week * elapsed / 5)
        planned += due
        if done < due:
            who = _name(session, intervention.delivered_by_id)
            behind.append(f"{intervention.name} ({who}): {done} of {due} planned so far this week")
    return planned, logged, behind


def _sessions(session: Session, school: School, day: date) -> Section:
    cal = terms.calendar_for(session, school.id)
    yesterday = cal.add_working_days(day, -1)
    held = session.scalar(
        select(func.count(InterventionSession.id))
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(Intervention.school_id == school.id, InterventionSession.held_on == yesterday)
    )
    monday = yesterday - timedelta(days=yesterday.weekday())
    planned, logged, behind = planned_and_logged(session, school.id, monday, yesterday)
    if not planned and not logged and not held:
        return Section("Intervention sessions", (), counts=False)
    lines = [
        f"Logged on {yesterday:%a %-d %b}: {held or 0}. "
        f"Week to {yesterday:%a}: {logged} of {planned} planned."
    ]
    return Section("Intervention sessions", (*lines, *behind), counts=bool(behind))


def _parents(session: Session, school: School, start: datetime, end: datetime) -> Section:
    lines = []
    rows = session.execute(
        select(Invitation, Meeting, Pupil)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .join(Pupil, Pupil.id == Meeting.pupil_id)
        .where(
            Meeting.school_id == school.id, Invitation.rsvp_at >= start, Invitation.rsvp_at < end
        )
        .order_by(Invitation.rsvp_at)
    ).all()
    for invitation, meeting, pupil in rows:
        when = _local(meeting.starts_at, school.timezone)
        answer = ANSWERS.get(invitation.rsvp or "", invitation.rsvp or "answered")
        extra = "; interpreter requested" if invitation.interpreter_requested else ""
        lines.append(
            f"{pupil.display_name}'s meeting {when:%a %-d %b %H:%M}: parent {answer}{extra}"
        )
    waiting = session.scalar(
        select(func.count(ParentMessage.id)).where(
            ParentMessage.school_id == school.id,
            ParentMessage.direction == "in",
            ParentMessage.read_at.is_(None),
        )
    )
    if waiting:
        lines.append(
            f"{waiting} message{'s' if waiting != 1 else ''} from parents waiting to be read"
        )
    return Section("Parents", tuple(lines))


def _due_lines(items: list[digest_items.DueItem], day: date, groups: set[str]) -> tuple[str, ...]:
    return tuple(
        f"{item.label}, {_due_words(item.due_on, day)}{item.suffix}"
        for item in items
        if item.group in groups
    )


def _ehc_dates_missing(session: Session, school: School) -> Section:
    """EHC plans whose annual review cannot be worked out: said every day until the SENCO
    records when the plan was issued or last reviewed."""
    lines = tuple(
        f"{found.pupil_name}: EHC plan, dates missing (when it was issued or last reviewed); "
        "no annual review deadline until they are added. Type 'ehc' to add them."
        for found in ehc_cases.missing_dates(session, school.id)
    )
    return Section("EHC plans with dates missing", lines)


def senco_digest(session: Session, school_id: int, day: date, *, chart: bool = True) -> Digest:
    school = _school(session, school_id)
    cal = terms.calendar_for(session, school.id)
    start, end = window(school, day, cal)
    due = digest_items.due_by(
        session, digest_items.role_view(school.id, SENCO_ROLES), day + LOOK_AHEAD
    )
    reviews = {digest_items.PLAN_REVIEW, digest_items.REVIEW, digest_items.TARGET}
    sections = (
        _holiday_cover(session, school, day, cal),
        _new_concerns(session, school, start, end),
        _sessions(session, school, day),
        Section("Reviews and targets due in the next 14 days", _due_lines(due, day, reviews)),
        Section(
            "Statutory deadlines due or overdue", _due_lines(due, day, {digest_items.STATUTORY})
        ),
        _ehc_dates_missing(session, school),
        _parents(session, school, start, end),
    )
    digest = Digest("senco", school.name, day, sections)
    if chart and not digest.empty:
        digest = Digest("senco", school.name, day, sections, chart=chart_png(session, school, day))
    return digest


# --- the chart -----------------------------------------------------------------------------


def chart_data(
    session: Session, school: School, day: date
) -> tuple[list[date], dict[str, list[int]], list[int], list[int]]:
    """Week starts, concerns by area per week, sessions delivered and planned per week."""
    this_monday = day - timedelta(days=day.weekday())
    weeks = [this_monday - timedelta(weeks=n) for n in range(WEEKS_IN_CHART - 1, -1, -1)]
    tz = school.timezone
    first = _at(weeks[0], time(0, 0), tz)
    concerns = session.execute(
        select(Concern.area, Concern.raised_at).where(
            Concern.school_id == school.id,
            Concern.raised_at >= first,
            Concern.raised_at < _at(day + timedelta(days=1), time(0, 0), tz),
        )
    ).all()
    by_area: dict[str, list[int]] = {a.label: [0] * len(weeks) for a in Area}
    for area, raised_at in concerns:
        local = _local(raised_at, tz).date()
        index = (local - weeks[0]).days // 7
        if 0 <= index < len(weeks):
            by_area.setdefault(area_label(area), [0] * len(weeks))[index] += 1
    delivered, planned = [], []
    for monday in weeks:
        through = min(monday + timedelta(days=6), day)
        p, logged, _ = planned_and_logged(session, school.id, monday, through)
        delivered.append(logged)
        planned.append(p)
    return weeks, by_area, delivered, planned


def chart_png(session: Session, school: School, day: date) -> bytes:
    """A figure of our own rather than pyplot's (no global state, safe in any thread), and
    fixed margins rather than `tight_layout`, which measured every label by drawing it and
    was 40% of the time of each of a trust's 50 morning charts (BENCHMARKS.md)."""
    from matplotlib.figure import Figure

    weeks, by_area, delivered, planned = chart_data(session, school, day)
    labels = [f"w/c {w:%-d %b}" for w in weeks]
    fig = Figure(figsize=(10, 4), dpi=90)
    left, right = fig.subplots(1, 2)
    bottom = [0] * len(weeks)
    left.bar(labels, bottom, color="white")  # the weeks on the axis even with none
    for area, counts in by_area.items():
        if any(counts):
            left.bar(labels, counts, bottom=bottom, label=area)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    left.set_title("Concerns by area of need, last 4 weeks")
    left.set_ylabel("concerns")
    if any(bottom):
        left.legend(fontsize=7)
    else:
        left.text(0.5, 0.5, "No concerns logged", ha="center", transform=left.transAxes)
        left.set_ylim(0, 1)  # an empty chart shows 0 and 1, not negative counts
    positions = range(len(weeks))
    right.bar([p - 0.2 for p in positions], planned, width=0.4, label="planned", color="#bbbbbb")
    right.bar(
        [p + 0.2 for p in positions], delivered, width=0.4, label="delivered", color="#2a7ab0"
    )
    right.set_xticks(list(positions), labels)
    right.set_title("Intervention sessions: delivered against planned")
    right.legend(fontsize=7)
    for axis in (left, right):
        axis.tick_params(axis="x", labelsize=8)
        axis.yaxis.get_major_locator().set_params(integer=True)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.09, top=0.92, wspace=0.18)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# --- the DSL -------------------------------------------------------------------------------


def dsl_digest(session: Session, school_id: int, day: date, now: datetime) -> Digest:
    school = _school(session, school_id)
    open_lines, referral_lines = [], []
    rows = session.execute(
        select(Concern, Pupil.year_group)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(
            Concern.school_id == school.id, Concern.safeguarding, Concern.status.in_(OPEN_CONCERN)
        )
        .order_by(Concern.raised_at)
    ).all()
    cal = terms.calendar_for(session, school.id)
    for concern, year_group in rows:
        ack = (
            "NOT ACKNOWLEDGED"
            if concern.acknowledged_at is None
            else f"acknowledged {_local(concern.acknowledged_at, school.timezone):%a %-d %b %H:%M}"
        )
        danger = ", immediate danger reported" if concern.immediate_danger else ""
        open_lines.append(
            f"#{concern.id} {year_label(year_group)}, logged by {_name(session, concern.raised_by_id)}, "
            f"open {_age(now - concern.raised_at)}, {ack}{danger}"
        )
        referral = deadline_service.referral_of(session, concern.id)
        if (
            referral is not None
            and deadline_service.la_response_of(session, concern.id, referral.at) is None
        ):
            made = _local(referral.at, school.timezone)
            due = cal.add_working_days(made.date(), 1)
            chases = session.scalar(
                select(func.count(ConcernAction.id)).where(
                    ConcernAction.concern_id == concern.id,
                    ConcernAction.kind == "referral_chase",
                    ConcernAction.at >= referral.at,
                )
            )
            referral_lines.append(
                f"#{concern.id} referred {made:%a %-d %b %H:%M}; the LA should have replied by "
                f"{due:%a %-d %b}"
                + (f"; chased {chases} time{'s' if chases != 1 else ''}" if chases else "")
            )
    follow_ups = _safeguarding_follow_ups(session, school, day, cal)
    sections = (
        _holiday_cover(session, school, day, cal),
        _unfinished(session, school, now),
        Section(f"Open safeguarding items ({len(open_lines)})", tuple(open_lines)),
        Section("Referrals awaiting the local authority", tuple(referral_lines)),
        Section("Follow-ups due", tuple(follow_ups)),
        _transfers_waiting(session, school, day),
    )
    return Digest("dsl", school.name, day, sections)


def _safeguarding_follow_ups(
    session: Session, school: School, day: date, cal: SchoolCalendar
) -> list[str]:
    """Safeguarding deadlines due within a week, and pupils with several recent concerns."""
    follow_ups = []
    for row in session.scalars(
        select(Deadline)
        .where(
            Deadline.school_id == school.id,
            Deadline.status == deadline_service.OPEN,
            Deadline.kind.like("safeguarding.%"),
            Deadline.kind != cp_files.RULE,  # listed with the transfers waiting
            Deadline.due_on <= day + timedelta(days=7),
        )
        .order_by(Deadline.due_on)
    ):
        ref = f"#{row.subject_id} " if row.subject_type == "concern" else ""
        follow_ups.append(
            f"{ref}{deadline_service.title_of(row.kind)}, {_due_words(row.due_on, day)}"
        )
    start, end = window(school, day, cal)
    patterns = session.scalar(
        select(func.count(ConcernAction.id))
        .join(Concern, Concern.id == ConcernAction.concern_id)
        .where(
            Concern.school_id == school.id,
            ConcernAction.kind == "cumulative_prompt",
            ConcernAction.at >= start,
            ConcernAction.at < end,
        )
    )
    if patterns:
        follow_ups.append(
            f"{patterns} pupil{'s' if patterns != 1 else ''} with several concerns in a short "
            "time: look at them together with the SENCO"
        )
    return follow_ups


def _transfers_waiting(session: Session, school: School, day: date) -> Section:
    """Leaving pupils' child protection files whose receipt the new school has not
    confirmed, in the DSL's digest: by year group, as every safeguarding item here (the
    prompt on the day names the pupil)."""
    lines = []
    for item in cp_files.waiting(session, school.id):
        sent = f", sent {item.sent_on:%a %-d %b}" if item.sent_on else ", not sent yet"
        due = f", {_due_words(item.due_on, day)}" if item.due_on else ""
        lines.append(
            f"{year_label(item.year_group)} pupil, leaves {item.leaving_on:%a %-d %b %Y}{due}{sent}"
        )
    return Section(f"Child protection files to transfer ({len(lines)})", tuple(lines))


def _unfinished(session: Session, school: School, now: datetime) -> Section:
    """Safeguarding reports started and not saved: never left to expire unseen."""
    lines = []
    for item in concern_drafts.for_digest(session, school.id, now):
        started = _local(item.started_at, school.timezone)
        year = "no pupil chosen yet" if item.year_group is None else year_label(item.year_group)
        line = (
            f"Report {item.draft_id}, {year}, started by {item.reporter} {started:%a %-d %b %H:%M}"
        )
        if item.danger_alert_at is not None:
            line += ", immediate danger alert sent"
        if item.status == concern_drafts.CANCELLED:
            line += ", stopped by the reporter"
        else:
            line += f", not saved for {_age(now - item.updated_at)}"
        lines.append(line + ". Type 'unfinished' to read it.")
    return Section(f"Unfinished reports ({len(lines)})", tuple(lines))


# --- the headteacher -----------------------------------------------------------------------


def _previous_weekly(session: Session, school: School, day: date) -> date:
    """The day of the last weekly digest sent: a week ago, or the same weekday before a
    closure (its day is always this one's weekday)."""
    weekdays = frozenset({day.weekday()})
    return previous_digest_day(school, terms.calendar_for(session, school.id), day, weekdays)


def _since_words(since: date, day: date) -> str:
    return "in the last 7 days" if (day - since).days == 7 else f"since {since:%a %-d %b}"


def _due_counts(session: Session, school: School, day: date) -> tuple[int, int]:
    """Overdue, and due in the next 14 days: the very items the SENCO's digest lists (the
    headteacher's view of them, which is the whole school's)."""
    view = digest_items.role_view(school.id, frozenset({Role.HEADTEACHER}))
    items = digest_items.due_by(session, view, day + LOOK_AHEAD)
    overdue = sum(1 for item in items if item.overdue(day))
    upcoming = sum(1 for item in items if item.due_on >= day and not item.paused)
    return overdue, upcoming


def headteacher_digest(session: Session, school_id: int, day: date, now: datetime) -> Digest:
    """Counts only: no names, no narratives, no year groups."""
    school = _school(session, school_id)
    since = _previous_weekly(session, school, day)
    start = _at(since, school.digest_time, school.timezone)
    end = _at(day, school.digest_time, school.timezone)
    concerns = session.execute(
        select(Concern.area, Concern.safeguarding).where(
            Concern.school_id == school.id, Concern.raised_at >= start, Concern.raised_at < end
        )
    ).all()
    by_area = Counter(area_label(area) for area, _ in concerns)
    safeguarding = sum(1 for _, flagged in concerns if flagged)
    open_items = session.scalar(
        select(func.count(Concern.id)).where(
            Concern.school_id == school.id, Concern.safeguarding, Concern.status.in_(OPEN_CONCERN)
        )
    )
    escalated = session.scalar(
        select(func.count(func.distinct(ConcernAction.concern_id)))
        .join(Concern, Concern.id == ConcernAction.concern_id)
        .where(
            Concern.school_id == school.id,
            ConcernAction.kind == "escalated",
            ConcernAction.at >= start,
            ConcernAction.at < end,
        )
    )
    overdue, upcoming = _due_counts(session, school, day)
    last_monday = day - timedelta(days=day.weekday() + 7)
    planned, logged, _ = planned_and_logged(
        session, school.id, last_monday, last_monday + timedelta(days=6)
    )
    waiting = session.scalar(
        select(func.count(ParentMessage.id)).where(
            ParentMessage.school_id == school.id,
            ParentMessage.direction == "in",
            ParentMessage.read_at.is_(None),
        )
    )
    areas = ", ".join(f"{name}: {n}" for name, n in sorted(by_area.items())) or "none"
    lines = (
        f"Concerns logged {_since_words(since, day)}: {len(concerns)} ({areas})",
        f"Safeguarding concerns logged: {safeguarding}; open now: {open_items or 0}; "
        f"escalated because nobody acknowledged in time: {escalated or 0}",
        f"Statutory deadlines, reviews and targets overdue: {overdue}; "
        f"due in the next 14 days: {upcoming}",
        f"Intervention sessions last week: {logged} delivered of {planned} planned",
        f"Messages from parents waiting to be read: {waiting or 0}",
    )
    busy = bool(concerns or open_items or overdue or upcoming or logged or planned or waiting)
    return Digest(
        "headteacher",
        school.name,
        day,
        (Section("This week in numbers", lines, counts=busy),),
        weekly=True,
    )


# --- one entry point -----------------------------------------------------------------------


def build(
    session: Session, school_id: int, role: str, day: date, now: datetime, *, chart: bool = True
) -> Digest:
    if role == "senco":
        return senco_digest(session, school_id, day, chart=chart)
    if role == "dsl":
        return dsl_digest(session, school_id, day, now)
    if role == "headteacher":
        return headteacher_digest(session, school_id, day, now)
    raise ValueError(f"role must be one of {', '.join(ROLES)}")


def to_message(digest: Digest) -> OutgoingMessage:
    attachments: tuple[Attachment, ...] = ()
    if digest.chart is not None:
        attachments = (
            Attachment(
                filename=f"{digest.role}-digest-{digest.day.isoformat()}.png",
                content=digest.chart,
                mime_type="image/png",
                title="Concerns by area of need, and sessions delivered against planned",
            ),
        )
    return OutgoingMessage(text=digest.text(), attachments=attachments, buttons=digest.buttons)
