"""The idempotent jobs of DESIGN.md section 6, and when each next has work to do.

Every job takes a session factory and the time, writes what is due to the outbox in one
transaction, and can run any number of times, in any number of processes: the outbox's
unique dedupe keys turn a second run into nothing. A race between two processes shows up
as a unique-key error at commit; the job is simply run again and finds its work done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sendbot.delivery import keys
from sendbot.domain.people import Role
from sendbot.domain.timescales import RULES_BY_KIND, Owner
from sendbot.services import (
    adult_concerns,
    audit,
    concern_drafts,
    cp_files,
    digests,
    escalation,
    meetings,
    outbox,
    parent_summaries,
    policy,
    review_outcomes,
    school_settings,
    terms,
)
from sendbot.services import deadlines as deadline_service
from sendbot.store.models import (
    Deadline,
    Meeting,
    Outbox,
    Pupil,
    School,
    Staff,
    StaffRole,
    SupportPlan,
)

log = logging.getLogger(__name__)
UTC = ZoneInfo("UTC")
WATCHED_OWNERS = (Owner.LA.value, Owner.PARENT.value)
DAILY_AT = time(6, 0)  # school time: before the digest, after midnight's date change
LOOK_AHEAD_WEEKS = 10  # annual reviews without a meeting booked
# A reminder for the day itself that was not queued that day (the deadline came into being
# after the day's message about the pupil had gone) is in the next day's message.
LATE = timedelta(days=1)


def run(
    sessions: sessionmaker[Session],
    job: Callable[[Session, datetime], int],
    now: datetime,
    attempts: int = 3,
) -> int:
    """One job in one transaction, run again if another process raced it to a key."""
    for attempt in range(attempts):
        try:
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = now
                return job(session, now)
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts - 1:
                raise
            log.info(
                "job %s raced another process (%s); running it again",
                job.__name__,
                type(exc).__name__,
            )
    return 0


def _schools(session: Session) -> list[School]:
    return list(session.scalars(select(School).order_by(School.id)))


def _local_now(school: School, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(school.timezone))


def _at(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(tz)).astimezone(UTC)


def reminder_time(school: School) -> time:
    return school_settings.of(school).reminder_time or school.digest_time


# --- deadline reminders --------------------------------------------------------------------


def sweep_deadline_reminders(session: Session, now: datetime) -> int:
    """Remind owners 28, 14, 7, 2 days before and on the day (school-configurable).

    Only the nearest reminder point that has passed is queued, so a deadline first known
    10 days out gets its "14 days" reminder at once and no flood of older ones; a process
    that was down for a week sends one reminder per deadline, not seven.

    It runs every minute over every school, and nearly everything it finds was queued by
    an earlier minute, so it reads in a handful of queries for the whole trust (the due
    rows, the owners by role, the plans, which dedupe keys the outbox holds) rather than
    a few queries per row: see BENCHMARKS.md.
    """
    windows: dict[int, _Window] = {}
    for school in _schools(session):
        settings = school_settings.of(school)
        today = _local_now(school, now).date()
        windows[school.id] = _Window(
            school.id,
            today,
            today + timedelta(days=max(settings.reminder_offsets)),
            max(now, _at(today, reminder_time(school), school.timezone)),
            settings.reminder_offsets,
        )
    if not windows:
        return 0
    first = min(w.today for w in windows.values()) - LATE
    last = max(w.horizon for w in windows.values())
    by_role = _staff_by_role(session)
    wanted = [
        *_deadline_reminders(session, windows, by_role, first, last),
        *_plan_review_reminders(session, windows, by_role, first, last),
    ]
    return _enqueue_new(session, wanted, now)


_StaffByRole = dict[tuple[int, Role], list[int]]


def _deadline_reminders(
    session: Session, windows: dict[int, _Window], by_role: _StaffByRole, first: date, last: date
) -> list[_Reminder]:
    """A reminder for each owner of each open pupil deadline at its nearest passed point."""
    wanted: list[_Reminder] = []
    rows = session.execute(
        select(
            Deadline.id,
            Deadline.school_id,
            Deadline.kind,
            Deadline.due_on,
            Deadline.owner_role,
            Deadline.owner_staff_id,
            Deadline.pupil_id,
        )
        .where(
            Deadline.status == deadline_service.OPEN,
            Deadline.due_on >= first,
            Deadline.due_on <= last,
            Deadline.subject_type == "pupil",
        )
        .order_by(Deadline.school_id, Deadline.id)
    )
    for row in rows:
        window = windows.get(row.school_id)
        if window is None or not window.today - LATE <= row.due_on <= window.horizon:
            continue
        if row.kind in deadline_service.NOT_REMINDED:
            continue
        left = (row.due_on - window.today).days
        if row.owner_role in WATCHED_OWNERS:
            if left > 0:
                continue
            template, offset = keys.DEADLINE_WATCH, 0
        else:
            passed = [o for o in window.offsets if o >= left]
            if not passed:
                continue
            template, offset = keys.DEADLINE_REMINDER, min(passed)
        params = {"deadline_id": row.id, "due_on": row.due_on.isoformat(), "offset": offset}
        for staff_id in _owner_ids(session, row, by_role):
            key = f"deadline:{row.id}:{row.due_on.isoformat()}:d{offset}:staff:{staff_id}"
            wanted.append(_Reminder(window, staff_id, row.pupil_id, template, params, key))
    return wanted


def _plan_review_reminders(
    session: Session, windows: dict[int, _Window], by_role: _StaffByRole, first: date, last: date
) -> list[_Reminder]:
    """A reminder for each SENCO of each plan review due, at its nearest passed point."""
    wanted: list[_Reminder] = []
    for plan_id, school_id, pupil_id, due_on in _plan_reviews(session, first, last):
        window = windows.get(school_id)
        if window is None or not window.today - LATE <= due_on <= window.horizon:
            continue
        left = (due_on - window.today).days
        passed = [o for o in window.offsets if o >= left]
        if not passed:
            continue
        offset = min(passed)
        params = {"plan_id": plan_id, "due_on": due_on.isoformat()}
        for staff_id in by_role.get((school_id, Role.SENCO), []):
            key = f"plan_review:{plan_id}:{due_on.isoformat()}:d{offset}:staff:{staff_id}"
            wanted.append(
                _Reminder(window, staff_id, pupil_id, keys.PLAN_REVIEW_REMINDER, params, key)
            )
    return wanted


def _enqueue_new(session: Session, wanted: list[_Reminder], now: datetime) -> int:
    """Queue the reminders the outbox does not hold yet, one message per person, pupil and
    day listing them all; how many messages were queued.

    Each reminder keeps its own dedupe key, written as a row marked merged into the day's
    message (`outbox.record_merged`), so the guarantee is the same as when each went alone:
    a reminder point is queued once. A reminder found after the day's message for the
    pupil has gone waits for tomorrow's, which lists it."""
    groups: dict[tuple[int, int, date], list[_Reminder]] = {}
    for reminder in wanted:
        group = (reminder.staff_id, reminder.pupil_id, reminder.window.today)
        groups.setdefault(group, []).append(reminder)
    keys_of = {group: _group_key(*group) for group in groups}
    queued_keys = _queued_keys(session, [w.dedupe_key for w in wanted] + list(keys_of.values()))
    queued = 0
    for group, reminders in groups.items():
        fresh = list(
            {r.dedupe_key: r for r in reminders if r.dedupe_key not in queued_keys}.values()
        )
        if not fresh:
            continue
        items = [{"template": r.template, "params": r.params} for r in fresh]
        key = keys_of[group]
        if key in queued_keys:
            if not outbox.add_items(session, key, items):
                continue  # already sent today: tomorrow's message lists these
        elif _enqueue_group(session, fresh[0], items, key, now):
            queued += 1
        else:
            continue
        for reminder in fresh:
            outbox.record_merged(
                session,
                school_id=reminder.window.school_id,
                recipient_staff_id=reminder.staff_id,
                template=reminder.template,
                params=reminder.params,
                dedupe_key=reminder.dedupe_key,
                into=key,
                now=now,
            )
    return queued


