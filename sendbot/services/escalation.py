"""Safeguarding follow-up that must not depend on anyone remembering.

- An alert nobody acknowledges goes to the deputies and the headteacher after 15 minutes,
  and again (to the DSL too) at 60 minutes; out of school hours the school's `out_of_hours`
  setting decides (see `sendbot.domain.school_settings`).
- After a referral to children's social care, the DSL is asked after 1 working day whether
  the local authority has acknowledged it and decided next steps (KCSIE; Working Together
  2023), and offered to record the chase; again 1 working day after each chase. Working
  days run through school holidays, so the chase is sent on the working day it falls due
  (in school hours); in a school holiday it goes to the DSL holiday cover the school named
  (`dsl_holiday_cover`), and to the DSL too with `dsl_holiday_cover_copies_dsl`.
- Several concerns about one pupil in a short window (3 in 14 days by default, any areas)
  prompt the DSL and SENCO to look at them together: indicators of abuse in pupils with
  SEND are too easily put down to their needs (KCSIE, "Children with SEND"). The SENCO is
  prompted only where the policy lets them look (a pupil with SEND).

- The DSL's steps on a concern (`record_decision`, `record_agency_contact`,
  `close_concern`, `reopen_concern`) each carry a reason, written to the encrypted note;
  closing is the DSL's or a deputy's sign-off and stops the chase and its deadlines.

Each step is written to the concern's chronology (`ConcernAction`) and the audit log, with
the pupil, so the pupil's chronology shows it. Each job is idempotent; the escalation and
prompt messages are keyed in the outbox, so several processes never send one twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.calendar import SchoolCalendar
from sendbot.domain.people import Role
from sendbot.domain.school_settings import SchoolSettings
from sendbot.services import audit, outbox, policy, safeguarding, school_settings, terms
from sendbot.services import deadlines as deadline_service
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.store import locks
from sendbot.store.models import Concern, ConcernAction, Pupil, School, Staff, StaffRole

ESCALATION = keys.SAFEGUARDING_ESCALATION
REFERRAL_CHASE = keys.SAFEGUARDING_REFERRAL_CHASE
CUMULATIVE = keys.SAFEGUARDING_CUMULATIVE
# Escalation stops looking after this long: a week-old unacknowledged alert is in every
# DSL digest and the headteacher's counts, and repeating it hourly would teach people to
# ignore it.
LOOK_BACK = timedelta(days=7)
CHASE_ACTIONS = ("referral_chase",)

UTC = ZoneInfo("UTC")


class NotAllowed(PermissionError):
    """Only the DSL and deputies record referrals and their follow-up."""


# --- school hours --------------------------------------------------------------------------


def _school_day(cal: SchoolCalendar, day: date) -> bool:
    return cal.is_school_day(day) if cal.terms else cal.is_working_day(day)


def in_school_holiday(cal: SchoolCalendar, day: date) -> bool:
    """A day between terms or in a half-term break, within the span of the term dates set
    up (outside it nothing is known of holidays, as `terms.is_open` has it)."""
    if not cal.terms or not cal.terms[0].starts_on <= day <= cal.terms[-1].ends_on:
        return False
    term = cal.term_containing(day)
    return term is None or term.in_half_term(day)


def in_school_hours(
    school: School, settings: SchoolSettings, cal: SchoolCalendar, at: datetime
) -> bool:
    local = at.astimezone(ZoneInfo(school.timezone))
    start, end = settings.school_hours
    return _school_day(cal, local.date()) and start <= local.time() < end


def in_working_hours(
    school: School, settings: SchoolSettings, cal: SchoolCalendar, at: datetime
) -> bool:
    """School hours on a working day, term or holiday: the local authority works then."""
    local = at.astimezone(ZoneInfo(school.timezone))
    start, end = settings.school_hours
    return cal.is_working_day(local.date()) and start <= local.time() < end


def next_school_hours_start(
    school: School,
    settings: SchoolSettings,
    cal: SchoolCalendar,
    at: datetime,
    *,
    working_days: bool = False,
) -> datetime:
    """The next moment in school hours (on a working day instead, with `working_days`)."""
    zone = ZoneInfo(school.timezone)
    local = at.astimezone(zone)
    start, end = settings.school_hours
    day = local.date()
    counts = cal.is_working_day if working_days else lambda d: _school_day(cal, d)
    for _ in range(400):
        if counts(day):
            opening = datetime.combine(day, start, zone)
            closing = datetime.combine(day, end, zone)
            if local < opening:
                return opening.astimezone(UTC)
            if local < closing:
                return local.astimezone(UTC)
        day += timedelta(days=1)
    return at  # no school day in a year of calendar: never hold an escalation back


# --- people --------------------------------------------------------------------------------


def _with_roles(session: Session, school_id: int, roles: Iterable[Role]) -> list[int]:
    return list(
        session.scalars(
            select(Staff.id)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(
                Staff.school_id == school_id,
                Staff.active,
                StaffRole.role.in_([r.value for r in roles]),
            )
            .distinct()
            .order_by(Staff.id)
        )
    )


def _active(session: Session, school_id: int, ids: Iterable[int]) -> list[int]:
    wanted = list(ids)
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Staff.id)
            .where(Staff.id.in_(wanted), Staff.school_id == school_id, Staff.active)
            .order_by(Staff.id)
        )
    )


def _chronicle(
    session: Session,
    concern: Concern,
    kind: str,
    now: datetime,
    details: dict[str, object],
    actor: StaffActor | None = None,
    note: str | None = None,
) -> ConcernAction:
    action = ConcernAction(
        concern_id=concern.id,
        actor_id=actor.staff_id if actor else None,
        at=now,
        kind=kind,
        note_text=note,
        details=details,
    )
    session.add(action)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff" if actor else "system",
        actor_id=actor.staff_id if actor else None,
        action=f"concern.{kind}",
        object_type="concern",
        object_id=concern.id,
        school_id=concern.school_id,
        pupil_id=concern.pupil_id,
        details={k: v for k, v in details.items() if k != "note"},
    )
    return action


def _alert_params(session: Session, concern: Concern) -> dict[str, object]:
    pupil = session.get(Pupil, concern.pupil_id)
    raised_by = session.get(Staff, concern.raised_by_id) if concern.raised_by_id else None
    return {
        "concern_id": concern.id,
        "year_group": pupil.year_group if pupil else None,
        "raised_by": raised_by.display_name if raised_by else "someone",
        "raised_at": concern.raised_at.isoformat(),
        "immediate_danger": concern.immediate_danger,
    }


# --- escalation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationPlan:
    """When each step falls due for one concern, and who each step goes to."""

    starts_at: datetime
    steps: tuple[tuple[int, datetime, tuple[int, ...]], ...]  # (minutes, due at, staff ids)


def plan_for(
    session: Session,
    concern: Concern,
    school: School,
    settings: SchoolSettings,
    cal: SchoolCalendar,
) -> EscalationPlan:
    out_of_hours = not in_school_hours(school, settings, cal, concern.raised_at)
    start = concern.raised_at
    if out_of_hours and settings.out_of_hours == "next_school_day" and not concern.immediate_danger:
        start = next_school_hours_start(school, settings, cal, concern.raised_at)
    deputies = _with_roles(session, school.id, [Role.DEPUTY_DSL])
    dsl = _with_roles(session, school.id, [Role.DSL])
    head = _with_roles(session, school.id, [Role.HEADTEACHER])
    on_call = _active(session, school.id, settings.on_call_staff_ids)
    steps = []
    last = len(settings.escalation_minutes) - 1
    for index, minutes in enumerate(settings.escalation_minutes):
        if out_of_hours and settings.out_of_hours == "on_call" and on_call:
            people = [*on_call, *head] + ([*dsl, *deputies] if index == last else [])
        else:
            people = [*deputies, *head] + (dsl if index == last else [])
        if concern.raised_by_id in people and len(people) > 1:
            people = [p for p in people if p != concern.raised_by_id]
        steps.append((minutes, start + timedelta(minutes=minutes), tuple(dict.fromkeys(people))))
    return EscalationPlan(start, tuple(steps))


def _unacknowledged(session: Session, now: datetime) -> list[Concern]:
    return list(
        session.scalars(
            select(Concern)
            .where(
                Concern.safeguarding,
                Concern.acknowledged_at.is_(None),
                Concern.status == "open",
                Concern.raised_at >= now - LOOK_BACK,
            )
            .order_by(Concern.raised_at)
        )
    )


def _steps_done(session: Session, concern_id: int) -> set[int]:
    return {
        int((a.details or {}).get("step", -1))
        for a in session.scalars(
            select(ConcernAction).where(
                ConcernAction.concern_id == concern_id, ConcernAction.kind == "escalated"
            )
        )
    }


class _Context:
    """Per-school settings and calendars, loaded once per run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[int, tuple[School, SchoolSettings, SchoolCalendar]] = {}

    def get(self, school_id: int) -> tuple[School, SchoolSettings, SchoolCalendar]:
        if school_id not in self._cache:
            school = self.session.get(School, school_id)
            assert school is not None
            self._cache[school_id] = (
                school,
                school_settings.of(school),
                terms.calendar_for(self.session, school_id),
            )
        return self._cache[school_id]


