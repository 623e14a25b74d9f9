"""Support plans, SMART targets, reviews and the graduated approach.

A pupil has at most one active plan, of the kind matching their level (monitoring, SEN
support, EHC plan). Moving a pupil between levels is recorded with who, when and why, closes
the old plan and opens one of the new kind carrying the unfinished targets over, so the
assess-plan-do-review cycles read back in order. Only the SENCO changes these records;
teachers and TAs read them for the pupils they teach or support.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.needs import BROAD_AREAS, Area
from sendbot.domain.people import SenStatus
from sendbot.services import (
    audit,
    ehc_cases,
    parent_summaries,
    policy,
    review_outcomes,
    school_policy,
    terms,
)
from sendbot.services.actors import StaffActor
from sendbot.services.pupils import PupilSummary, summarise
from sendbot.store.models import (
    AuditEvent,
    EhcCase,
    Intervention,
    InterventionPupil,
    InterventionSession,
    PlanReview,
    Pupil,
    SenStatusChange,
    SessionAttendance,
    Staff,
    SupportPlan,
    Target,
    TargetIntervention,
    TargetProgress,
)

CLOSE_OUTCOMES: dict[str, str] = {"met": "Met", "partly": "Partly met", "not_met": "Not met"}
REVIEW_OUTCOMES: dict[str, str] = {"met": "Met", "partly": "Partly", "not_yet": "Not yet"}
STATUS_LABELS: dict[str, str] = {"active": "working on it", **CLOSE_OUTCOMES}
WORDING_LIMIT = 500
NOTE_LIMIT = 1000


class PlanInvalid(ValueError):
    """Input a person can fix; the message says how."""


@dataclass(frozen=True)
class PlanSummary:
    id: int
    kind: str
    name: str  # the school's name for this kind of plan
    started_on: date
    next_review_on: date | None


@dataclass(frozen=True)
class TargetView:
    id: int
    staff_wording: str
    parent_wording: str
    area: str
    status: str
    due_on: date | None
    ratings: tuple[tuple[date, str], ...] = ()  # newest first, at most three
    last_session_on: date | None = None


@dataclass(frozen=True)
class PupilRecord:
    pupil: PupilSummary
    level_name: str
    plan: PlanSummary | None
    targets: tuple[TargetView, ...]
    interventions: tuple[str, ...]


@dataclass(frozen=True)
class NewTarget:
    pupil_id: int
    staff_wording: str
    parent_wording: str
    area: str
    due_on: date | None
    success_criteria: str | None = None
    baseline: str | None = None
    intervention_ids: Sequence[int] = ()


@dataclass(frozen=True)
class NewReview:
    pupil_id: int
    held_on: date
    outcomes: Mapping[int, str]  # target id -> met | partly | not_yet
    next_steps: str
    next_review_on: date
    new_targets: Sequence[NewTarget] = field(default_factory=tuple)


@dataclass(frozen=True)
class HistoryLine:
    on: date
    text: str


# --- reading ----------------------------------------------------------------------------


def _plan_summary(session: Session, school_id: int, plan: SupportPlan) -> PlanSummary:
    names = school_policy.load(session, school_id)
    return PlanSummary(
        plan.id, plan.kind, names.plan_name(plan.kind), plan.started_on, plan.next_review_on
    )


def _active_plan(session: Session, pupil_id: int) -> SupportPlan | None:
    return session.scalar(
        select(SupportPlan)
        .where(SupportPlan.pupil_id == pupil_id, SupportPlan.status == "active")
        .order_by(SupportPlan.id.desc())
        .limit(1)
    )


def active_plan(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    action: policy.Action = policy.Action.READ_SEND_RECORD,
) -> PlanSummary | None:
    policy.require(session, actor, action, pupil_id)
    plan = _active_plan(session, pupil_id)
    return _plan_summary(session, actor.school_id, plan) if plan else None


def level_of(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    action: policy.Action = policy.Action.READ_SEND_RECORD,
) -> str:
    policy.require(session, actor, action, pupil_id)
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    return pupil.sen_status


def _ratings(session: Session, target_id: int) -> tuple[tuple[date, str], ...]:
    rows = session.execute(
        select(TargetProgress.rating, TargetProgress.recorded_at, InterventionSession.held_on)
        .outerjoin(InterventionSession, InterventionSession.id == TargetProgress.session_id)
        .where(TargetProgress.target_id == target_id)
        .order_by(TargetProgress.recorded_at.desc(), TargetProgress.id.desc())
        .limit(12)
    )
    # Newest session first (a session can be recorded a few days after it was held).
    found = [(held or at.date(), at, rating) for rating, at, held in rows]
    found.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return tuple((day, rating) for day, _, rating in found[:3])


def _last_session(session: Session, pupil_id: int, target_id: int) -> date | None:
    """The last session the pupil attended of an intervention working on this target."""
    return session.scalar(
        select(InterventionSession.held_on)
        .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
        .join(
            TargetIntervention,
            TargetIntervention.intervention_id == InterventionSession.intervention_id,
        )
        .where(
            TargetIntervention.target_id == target_id,
            SessionAttendance.pupil_id == pupil_id,
            SessionAttendance.present,
        )
        .order_by(InterventionSession.held_on.desc())
        .limit(1)
    )


def _target_view(session: Session, target: Target) -> TargetView:
    return TargetView(
        id=target.id,
        staff_wording=target.staff_wording,
        parent_wording=target.parent_wording,
        area=target.area,
        status=target.status,
        due_on=target.due_on,
        ratings=_ratings(session, target.id),
        last_session_on=_last_session(session, target.pupil_id, target.id),
    )


def active_targets(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    action: policy.Action = policy.Action.READ_SEND_RECORD,
) -> list[TargetView]:
    policy.require(session, actor, action, pupil_id)
    rows = session.scalars(
        select(Target)
        .where(Target.pupil_id == pupil_id, Target.status == "active")
        .order_by(Target.id)
    )
    return [_target_view(session, t) for t in rows]


def interventions_this_term(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    today: date,
    action: policy.Action = policy.Action.READ_SEND_RECORD,
) -> list[Intervention]:
    """Interventions the pupil is enrolled in at any time in the current (or next) term;
    without term dates, those they are enrolled in today."""
    policy.require(session, actor, action, pupil_id)
    calendar = terms.calendar_for(session, actor.school_id)
    term = terms.current_or_next_term(calendar, today)
    first, last = (term.starts_on, term.ends_on) if term else (today, today)
    return list(
        session.scalars(
            select(Intervention)
            .join(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
            .where(
                InterventionPupil.pupil_id == pupil_id,
                InterventionPupil.joined_on <= last,
                (InterventionPupil.left_on.is_(None)) | (InterventionPupil.left_on >= first),
                Intervention.active,
            )
            .order_by(Intervention.name, Intervention.id)
        )
    )


def pupil_record(
    session: Session, actor: StaffActor, pupil_id: int, now: datetime, today: date
) -> PupilRecord:
    """What 'check targets' shows; the read is audited."""
    policy.require(session, actor, policy.Action.READ_SEND_RECORD, pupil_id)
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    names = school_policy.load(session, actor.school_id)
    plan = _active_plan(session, pupil_id)
    record = PupilRecord(
        pupil=summarise(pupil),
        level_name=names.level_name(pupil.sen_status),
        plan=_plan_summary(session, actor.school_id, plan) if plan else None,
        targets=tuple(active_targets(session, actor, pupil_id)),
        interventions=tuple(
            i.name for i in interventions_this_term(session, actor, pupil_id, today)
        ),
    )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="send_record.read",
        object_type="pupil",
        object_id=pupil_id,
        school_id=actor.school_id,
        pupil_id=pupil_id,
    )
    return record


# --- changing: plans and levels ---------------------------------------------------------


def _pupil(session: Session, actor: StaffActor, pupil_id: int) -> Pupil:
    policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    return pupil


def _audit(
    session: Session,
    actor: StaffActor,
    now: datetime,
    action: str,
    object_type: str,
    object_id: int,
    pupil_id: int,
    **details: object,
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school_id=actor.school_id,
        pupil_id=pupil_id,
        details=details,
    )


def _check_level(kind: str) -> SenStatus:
    try:
        level = SenStatus(kind)
    except ValueError:
        raise PlanInvalid(f"'{kind}' is not a level of support.") from None
    return level


def _open_plan(
    session: Session,
    actor: StaffActor,
    pupil: Pupil,
    kind: str,
    next_review_on: date | None,
    now: datetime,
    today: date,
) -> SupportPlan:
    review = next_review_on or terms.default_review_date(session, actor.school_id, kind, today)
    plan = SupportPlan(
        pupil_id=pupil.id,
        kind=kind,
        started_on=today,
        next_review_on=review,
        status="active",
        created_by_id=actor.staff_id,
    )
    session.add(plan)
    session.flush()
    _audit(
        session, actor, now, "plan.create", "support_plan", plan.id, pupil.id,
        kind=kind, next_review_on=review.isoformat(),
    )  # fmt: skip
    return plan


def _close_plan(
    session: Session, actor: StaffActor, plan: SupportPlan, now: datetime, today: date
) -> None:
    plan.status, plan.closed_on = "closed", today
    _audit(session, actor, now, "plan.close", "support_plan", plan.id, plan.pupil_id)


def move_level(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    to: str,
    reason: str,
    now: datetime,
    today: date,
    next_review_on: date | None = None,
) -> SenStatusChange:
    """Move a pupil to another level of the graduated approach, keeping the history.

    The old plan closes; a new plan of the new level opens (none when leaving SEND), and
    targets still being worked on move to it.
    """
    pupil = _pupil(session, actor, pupil_id)
    level = _check_level(to)
    why = reason.strip()
    if not why:
        raise PlanInvalid("Please give a reason for the change.")
    if len(why) > NOTE_LIMIT:
        raise PlanInvalid(f"The reason is over {NOTE_LIMIT:,} characters.")
    if level.value == pupil.sen_status:
        names = school_policy.load(session, actor.school_id)
        raise PlanInvalid(f"{pupil.display_name} is already at {names.level_name(level.value)}.")
    change = SenStatusChange(
        pupil_id=pupil.id,
        from_status=pupil.sen_status,
        to_status=level.value,
        reason=why,
        changed_by_id=actor.staff_id,
        changed_at=now,
    )
    session.add(change)
    session.flush()
    _audit(
        session, actor, now, "sen_status.change", "sen_status_change", change.id, pupil.id,
        from_status=pupil.sen_status, to_status=level.value,
    )  # fmt: skip
    pupil.sen_status = level.value
    old = _active_plan(session, pupil.id)
    if old is not None:
        _close_plan(session, actor, old, now, today)
    if level is not SenStatus.NONE:
        new = _open_plan(session, actor, pupil, level.value, next_review_on, now, today)
        if old is not None:
            for target in session.scalars(
                select(Target).where(Target.plan_id == old.id, Target.status == "active")
            ):
                target.plan_id = new.id
    session.flush()
    return change


def save_plan(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    kind: str,
    next_review_on: date,
    now: datetime,
    today: date,
) -> tuple[PlanSummary, bool]:
    """Create the pupil's plan, or set its next review; a new kind moves their level.

    Returns the plan and whether it is new.
    """
    pupil = _pupil(session, actor, pupil_id)
    level = _check_level(kind)
    if level is SenStatus.NONE:
        raise PlanInvalid("A plan needs a level of support.")
    if next_review_on < today:
        raise PlanInvalid("The next review date has passed. Please give a later one.")
    names = school_policy.load(session, actor.school_id)
    plan = _active_plan(session, pupil.id)
    if pupil.sen_status != level.value:
        move_level(
            session, actor, pupil.id, level.value,
            f"{names.plan_name(level.value)} started", now, today, next_review_on,
        )  # fmt: skip
        plan = _active_plan(session, pupil.id)
        assert plan is not None
        return _plan_summary(session, actor.school_id, plan), True
    if plan is None:
        plan = _open_plan(session, actor, pupil, level.value, next_review_on, now, today)
        return _plan_summary(session, actor.school_id, plan), True
    plan.next_review_on = next_review_on
    _audit(
        session, actor, now, "plan.update", "support_plan", plan.id, pupil.id,
        next_review_on=next_review_on.isoformat(),
    )  # fmt: skip
    return _plan_summary(session, actor.school_id, plan), False


# --- changing: targets and reviews ------------------------------------------------------


def _text(value: str | None, what: str, limit: int, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise PlanInvalid(f"Please write the {what}.")
        return None
    if len(text) > limit:
        raise PlanInvalid(f"The {what} is over {limit:,} characters.")
    return text


def _add_target(
    session: Session,
    actor: StaffActor,
    plan: SupportPlan,
    new: NewTarget,
    now: datetime,
    today: date,
) -> Target:
    if Area(new.area) not in BROAD_AREAS:
        raise PlanInvalid("A target's area must be one of the four broad areas of need.")
    if new.due_on is not None and new.due_on < today:
        raise PlanInvalid("The due date has passed. Please give a later one.")
    target = Target(
        plan_id=plan.id,
        pupil_id=plan.pupil_id,
        staff_wording=_text(new.staff_wording, "target", WORDING_LIMIT) or "",
        parent_wording=_text(new.parent_wording, "wording for parents", WORDING_LIMIT) or "",
        area=new.area,
        success_criteria=_text(new.success_criteria, "success criteria", WORDING_LIMIT, False),
        baseline=_text(new.baseline, "baseline", WORDING_LIMIT, False),
        due_on=new.due_on,
        status="active",
    )
    session.add(target)
    session.flush()
    for intervention_id in dict.fromkeys(new.intervention_ids):
        intervention = session.get(Intervention, intervention_id)
        if intervention is None or intervention.school_id != actor.school_id:
            raise PlanInvalid("That intervention is not at your school.")
        session.add(TargetIntervention(target_id=target.id, intervention_id=intervention_id))
    _audit(
        session, actor, now, "target.create", "target", target.id, plan.pupil_id,
        plan_id=plan.id, area=new.area, interventions=list(new.intervention_ids),
    )  # fmt: skip
    return target


def add_target(
    session: Session, actor: StaffActor, new: NewTarget, now: datetime, today: date
) -> int:
    pupil = _pupil(session, actor, new.pupil_id)
    plan = _active_plan(session, pupil.id)
    if plan is None:
        raise PlanInvalid(f"{pupil.display_name} has no plan yet. Create one first: type 'plan'.")
    return _add_target(session, actor, plan, new, now, today).id


def close_target(
    session: Session,
    actor: StaffActor,
    target_id: int,
    outcome: str,
    note: str | None,
    now: datetime,
) -> None:
    target = session.get(Target, target_id)
    if target is None:
        raise PlanInvalid("That target no longer exists.")
    _pupil(session, actor, target.pupil_id)
    if target.status != "active":
        raise PlanInvalid("That target is already closed.")
    if outcome not in CLOSE_OUTCOMES:
        raise PlanInvalid(f"The outcome must be one of {', '.join(CLOSE_OUTCOMES)}.")
    target.status = outcome
    target.closed_note_text = _text(note, "note", NOTE_LIMIT, required=False)
    target.closed_at = now
    _audit(
        session, actor, now, "target.close", "target", target.id, target.pupil_id,
        outcome=outcome,
    )  # fmt: skip


def record_review(
    session: Session, actor: StaffActor, new: NewReview, now: datetime, today: date
) -> int:
    """A plan review: each target's outcome, next steps, new targets, next review date.

    Met targets close as met; partly met and not yet carry on into the next cycle.
    """
    pupil = _pupil(session, actor, new.pupil_id)
    plan = _active_plan(session, pupil.id)
    if plan is None:
        raise PlanInvalid(f"{pupil.display_name} has no plan to review.")
    if new.held_on > today:
        raise PlanInvalid("The review date is in the future.")
    if new.next_review_on <= new.held_on:
        raise PlanInvalid("The next review must come after this one.")
    active = {
        t.id: t
        for t in session.scalars(
            select(Target).where(Target.plan_id == plan.id, Target.status == "active")
        )
    }
    if set(new.outcomes) != set(active):
        raise PlanInvalid("Please give an outcome for each target on the plan.")
    for target_id, outcome in new.outcomes.items():
        if outcome not in REVIEW_OUTCOMES:
            raise PlanInvalid(f"The outcome must be one of {', '.join(REVIEW_OUTCOMES)}.")
        if outcome == "met":
            active[target_id].status = "met"
            active[target_id].closed_at = now
    review = PlanReview(
        plan_id=plan.id,
        held_on=new.held_on,
        outcomes={str(k): v for k, v in new.outcomes.items()},
        next_steps_text=_text(new.next_steps, "next steps", NOTE_LIMIT),
        next_review_on=new.next_review_on,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )
    session.add(review)
    plan.next_review_on = new.next_review_on
    session.flush()
    _audit(
        session, actor, now, "plan_review.create", "plan_review", review.id, pupil.id,
        plan_id=plan.id, outcomes=review.outcomes,
    )  # fmt: skip
    for target in new.new_targets:
        _add_target(session, actor, plan, target, now, today)
    session.flush()
    # Each parent with parental responsibility hears how it went, in their own language.
    parent_summaries.queue_review_summary(session, review.id, now)
    return review.id


# --- the graduated approach, read back ---------------------------------------------------

HISTORY_ACTIONS = (
    "sen_status.change",
    "plan.create",
    "plan.close",
    "target.create",
    "target.close",
    "plan_review.create",
    "meeting.held",
    "meeting.not_held",
)


def history(session: Session, actor: StaffActor, pupil_id: int, now: datetime) -> list[HistoryLine]:
    """Levels, plans, targets and reviews in the order they were recorded (the audit log's
    order), each with who recorded it. The read itself is audited, after the lines are read."""
    policy.require(session, actor, policy.Action.READ_SEND_RECORD, pupil_id)
    names = school_policy.load(session, actor.school_id)
    lines: list[HistoryLine] = []
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.pupil_id == pupil_id, AuditEvent.action.in_(HISTORY_ACTIONS))
        .order_by(AuditEvent.id)
    )
    for event in events:
        staff = session.get(Staff, event.actor_id) if event.actor_id else None
        by = f" ({staff.display_name})" if staff else ""
        text = _history_text(session, names, event)
        if text:
            lines.append(HistoryLine(_history_day(event), text + by))
    lines += _ehc_case_lines(session, pupil_id)
    lines.sort(key=lambda line: line.on)  # stable: a day's lines keep the audit log's order
    _audit(session, actor, now, "send_history.read", "pupil", pupil_id, pupil_id)
    return lines


def _history_day(event: AuditEvent) -> date:
    """A review meeting marked held or not held is dated by the meeting, not the tap."""
    on = event.details.get("on") if event.action.startswith("meeting.") else None
    return date.fromisoformat(str(on)) if on else event.at.date()


def _ehc_case_lines(session: Session, pupil_id: int) -> list[HistoryLine]:
    """Each dated step of the pupil's EHC cases, however it was recorded (the ehc flow or
    the roster's columns), on the day it happened."""
    lines = []
    for case in session.scalars(
        select(EhcCase).where(EhcCase.pupil_id == pupil_id).order_by(EhcCase.id)
    ):
        for step in ehc_cases.STEPS:
            day = getattr(case, step.column)
            if day is None:
                continue
            text = f"EHC case: {step.label}"
            if step.key == "request" and case.requested_by in ehc_cases.REQUESTED_BY:
                text += f" (by {ehc_cases.REQUESTED_BY[case.requested_by]})"
            lines.append(HistoryLine(day, text))
    return lines