def _group_key(staff_id: int, pupil_id: int, day: date) -> str:
    return f"reminders:pupil:{pupil_id}:{day.isoformat()}:staff:{staff_id}"


def _enqueue_group(
    session: Session, first: _Reminder, items: list[dict[str, Any]], key: str, now: datetime
) -> bool:
    return (
        outbox.enqueue(
            session,
            school_id=first.window.school_id,
            recipient_staff_id=first.staff_id,
            template=keys.PUPIL_REMINDERS,
            params={"pupil_id": first.pupil_id, "items": items},
            dedupe_key=key,
            now=now,
            not_before=first.window.send_at,
        )
        is not None
    )


@dataclass(frozen=True)
class _Window:
    """One school's reminder window today, in its own timezone and settings."""

    school_id: int
    today: date
    horizon: date
    send_at: datetime
    offsets: tuple[int, ...]


@dataclass(frozen=True)
class _Reminder:
    window: _Window
    staff_id: int
    pupil_id: int
    template: str
    params: dict[str, object]
    dedupe_key: str


def _staff_by_role(session: Session) -> dict[tuple[int, Role], list[int]]:
    """Active staff ids of every school by the roles reminders go to, in one query."""
    roles = (Role.SENCO, Role.DSL)
    found: dict[tuple[int, Role], list[int]] = {}
    rows = session.execute(
        select(Staff.school_id, StaffRole.role, Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.active, StaffRole.role.in_([r.value for r in roles]))
        .order_by(Staff.id)
    )
    for school_id, role, staff_id in rows:
        found.setdefault((school_id, Role(role)), []).append(staff_id)
    return found