def check_escalations(session: Session, now: datetime) -> int:
    """Escalate every unacknowledged alert whose next step is due; returns messages queued."""
    locks.serialise(session, locks.ESCALATION)
    ctx = _Context(session)
    queued = 0
    for concern in _unacknowledged(session, now):
        school, settings, cal = ctx.get(concern.school_id)
        plan = plan_for(session, concern, school, settings, cal)
        done = _steps_done(session, concern.id)
        for step, (minutes, due_at, people) in enumerate(plan.steps, start=1):
            if due_at > now or step in done:
                continue
            params = {**_alert_params(session, concern), "step": step, "minutes": minutes}
            for staff_id in people:
                if outbox.enqueue(
                    session,
                    school_id=concern.school_id,
                    recipient_staff_id=staff_id,
                    template=ESCALATION,
                    params=params,
                    dedupe_key=f"escalation:{concern.id}:{step}:staff:{staff_id}",
                    priority=outbox.URGENT,
                    now=now,
                ):
                    queued += 1
            _chronicle(
                session,
                concern,
                "escalated",
                now,
                {"step": step, "minutes": minutes, "recipients": list(people)},
            )
    return queued


def next_escalation_at(session: Session, now: datetime) -> datetime | None:
    """The next moment an escalation step falls due (for fast-forwarding)."""
    ctx = _Context(session)
    soonest = None
    for concern in _unacknowledged(session, now):
        school, settings, cal = ctx.get(concern.school_id)
        done = _steps_done(session, concern.id)
        for step, (_minutes, due_at, _people) in enumerate(
            plan_for(session, concern, school, settings, cal).steps, start=1
        ):
            if step not in done and (soonest is None or due_at < soonest):
                soonest = due_at
    return soonest


