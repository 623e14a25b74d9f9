"""Whether a review meeting was held, and what follows from it.

A review is only a review once it has happened, so a meeting stays "scheduled" until the
SENCO says it was held (or was not, and why): by a tap on the prompt sent after the meeting,
from the Home tab, or in the "review held" chat flow. Holding an EHC annual review makes it
the last review: its invitations are met, the report to the local authority (2 weeks) and
the LA's decision (4 weeks) start from it, and the next annual review is due within 12
months of it. Holding an SEN support review records it on the plan and dates the next one
on the school's review cycle. A review not held leaves the deadline where it was, and the
prompt to book one comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.review_dates import closed_day_reason
from sendbot.services import action_ids, audit, deadlines, meetings, policy, terms
from sendbot.services.actors import StaffActor
from sendbot.services.school_time import school_zone
from sendbot.store.models import Deadline, Meeting, PlanReview, Pupil, SupportPlan

OUTCOME_ACTION = action_ids.MEETING_OUTCOME
PROMPT = keys.MEETING_OUTCOME_PROMPT
HELD = "held"
NOT_HELD = "not_held"
# The reasons a tap can give; the flow takes the SENCO's own words.
TAP_REASONS = {
    "not_held_family": "The family could not come",
    "not_held_school": "The school had to postpone it",
    "not_held_other": "Not held (no reason given yet)",
}
REASON_LIMIT = 200
REVIEW_MEETING_KINDS = ("annual_review", "sen_support_review", "interim_review")
MEETING_LENGTH = timedelta(hours=1)  # when a meeting has no end time
LONGEST_MEETING = timedelta(hours=8)  # a meeting that started earlier has ended
PROMPT_DAYS_BACK = 60  # older meetings are left to the Home tab and the flow
KIND_WORDS = {
    "annual_review": "EHC plan annual review",
    "sen_support_review": "SEN support review",
    "interim_review": "interim review",
}


class OutcomeInvalid(ValueError):
    """Something the SENCO can put right; the message says what."""


@dataclass(frozen=True)
class OutcomeResult:
    status: str  # held, not_held, already
    text: str
    meeting_id: int
    next_review_on: date | None = None


@dataclass(frozen=True)
class AwaitingOutcome:
    """A review meeting that has happened (or should have) with no outcome recorded yet."""

    meeting_id: int
    pupil_id: int
    pupil_name: str
    kind: str
    held_on: date
    closed_day: str | None  # "a Sunday", "Christmas Day": worth a second look


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def _ends(meeting: Meeting) -> datetime:
    return meeting.ends_at or meeting.starts_at + MEETING_LENGTH


def meeting_day(session: Session, meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(school_zone(session, meeting.school_id)).date()


def awaiting(
    session: Session, actor: StaffActor, now: datetime, pupil_id: int | None = None
) -> list[AwaitingOutcome]:
    """Review meetings that have started, still scheduled, among the pupils the actor may
    manage: the Home tab's and the flow's list."""
    query = select(Meeting, Pupil).join(Pupil, Pupil.id == Meeting.pupil_id)
    query = query.where(
        Meeting.school_id == actor.school_id,
        Meeting.status == "scheduled",
        Meeting.kind.in_(REVIEW_MEETING_KINDS),
        Meeting.starts_at <= now,
    )
    if pupil_id is not None:
        query = query.where(Meeting.pupil_id == pupil_id)
    calendar = terms.calendar_for(session, actor.school_id)
    found = []
    for meeting, pupil in session.execute(query.order_by(Meeting.starts_at)).all():
        if not policy.allowed(session, actor, policy.Action.MANAGE_SEND, pupil.id):
            continue
        day = meeting_day(session, meeting)
        found.append(
            AwaitingOutcome(
                meeting.id,
                pupil.id,
                pupil.display_name,
                meeting.kind,
                day,
                closed_day_reason(calendar, day),
            )
        )
    return found


def record_outcome(
    session: Session,
    actor: StaffActor,
    meeting_id: int,
    *,
    held: bool,
    reason: str | None,
    now: datetime,
) -> OutcomeResult:
    """Mark a review meeting held, or not held with a reason; audited, and the pupil's
    deadlines are worked out again at once so the answer can say what is due next."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.school_id != actor.school_id:
        raise LookupError("I can't find that meeting.")
    policy.require(session, actor, policy.Action.MANAGE_SEND, meeting.pupil_id)
    pupil = session.get(Pupil, meeting.pupil_id)
    assert pupil is not None
    day = meeting_day(session, meeting)
    title = f"{pupil.display_name}'s {kind_words(meeting.kind)} on {day:%a %-d %b %Y}"
    if meeting.status != "scheduled":
        said = {"held": "held", "not_held": "not held", "cancelled": "cancelled"}
        return OutcomeResult(
            "already",
            f"Already recorded: {title} was {said.get(meeting.status, meeting.status)}.",
            meeting.id,
        )
    if meeting.starts_at > now:
        raise OutcomeInvalid(f"{title} has not happened yet.")
    cleaned = (reason or "").strip()[:REASON_LIMIT] or None
    if not held and cleaned is None:
        raise OutcomeInvalid("Please say why the review was not held.")
    meeting.status = HELD if held else NOT_HELD
    meeting.outcome_reason = None if held else cleaned
    meeting.outcome_at = now
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="meeting.held" if held else "meeting.not_held",
        object_type="meeting",
        object_id=meeting.id,
        school_id=meeting.school_id,
        pupil_id=pupil.id,
        details={"kind": meeting.kind, "on": day.isoformat()},
    )
    next_plan_review = _roll_plan_forward(session, actor, meeting, day, now) if held else None
    session.flush()
    deadlines.recompute_pupil(session, pupil.id, now)
    if not held:
        return OutcomeResult(NOT_HELD, _not_held_text(session, title, pupil, cleaned), meeting.id)
    return _held_result(session, meeting, pupil, title, next_plan_review)