def _owner_ids(session: Session, row: Any, by_role: dict[tuple[int, Role], list[int]]) -> list[int]:
    """`deadlines.owners`: the named owner if still active, else the owning role's staff."""
    if row.owner_staff_id is not None:
        staff = session.get(Staff, row.owner_staff_id)
        if staff is not None and staff.active:
            return [staff.id]
    return by_role.get((row.school_id, deadline_service.reminder_role(row.owner_role)), [])


def _plan_reviews(session: Session, first: date, last: date) -> list[tuple[int, int, int, date]]:
    """`deadlines.plan_reviews_due` for every school at once: (plan, school, pupil, date)."""
    rows = session.execute(
        select(SupportPlan.id, Pupil.school_id, Pupil.id, SupportPlan.next_review_on)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            Pupil.active,
            SupportPlan.status == "active",
            SupportPlan.kind != "ehc_plan",
            SupportPlan.next_review_on.is_not(None),
            SupportPlan.next_review_on >= first,
            SupportPlan.next_review_on <= last,
        )
        .order_by(SupportPlan.next_review_on, SupportPlan.id)
    )
    return [(plan, school, pupil, due) for plan, school, pupil, due in rows if due is not None]


def _queued_keys(session: Session, keys: list[str], chunk: int = 900) -> set[str]:
    """Which of these dedupe keys the outbox already holds (unique index, a few queries)."""
    found: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), chunk):
        part = unique[start : start + chunk]
        found.update(session.scalars(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(part))))
    return found


def sweep_meeting_reminders(session: Session, now: datetime) -> int:
    """Parents' meeting reminders (7 days and 1 day before if unanswered; the day before if
    they said yes), by the meetings service that owns the invitations."""
    return int(meetings.sweep_reminders(session, now))


# --- digests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestDue:
    role: str
    recipients: tuple[int, ...]


def digests_due(session: Session, school: School, day: date) -> list[DigestDue]:
    """Who gets which digest on `day`: none on a day the school is closed, unless the school
    keeps them (the next open day's digest covers the closure instead)."""
    settings = school_settings.of(school)
    if not digests.sends_on(school, terms.calendar_for(session, school.id), day):
        return []
    due = []
    if day.weekday() in settings.digest_days:
        due.append(
            DigestDue(
                "senco",
                tuple(
                    s.id for s in deadline_service.staff_with_role(session, school.id, Role.SENCO)
                ),
            )
        )
        dsl = [s.id for s in deadline_service.staff_with_role(session, school.id, Role.DSL)]
        if settings.dsl_digest_to_deputies:
            dsl += [
                s.id for s in deadline_service.staff_with_role(session, school.id, Role.DEPUTY_DSL)
            ]
        due.append(DigestDue("dsl", tuple(dict.fromkeys(dsl))))
    if day.weekday() == settings.headteacher_digest_weekday:
        due.append(
            DigestDue(
                "headteacher",
                tuple(
                    s.id
                    for s in deadline_service.staff_with_role(session, school.id, Role.HEADTEACHER)
                ),
            )
        )
    return due


def enqueue_due_digests(session: Session, now: datetime) -> int:
    """At each school's digest time (school timezone, so daylight saving moves it with the
    clocks), one digest per person, role and day: the dedupe key is the guarantee."""
    queued = 0
    for school in _schools(session):
        local = _local_now(school, now)
        if local.time() < school.digest_time:
            continue
        day = local.date()
        for due in digests_due(session, school, day):
            for staff_id in due.recipients:
                key = f"digest:{due.role}:{day.isoformat()}:staff:{staff_id}"
                if session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key)) is not None:
                    continue
                if outbox.enqueue(
                    session,
                    school_id=school.id,
                    recipient_staff_id=staff_id,
                    template=keys.DIGESTS[due.role],
                    params={"school_id": school.id, "role": due.role, "date": day.isoformat()},
                    dedupe_key=key,
                    now=now,
                ):
                    queued += 1
    return queued