# --- referrals to children's social care ---------------------------------------------------


def _require_lead(session: Session, actor: StaffActor, concern_id: int) -> Concern:
    concern = session.get(Concern, concern_id)
    if concern is None or concern.school_id != actor.school_id:
        raise LookupError("I can't find that concern.")
    if not policy.may_record_referral_step(actor, concern):
        raise NotAllowed("Only the designated safeguarding lead and deputies can record this.")
    return concern


def record_referral(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, note: str | None = None
) -> ConcernAction:
    """The DSL referred the concern to children's social care (the 1-working-day clock starts)."""
    concern = _require_lead(session, actor, concern_id)
    return _chronicle(
        session, concern, "referral", now, {"to": "children's social care"}, actor, note
    )


# The DSL's decisions on a safeguarding concern (KCSIE part 1: the options a DSL weighs),
# each recorded with its reason. A referral starts the 1-working-day chase.
DECISIONS: dict[str, str] = {
    "monitor": "Monitor in school",
    "early_help": "Early help",
    "referral": "Referral to children's social care",
    "police": "Report to the police",
    "lado": "Consult the LADO",
    "no_further_action": "No further action",
}
# The agencies a DSL speaks to about a child; a contact is a step of its own in the chronology.
AGENCIES: dict[str, str] = {
    "childrens_social_care": "Children's social care",
    "police": "The police",
    "lado": "The LADO",
    "early_help": "The early help team",
    "health": "Health (school nurse, GP, health visitor)",
    "camhs": "Mental health services (CAMHS)",
    "other_school": "Another school",
    "other": "Another agency",
}
NOTE_LIMIT = 1000
REASON_NEEDED = "Please give the reason in a few words: it goes into the pupil's chronology."
ALREADY_CLOSED = "That concern is already closed."
NOT_CLOSED = "That concern is not closed, so there is nothing to reopen."