def _history_text(
    session: Session, names: school_policy.SchoolPolicy, event: AuditEvent
) -> str | None:
    if event.action == "sen_status.change":
        change = session.get(SenStatusChange, event.object_id)
        if change is None:
            return None
        return (
            f"Moved from {names.level_name(change.from_status)} to "
            f"{names.level_name(change.to_status)}: {change.reason}"
        )
    if event.action in ("plan.create", "plan.close"):
        plan = session.get(SupportPlan, event.object_id)
        if plan is None:
            return None
        verb = "started" if event.action == "plan.create" else "closed"
        return f"{names.plan_name(plan.kind)} {verb}"
    if event.action in ("target.create", "target.close"):
        target = session.get(Target, event.object_id)
        if target is None:
            return None
        if event.action == "target.create":
            return f"Target set: {target.staff_wording}"
        outcome = CLOSE_OUTCOMES.get(str(event.details.get("outcome")), "closed").lower()
        return f"Target {outcome}: {target.staff_wording}"
    if event.action in ("meeting.held", "meeting.not_held"):
        words = review_outcomes.kind_words(str(event.details.get("kind", "review")))
        held = "held" if event.action == "meeting.held" else "not held"
        return f"{words[:1].upper()}{words[1:]} {held}"
    review = session.get(PlanReview, event.object_id)
    if review is None:
        return None
    counts = [
        f"{sum(1 for v in review.outcomes.values() if v == key)} {label.lower()}"
        for key, label in REVIEW_OUTCOMES.items()
    ]
    held = review.held_on.strftime("%-d %b")
    return f"Review held {held} ({', '.join(counts)}): {review.next_steps_text}"