# --- daily ---------------------------------------------------------------------------------


def recompute_all(session: Session, now: datetime) -> int:
    """The nightly safety net: what only the passing of time changes, and missed hooks."""
    changed = 0
    for school in _schools(session):
        result = deadline_service.recompute_school(session, school.id, now)
        changed += result.opened + result.changed + result.closed
    return changed


def term_start_reminders(session: Session, now: datetime) -> int:
    """On the first day of each term, tell the SENCO what the term holds."""
    queued = 0
    for school in _schools(session):
        today = _local_now(school, now).date()
        cal = terms.calendar_for(session, school.id)
        term = cal.term_containing(today)
        if term is None or term.starts_on != today:
            continue
        rows = list(
            session.scalars(
                select(Deadline).where(
                    Deadline.school_id == school.id,
                    Deadline.status == deadline_service.OPEN,
                    Deadline.due_on <= term.ends_on,
                    ~Deadline.kind.like("safeguarding.%"),
                    Deadline.subject_type != policy.ADULT_CONCERN,
                )
            )
        )
        reviews = sum(1 for r in rows if r.kind in deadline_service.REVIEW_KINDS)
        annual = sum(1 for r in rows if r.kind == "ehc.annual_review")
        overdue = sum(1 for r in rows if r.due_on < today)
        text = (
            f"Term {term.name} starts today (to {term.ends_on:%a %-d %b %Y}).\n"
            f"Reviews due this term: {reviews}, of which EHC annual reviews: {annual}.\n"
            f"Other deadlines this term: {len(rows) - reviews}. Already overdue: {overdue}.\n"
            "Your daily digest lists each one as it comes due."
        )
        for staff in deadline_service.staff_with_role(session, school.id, Role.SENCO):
            if outbox.enqueue(
                session,
                school_id=school.id,
                recipient_staff_id=staff.id,
                template=keys.STAFF_NOTICE,
                params={"text": text},
                dedupe_key=f"term_start:{school.id}:{term.name}:staff:{staff.id}",
                now=now,
                not_before=max(now, _at(today, reminder_time(school), school.timezone)),
            ):
                queued += 1
    return queued


TERM_SUMMARY_DAYS = 7  # parents hear how the term went in its last week


def term_progress_summaries(session: Session, now: datetime) -> int:
    """In the last week of each term, parents of pupils on SEN support get the term's summary.

    Daily, so a day the server was down is made up the next; the dedupe keys (plan, term,
    guardian) send each summary once however often this runs."""
    queued = 0
    for school in _schools(session):
        today = _local_now(school, now).date()
        term = terms.calendar_for(session, school.id).term_containing(today)
        if term is None or (term.ends_on - today).days >= TERM_SUMMARY_DAYS:
            continue
        queued += parent_summaries.queue_term_progress_for_school(
            session, school.id, term.name, now
        )
    return queued


def annual_review_look_ahead(session: Session, now: datetime) -> int:
    """EHC annual reviews due within 10 weeks with no meeting booked: time to book one."""
    wanted: list[_Reminder] = []
    for school in _schools(session):
        today = _local_now(school, now).date()
        send_at = max(now, _at(today, reminder_time(school), school.timezone))
        rows = session.execute(
            select(Deadline, Pupil)
            .join(Pupil, Pupil.id == Deadline.pupil_id)
            .where(
                Deadline.school_id == school.id,
                Deadline.kind == "ehc.annual_review",
                Deadline.status == deadline_service.OPEN,
                Deadline.due_on <= today + timedelta(weeks=LOOK_AHEAD_WEEKS),
            )
        ).all()
        for row, pupil in rows:
            if _booked_in_time(session, pupil.id, row.due_on, school.timezone):
                continue
            rule = RULES_BY_KIND["ehc.annual_review"]
            text = (
                f"Book {pupil.display_name}'s EHC plan annual review: it must be held by "
                f"{row.due_on:%a %-d %b %Y}.\n"
                f"{rule.law_says(row.due_on)}\n"
                "Invitations and advice must go out at least 2 weeks before the meeting "
                "(SEND Regs 2014 reg 20), so allow time.\n"
                f"Source: {rule.source}"
            )
            window = _Window(school.id, today, today, send_at, ())
            wanted.extend(
                _Reminder(
                    window,
                    staff.id,
                    pupil.id,
                    keys.STAFF_NOTICE,
                    {"text": text},
                    f"annual_look_ahead:{row.id}:{row.due_on.isoformat()}:staff:{staff.id}",
                )
                for staff in deadline_service.owners(session, row)
            )
    # With the day's other reminders about the pupil: one message a pupil a day.
    return _enqueue_new(session, wanted, now)