@dataclass(frozen=True)
class Decided:
    action_id: int
    decision: str
    acknowledged_now: bool  # nobody had acknowledged the alert: this did, so escalation stops


def _reason(note: str | None, required: bool = True) -> str | None:
    text = (note or "").strip() or None
    if text is None and required:
        raise ValueError(REASON_NEEDED)
    if text is not None and len(text) > NOTE_LIMIT:
        raise ValueError(f"Keep the note to {NOTE_LIMIT:,} characters.")
    return text


def _acknowledge_first(
    session: Session, actor: StaffActor, concern: Concern, now: datetime
) -> bool:
    """Acting on a concern acknowledges an alert nobody had: nobody is escalated to about a
    concern the DSL has already acted on. True if this acknowledged it."""
    if concern.acknowledged_at is not None:
        return False
    return safeguarding.acknowledge(session, actor, concern.id, now).first


def record_decision(
    session: Session,
    actor: StaffActor,
    concern_id: int,
    decision: str,
    now: datetime,
    note: str | None = None,
) -> Decided:
    """The DSL's decision on a concern and its reason, in its chronology. A referral to
    children's social care is recorded by `record_referral`, which starts the
    1-working-day chase. Deciding also acknowledges an alert nobody had acknowledged."""
    concern = _require_lead(session, actor, concern_id)
    if decision not in DECISIONS:
        raise ValueError("Choose one of: " + ", ".join(DECISIONS.values()).lower() + ".")
    if concern.status in deadline_service.CLOSED_CONCERN:
        raise ValueError("That concern is closed: reopen it first, with the reason.")
    reason = _reason(note)
    acknowledged_now = _acknowledge_first(session, actor, concern, now)
    if decision == "referral":
        action = record_referral(session, actor, concern.id, now, reason)
    else:
        action = _chronicle(
            session, concern, "decision", now, {"decision": decision}, actor, reason
        )
    return Decided(action.id, decision, acknowledged_now)


def record_agency_contact(
    session: Session,
    actor: StaffActor,
    concern_id: int,
    agency: str,
    now: datetime,
    note: str | None = None,
) -> Decided:
    """A contact with an agency about the concern: which agency (in the details), and who
    was spoken to, when and what was said or agreed (the note, encrypted)."""
    concern = _require_lead(session, actor, concern_id)
    if agency not in AGENCIES:
        raise ValueError("Choose one of: " + ", ".join(AGENCIES.values()).lower() + ".")
    reason = _reason(note)
    acknowledged_now = _acknowledge_first(session, actor, concern, now)
    action = _chronicle(session, concern, "agency_contact", now, {"agency": agency}, actor, reason)
    return Decided(action.id, "agency_contact", acknowledged_now)