def _roll_plan_forward(
    session: Session, actor: StaffActor, meeting: Meeting, day: date, now: datetime
) -> date | None:
    """An SEN support (or monitoring) review held: the plan records it and its next review
    date moves on to the school's next review point."""
    if meeting.kind == "annual_review":
        return None
    plan = session.scalar(
        select(SupportPlan)
        .where(
            SupportPlan.pupil_id == meeting.pupil_id,
            SupportPlan.status == "active",
            SupportPlan.kind != "ehc_plan",
        )
        .order_by(SupportPlan.id.desc())
        .limit(1)
    )
    if plan is None:
        return None
    following = terms.next_review_after(session, meeting.school_id, plan.kind, day)
    session.add(
        PlanReview(
            plan_id=plan.id,
            meeting_id=meeting.id,
            held_on=day,
            outcomes={},
            next_review_on=following,
            recorded_by_id=actor.staff_id,
            recorded_at=now,
        )
    )
    plan.next_review_on = following
    return following


def _due(session: Session, pupil_id: int, kind: str) -> Deadline | None:
    return session.scalar(
        select(Deadline).where(
            Deadline.subject_type == "pupil",
            Deadline.subject_id == pupil_id,
            Deadline.kind == kind,
            Deadline.status.in_(deadlines.LIVE_STATUSES),
        )
    )


def _held_result(
    session: Session, meeting: Meeting, pupil: Pupil, title: str, plan_next: date | None
) -> OutcomeResult:
    lines = [f"Recorded: {title} was held."]
    following = plan_next
    if meeting.kind == "annual_review":
        annual = _due(session, pupil.id, "ehc.annual_review")
        following = annual.due_on if annual else None
        for kind, words in (
            ("ehc.review_report", "The report to the local authority is due by"),
            ("ehc.review_la_decision", "The local authority's decision is due by"),
        ):
            row = _due(session, pupil.id, kind)
            if row is not None:
                lines.append(f"{words} {row.due_on:%a %-d %b %Y} ({row.source}).")
    else:
        row = _due(session, pupil.id, "sen_support.review")
        following = following or (row.due_on if row else None)
    if following is not None:
        lines.append(f"Next review due by {following:%a %-d %b %Y}.")
    return OutcomeResult(HELD, "\n".join(lines), meeting.id, following)


def _not_held_text(session: Session, title: str, pupil: Pupil, reason: str | None) -> str:
    lines = [f"Recorded: {title} was not held ({reason})."]
    row = _due(session, pupil.id, "ehc.annual_review")
    if row is not None:
        lines.append(
            f"The annual review is still due by {row.due_on:%a %-d %b %Y}: please book a new date."
        )
    else:
        lines.append("Please book a new date for the review.")
    return "\n".join(lines)


# --- the buttons --------------------------------------------------------------------------


def button_ids(session: Session, meeting: Meeting) -> dict[str, str]:
    """Held and each not-held reason, sealed with the meeting's time and its changes (a
    moved meeting's old buttons do nothing)."""
    stamp = meetings.stamp_of(meeting)
    return {
        value: action_ids.encode(
            session, action_ids.Action(OUTCOME_ACTION, meeting.id, value, stamp)
        )
        for value in (HELD, *TAP_REASONS)
    }


def tap(session: Session, actor: StaffActor, action: action_ids.Action, now: datetime) -> str:
    """A Held / Not held button: re-authorised here; a moved meeting's buttons are stale."""
    meeting = session.get(Meeting, action.subject_id)
    if meeting is None or meeting.school_id != actor.school_id:
        raise LookupError("I can't find that meeting.")
    if action.stamp != meetings.stamp_of(meeting):
        return "That meeting has moved since this message, so I have not changed anything."
    if action.value == HELD:
        result = record_outcome(session, actor, meeting.id, held=True, reason=None, now=now)
    elif action.value in TAP_REASONS:
        result = record_outcome(
            session, actor, meeting.id, held=False, reason=TAP_REASONS[action.value], now=now
        )
    else:
        raise LookupError("I can't find that button.")
    return result.text


# --- the prompt after the meeting ---------------------------------------------------------


def next_prompt_at(session: Session, now: datetime) -> datetime | None:
    """When the next review meeting ends, so a fast-forward asks about it then."""
    ends = [
        _ends(meeting)
        for meeting in session.scalars(
            select(Meeting).where(
                Meeting.status == "scheduled",
                Meeting.kind.in_(REVIEW_MEETING_KINDS),
                Meeting.starts_at > now - LONGEST_MEETING,
            )
        )
    ]
    return min((at for at in ends if at > now), default=None)


def queue_outcome_prompts(session: Session, now: datetime) -> int:
    """Ask the SENCOs (and whoever booked it) whether each review meeting that has ended was
    held. Once per meeting time (the dedupe key), so every minute is safe."""
    rows = session.scalars(
        select(Meeting).where(
            Meeting.status == "scheduled",
            Meeting.kind.in_(REVIEW_MEETING_KINDS),
            Meeting.starts_at <= now,
            Meeting.starts_at >= now - timedelta(days=PROMPT_DAYS_BACK),
        )
    ).all()
    queued = 0
    for meeting in rows:
        if _ends(meeting) > now:
            continue
        stamp = meetings.stamp_of(meeting)
        queued += meetings.tell_sencos(
            session,
            meeting.school_id,
            PROMPT,
            {"meeting_id": meeting.id, "stamp": stamp},
            f"outcome_prompt:{meeting.id}:{stamp}",
            now,
            also=[meeting.created_by_id] if meeting.created_by_id else (),
        )
    return queued