def _booked_in_time(session: Session, pupil_id: int, due_on: date, tz: str) -> bool:
    """A meeting counts as booking the review only if it is on or before the day the review
    is due; one still waiting to be marked held counts, one not held does not."""
    starts = session.scalars(
        select(Meeting.starts_at).where(
            Meeting.pupil_id == pupil_id,
            Meeting.status == "scheduled",
            Meeting.kind.like("%annual%"),
        )
    )
    earliest = due_on - timedelta(days=366)  # within the review period, not last year's
    return any(earliest < at.astimezone(ZoneInfo(tz)).date() <= due_on for at in starts)


MINUTE_JOBS: tuple[Callable[[Session, datetime], int], ...] = (
    escalation.check_escalations,
    escalation.check_referral_chases,
    escalation.check_cumulative,
    cp_files.check_transfer_prompts,
    concern_drafts.remind_reporters,
    adult_concerns.check_lado_prompts,
    sweep_deadline_reminders,
    sweep_meeting_reminders,
    review_outcomes.queue_outcome_prompts,
    enqueue_due_digests,
    audit.checkpoint_job,  # last: it signs what the jobs above wrote to the audit log
)
DAILY_JOBS: tuple[Callable[[Session, datetime], int], ...] = (
    recompute_all,
    term_start_reminders,
    term_progress_summaries,
    annual_review_look_ahead,
)


@dataclass
class JobReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def run_minute_jobs(
    sessions: sessionmaker[Session], now: datetime, report: JobReport | None = None
) -> JobReport:
    report = report or JobReport()
    for job in MINUTE_JOBS:
        try:
            report.add(job.__name__, run(sessions, job, now))
        except Exception:  # one failing job must not stop the others (escalation above all)
            log.exception("job %s failed", job.__name__)
    return report


def run_daily_jobs(
    sessions: sessionmaker[Session], now: datetime, report: JobReport | None = None
) -> JobReport:
    report = report or JobReport()
    for job in DAILY_JOBS:
        try:
            report.add(job.__name__, run(sessions, job, now))
        except Exception:
            log.exception("job %s failed", job.__name__)
    return report


# --- when is there next something to do (for fast-forwarding) ------------------------------


def _next_local(now: datetime, at: time, tz: str, days: set[int] | None = None) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    day = local.date()
    for _ in range(15):
        candidate = _at(day, at, tz)
        if candidate > now and (days is None or day.weekday() in days):
            return candidate
        day += timedelta(days=1)
    return now + timedelta(days=1)


def next_wakeup(session: Session, now: datetime) -> datetime:
    """The earliest moment after `now` any job or any queued message could have work.

    The daily run has no wake-up of its own: fast-forward runs it at the first wake-up of
    each school day after 06:00 (the reminder time comes every day).
    """
    candidates: list[datetime] = []
    for school in _schools(session):
        settings = school_settings.of(school)
        candidates.append(_next_local(now, reminder_time(school), school.timezone))
        days = set(settings.digest_days)
        if settings.headteacher_digest_weekday is not None:
            days.add(settings.headteacher_digest_weekday)
        if days:
            candidates.append(_next_local(now, school.digest_time, school.timezone, days))
        # Meeting reminders are counted in whole days before the meeting's own time.
        for starts_at in session.scalars(
            select(Meeting.starts_at).where(
                Meeting.school_id == school.id,
                Meeting.status == "scheduled",
                Meeting.starts_at > now,
            )
        ):
            for days_before in (7, 1):
                at = starts_at - timedelta(days=days_before)
                if at > now:
                    candidates.append(at)
    for found in (
        escalation.next_escalation_at(session, now),
        escalation.next_chase_at(session, now),
        review_outcomes.next_prompt_at(session, now),
        concern_drafts.next_reminder_at(session),
    ):
        if found is not None:
            candidates.append(max(found, now + timedelta(seconds=1)))
    pending = session.scalar(
        select(Outbox.not_before)
        .where(Outbox.status == "pending", Outbox.not_before > now)
        .order_by(Outbox.not_before)
        .limit(1)
    )
    if pending is not None:
        candidates.append(pending)
    return min(candidates) if candidates else now + timedelta(days=1)