def close_concern(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, reason: str | None
) -> Decided:
    """The DSL or a deputy signs the concern off, with the reason. Closing stops the
    referral chase and its deadlines; nothing is deleted, and it can be reopened."""
    concern = session.get(Concern, concern_id)
    if concern is None or concern.school_id != actor.school_id:
        raise LookupError("I can't find that concern.")
    if not policy.decide(session, actor, policy.Action.CLOSE_CONCERN, concern.id):
        raise NotAllowed("Only the designated safeguarding lead and deputies can close a concern.")
    if concern.status in deadline_service.CLOSED_CONCERN:
        raise ValueError(ALREADY_CLOSED)
    text = _reason(reason)
    acknowledged_now = _acknowledge_first(session, actor, concern, now)
    before = concern.status
    concern.status = "closed"
    action = _chronicle(session, concern, "closed", now, {"from": before}, actor, text)
    return Decided(action.id, "closed", acknowledged_now)


def reopen_concern(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, reason: str | None
) -> Decided:
    """A closed concern opened again (new information, a decision revisited), with the
    reason; it is acknowledged already, so no alert is escalated again."""
    concern = session.get(Concern, concern_id)
    if concern is None or concern.school_id != actor.school_id:
        raise LookupError("I can't find that concern.")
    if not policy.decide(session, actor, policy.Action.CLOSE_CONCERN, concern.id):
        raise NotAllowed("Only the designated safeguarding lead and deputies can reopen a concern.")
    if concern.status not in deadline_service.CLOSED_CONCERN:
        raise ValueError(NOT_CLOSED)
    text = _reason(reason)
    concern.status = "acknowledged" if concern.acknowledged_at is not None else "open"
    action = _chronicle(session, concern, "reopened", now, {"to": concern.status}, actor, text)
    return Decided(action.id, "reopened", False)


def record_la_response(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, note: str | None = None
) -> ConcernAction:
    """The local authority acknowledged the referral and decided next steps: chasing stops."""
    concern = _require_lead(session, actor, concern_id)
    return _chronicle(session, concern, "la_response", now, {}, actor, note)


def record_chase(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, note: str | None = None
) -> ConcernAction:
    """The DSL followed the referral up; the next prompt comes a working day later."""
    concern = _require_lead(session, actor, concern_id)
    return _chronicle(session, concern, "referral_chase", now, {}, actor, note)


def _chase_due(
    session: Session,
    concern: Concern,
    school: School,
    settings: SchoolSettings,
    cal: SchoolCalendar,
) -> tuple[ConcernAction, datetime] | None:
    """(the action the next prompt follows, when it is due), or None when nothing is owed."""
    if concern.status in deadline_service.CLOSED_CONCERN:
        return None
    referral = deadline_service.referral_of(session, concern.id)
    if referral is None or deadline_service.la_response_of(session, concern.id, referral.at):
        return None
    last = (
        session.scalar(
            select(ConcernAction)
            .where(
                ConcernAction.concern_id == concern.id,
                ConcernAction.kind.in_(CHASE_ACTIONS),
                ConcernAction.at >= referral.at,
            )
            .order_by(ConcernAction.at.desc(), ConcernAction.id.desc())
            .limit(1)
        )
        or referral
    )
    zone = ZoneInfo(school.timezone)
    local = last.at.astimezone(zone)
    day = cal.add_working_days(local.date(), settings.referral_chase_working_days)
    due = datetime.combine(day, local.time(), zone).astimezone(UTC)
    # The local authority's clock counts working days, school holidays included, so the
    # chase waits only for working hours, not for the school to reopen.
    if not in_working_hours(school, settings, cal, due):
        due = next_school_hours_start(school, settings, cal, due, working_days=True)
    return last, due


def holiday_cover(
    session: Session, school: School, settings: SchoolSettings, cal: SchoolCalendar, day: date
) -> list[int]:
    """Who covers safeguarding on `day`: the school's DSL holiday cover in a school holiday
    (active staff only), none in term or when the school has named nobody."""
    if not in_school_holiday(cal, day):
        return []
    return _active(session, school.id, settings.dsl_holiday_cover)


def _chase_recipients(
    session: Session,
    concern: Concern,
    after: ConcernAction,
    school: School,
    settings: SchoolSettings,
    cal: SchoolCalendar,
    now: datetime,
) -> list[int]:
    """In term: whoever made the referral or the last chase, and the DSL (the deputies and
    headteacher if the school has no DSL). In a school holiday: the DSL holiday cover, with
    the DSL too when the school asks for it; as in term when nobody is named."""
    dsl = _with_roles(session, concern.school_id, [Role.DSL])
    cover = holiday_cover(
        session, school, settings, cal, now.astimezone(ZoneInfo(school.timezone)).date()
    )
    if cover:
        return list(
            dict.fromkeys([*cover, *(dsl if settings.dsl_holiday_cover_copies_dsl else [])])
        )
    people = dsl
    referrer = after.actor_id if after.actor_id else None
    if referrer is not None:
        people = list(dict.fromkeys([*_active(session, concern.school_id, [referrer]), *people]))
    if not people:
        people = _with_roles(session, concern.school_id, [Role.DEPUTY_DSL, Role.HEADTEACHER])
    return people


def _referral_concerns(session: Session) -> list[Concern]:
    ids = select(ConcernAction.concern_id).where(
        ConcernAction.kind.in_(deadline_service.REFERRAL_WORDS | {"decision"})
    )
    return list(
        session.scalars(
            select(Concern)
            .where(Concern.id.in_(ids), Concern.status.not_in(deadline_service.CLOSED_CONCERN))
            .order_by(Concern.id)
        )
    )


def check_referral_chases(session: Session, now: datetime) -> int:
    locks.serialise(session, locks.REFERRAL_CHASE)
    ctx = _Context(session)
    queued = 0
    for concern in _referral_concerns(session):
        school, settings, cal = ctx.get(concern.school_id)
        found = _chase_due(session, concern, school, settings, cal)
        if found is None or found[1] > now:
            continue
        after, _due = found
        already = any(
            (a.details or {}).get("after") == after.id
            for a in session.scalars(
                select(ConcernAction).where(
                    ConcernAction.concern_id == concern.id, ConcernAction.kind == "chase_prompt"
                )
            )
        )
        if already:
            continue
        people = _chase_recipients(session, concern, after, school, settings, cal, now)
        referral = deadline_service.referral_of(session, concern.id)
        assert referral is not None
        chases = session.scalar(
            select(func.count(ConcernAction.id)).where(
                ConcernAction.concern_id == concern.id,
                ConcernAction.kind.in_(CHASE_ACTIONS),
                ConcernAction.at >= referral.at,
            )
        )
        params = {
            **_alert_params(session, concern),
            "referral_at": referral.at.isoformat(),
            "chases": int(chases or 0),
            "working_days": settings.referral_chase_working_days,
        }
        for staff_id in people:
            if outbox.enqueue(
                session,
                school_id=concern.school_id,
                recipient_staff_id=staff_id,
                template=REFERRAL_CHASE,
                params=params,
                dedupe_key=f"referral_chase:{concern.id}:{after.id}:staff:{staff_id}",
                priority=outbox.URGENT,
                now=now,
            ):
                queued += 1
        _chronicle(session, concern, "chase_prompt", now, {"after": after.id, "recipients": people})
    return queued


def next_chase_at(session: Session, now: datetime) -> datetime | None:
    ctx = _Context(session)
    soonest = None
    for concern in _referral_concerns(session):
        school, settings, cal = ctx.get(concern.school_id)
        found = _chase_due(session, concern, school, settings, cal)
        if found is not None and (soonest is None or found[1] < soonest):
            prompted = any(
                (a.details or {}).get("after") == found[0].id
                for a in session.scalars(
                    select(ConcernAction).where(
                        ConcernAction.concern_id == concern.id, ConcernAction.kind == "chase_prompt"
                    )
                )
            )
            if not prompted:
                soonest = found[1]
    return soonest


# --- several concerns in a short window ----------------------------------------------------


def _pattern_params(
    session: Session, pupil_id: int, concerns: list[Concern], days: int
) -> dict[str, object]:
    """What the prompt says about a pattern of concerns (oldest first): counts, not text."""
    pupil = session.get(Pupil, pupil_id)
    areas: dict[str, int] = {}
    for c in concerns:
        areas[c.area] = areas.get(c.area, 0) + 1
    return {
        "pupil_id": pupil_id,
        "concern_ids": [c.id for c in concerns],
        "count": len(concerns),
        "days": days,
        "areas": areas,
        "safeguarding": sum(1 for c in concerns if c.safeguarding),
        "year_group": pupil.year_group if pupil else None,
        "first_at": concerns[0].raised_at.isoformat(),
        "last_at": concerns[-1].raised_at.isoformat(),
    }


def _pattern_reviewers(session: Session, school_id: int, pupil_id: int) -> list[int]:
    """The DSL and the SENCO, each only where the policy lets them look at this pupil's
    concerns together (the SENCO: a pupil with SEND)."""
    candidates = dict.fromkeys(
        _with_roles(session, school_id, [Role.DSL]) + _with_roles(session, school_id, [Role.SENCO])
    )
    people = []
    for staff_id in candidates:
        staff = session.get(Staff, staff_id)
        if staff is not None and policy.decide(
            session, actor_for_staff(staff), policy.Action.REVIEW_CONCERNS, pupil_id
        ):
            people.append(staff_id)
    return people


def check_cumulative(session: Session, now: datetime) -> int:
    """Prompt the DSL and SENCO once for each new concern that keeps a pattern going."""
    locks.serialise(session, locks.CUMULATIVE_CONCERNS)
    queued = 0
    ctx = _Context(session)
    longest = max(
        [school_settings.of(s).cumulative_days for s in session.scalars(select(School))] or [14]
    )
    candidates = session.execute(
        select(Concern.school_id, Concern.pupil_id)
        .where(Concern.raised_at >= now - timedelta(days=longest), Concern.raised_at <= now)
        .group_by(Concern.school_id, Concern.pupil_id)
        .having(func.count(Concern.id) >= 2)
    ).all()
    for school_id, pupil_id in candidates:
        _school, settings, _cal = ctx.get(school_id)
        since = now - timedelta(days=settings.cumulative_days)
        concerns = list(
            session.scalars(
                select(Concern)
                .where(
                    Concern.pupil_id == pupil_id,
                    Concern.raised_at >= since,
                    Concern.raised_at <= now,
                )
                .order_by(Concern.raised_at, Concern.id)
            )
        )
        if len(concerns) < settings.cumulative_count:
            continue
        newest = concerns[-1]
        prompted = session.scalar(
            select(ConcernAction.id).where(
                ConcernAction.concern_id == newest.id, ConcernAction.kind == "cumulative_prompt"
            )
        )
        if prompted is not None:
            continue
        params = _pattern_params(session, pupil_id, concerns, settings.cumulative_days)
        people = _pattern_reviewers(session, school_id, pupil_id)
        for staff_id in people:
            if outbox.enqueue(
                session,
                school_id=school_id,
                recipient_staff_id=staff_id,
                template=CUMULATIVE,
                params=params,
                dedupe_key=f"cumulative:{pupil_id}:{newest.id}:staff:{staff_id}",
                now=now,
            ):
                queued += 1
        _chronicle(
            session,
            newest,
            "cumulative_prompt",
            now,
            {
                "concern_ids": [c.id for c in concerns],
                "days": settings.cumulative_days,
                "recipients": people,
            },
        )
    return queued
