"""Review and parent meetings: invitations, answers, reminders and parents' views.

Scheduling a meeting creates one invitation per guardian with parental responsibility and
queues it in the outbox in the same transaction, so an invitation exists iff its meeting
does. A guardian with no chat account to reach gets no outbox row (nor reminders): the SENCO
is told their names at booking, to send a letter or call, instead of an "undelivered" notice
after a day of retries. The buttons carry opaque ids (`action_ids`) sealed with the meeting's
start time: when a meeting moves, the old buttons go stale and say so kindly. Every tap is
re-authorised: the invitation must be the tapping guardian's, for a child still linked
to them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.parent_params import (
    MEETING_KINDS,
    MeetingInvitationData,
    RsvpActions,
)
from sendbot.domain.calendar import is_bank_holiday
from sendbot.domain.people import Role
from sendbot.services import action_ids, audit, guardian_channels, identities, policy, terms
from sendbot.services.action_ids import Action
from sendbot.services.actors import StaffActor
from sendbot.services.outbox import enqueue
from sendbot.store.models import (
    Deadline,
    Guardian,
    GuardianPupil,
    Invitation,
    Meeting,
    Pupil,
    School,
    Staff,
    StaffRole,
)

# Outbox templates this module writes (see sendbot.messages.registry).
INVITATION = keys.MEETING_INVITATION
MOVED = keys.MEETING_MOVED
CANCELLED = keys.MEETING_CANCELLED
REMINDER = keys.MEETING_REMINDER
VIEWS_REQUEST = keys.MEETING_VIEWS_REQUEST
STAFF_RSVP = keys.MEETING_RSVP_NOTICE
STAFF_VIEWS = keys.MEETING_VIEWS_NOTICE

ANSWERS = ("yes", "no", "other_time")
UNANSWERED_REMINDERS = (timedelta(days=7), timedelta(days=1))
ACCEPTED_REMINDER = timedelta(days=1)
VIEWS_DELAY = timedelta(minutes=2)
VIEWS_KINDS = ("annual_review", "sen_support_review", "interim_review")
VIEW_QUESTIONS = ("going_well", "worries", "hopes")
PLACE_LIMIT = 200
LINK_LIMIT = 500
VIEWS_LIMIT = 2000


class MeetingInvalid(ValueError):
    """Something the SENCO can fix; the message says what."""


@dataclass(frozen=True)
class Scheduled:
    meeting_id: int
    invitation_ids: tuple[int, ...]
    guardians_without_chat: tuple[str, ...]  # no channel at all: a letter or a phone call
    # (name, the channel their invitation goes by first) for each guardian reached
    channels: tuple[tuple[str, str], ...] = ()


def _senco_ids(session: Session, school_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Staff.id)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(Staff.school_id == school_id, Staff.active, StaffRole.role == Role.SENCO)
            .order_by(Staff.id)
        )
    )


def tell_sencos(
    session: Session,
    school_id: int,
    template: str,
    params: dict[str, Any],
    dedupe: str,
    now: datetime,
    also: Sequence[int] = (),
) -> int:
    """Queue a notice to every SENCO of the school (and anyone in `also`), once each."""
    count = 0
    for staff_id in dict.fromkeys([*_senco_ids(session, school_id), *also]):
        if enqueue(
            session,
            school_id=school_id,
            template=template,
            params=params,
            dedupe_key=f"{dedupe}:to:{staff_id}"[:200],
            now=now,
            recipient_staff_id=staff_id,
        ):
            count += 1
    return count


def stamp_of(meeting: Meeting) -> int:
    """What a button is sealed with: the meeting's time and how often it has changed, so a
    button from before a move never counts again, even if the meeting moves back."""
    return (action_ids.minutes(meeting.starts_at) + (meeting.sequence or 0) * 100_000_000) & (
        0xFFFFFFFF
    )


def actions_for(session: Session, invitation: Invitation, meeting: Meeting) -> RsvpActions:
    stamp = stamp_of(meeting)

    def sealed(value: str) -> str:
        return action_ids.encode(session, Action("rsvp", invitation.id, value, stamp))

    return RsvpActions(
        will_come=sealed("yes"),
        cannot_come=sealed("no"),
        other_time=sealed("other_time"),
        interpreter=sealed("interpreter"),
    )


def invitation_params(
    session: Session, invitation: Invitation, uid_domain: str = "sendbot.invalid"
) -> dict[str, Any]:
    """What the outbox row holds: the invitation data plus who will be there."""
    meeting = session.get(Meeting, invitation.meeting_id)
    guardian = session.get(Guardian, invitation.guardian_id)
    assert meeting is not None and guardian is not None
    pupil = session.get(Pupil, meeting.pupil_id)
    school = session.get(School, meeting.school_id)
    assert pupil is not None and school is not None
    data = MeetingInvitationData(
        invitation_id=invitation.id,
        meeting_kind=meeting.kind,
        child_name=pupil.preferred_name or pupil.first_name,
        school_name=school.name,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        video_link=meeting.video_link,
        actions=actions_for(session, invitation, meeting),
        parent_name=guardian.first_name,
        sequence=meeting.sequence or 0,
        uid_domain=uid_domain,
    )
    return {
        "invitation": data.to_params(),
        "attendees": [str(a) for a in meeting.attendees or []],
        "school_timezone": school.timezone,
    }


def schedule(
    session: Session,
    actor: StaffActor,
    *,
    pupil_id: int,
    kind: str,
    starts_at: datetime,
    now: datetime,
    ends_at: datetime | None = None,
    place: str | None = None,
    video_link: str | None = None,
    attendees: Sequence[str] = (),
) -> Scheduled:
    """Schedule a review or parent meeting and invite the child's guardians."""
    policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
    if kind not in MEETING_KINDS:
        raise MeetingInvalid(f"Unknown kind of meeting: {kind}.")
    if starts_at.tzinfo is None:
        raise MeetingInvalid("The meeting time needs a timezone.")
    if starts_at <= now:
        raise MeetingInvalid("The meeting must be in the future.")
    if ends_at is not None and ends_at <= starts_at:
        raise MeetingInvalid("The meeting must end after it starts.")
    if not (place and place.strip()) and not (video_link and video_link.strip()):
        raise MeetingInvalid("Say where the meeting is, or give a video link.")
    if place and len(place) > PLACE_LIMIT:
        raise MeetingInvalid(f"Keep the place under {PLACE_LIMIT} characters.")
    if video_link and (len(video_link) > LINK_LIMIT or not video_link.startswith("https://")):
        raise MeetingInvalid("The video link must start with https:// and be under 500 characters.")
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    meeting = Meeting(
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip() if place else None,
        video_link=video_link.strip() if video_link else None,
        attendees=[a.strip()[:100] for a in attendees if a.strip()],
        created_by_id=actor.staff_id,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="meeting.schedule",
        object_type="meeting",
        object_id=meeting.id,
        school_id=meeting.school_id,
        pupil_id=pupil.id,
        details={"kind": kind, "starts_at": starts_at.isoformat()},
    )
    return _invite_guardians(session, meeting, pupil.id, now)


def _invite_guardians(
    session: Session, meeting: Meeting, pupil_id: int, now: datetime
) -> Scheduled:
    """An invitation for each guardian who may read through their link; queued for those
    with a channel, and the rest named for a letter or a call."""
    invited: list[int] = []
    no_chat: list[str] = []
    reached: list[tuple[str, str]] = []
    guardians = session.scalars(
        select(Guardian)
        .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
        .where(
            GuardianPupil.pupil_id == pupil_id,
            policy.may_read_through_link(),
            Guardian.active,
        )
        .order_by(GuardianPupil.contact_priority, Guardian.id)
    ).all()
    for guardian in guardians:
        invitation = Invitation(meeting_id=meeting.id, guardian_id=guardian.id, sent_at=now)
        session.add(invitation)
        session.flush()
        invited.append(invitation.id)
        channel = guardian_channels.first_channel(session, guardian.id)
        if channel is not None:
            _queue_invitation(session, invitation, meeting, now)
            reached.append((guardian.display_name, channel))
        else:
            no_chat.append(guardian.display_name)
    return Scheduled(meeting.id, tuple(invited), tuple(no_chat), tuple(reached))


def _queue_invitation(
    session: Session, invitation: Invitation, meeting: Meeting, now: datetime
) -> None:
    stamp = stamp_of(meeting)
    params = invitation_params(session, invitation)
    enqueue(
        session,
        school_id=meeting.school_id,
        template=INVITATION,
        params=params,
        dedupe_key=f"invitation:{invitation.id}:{stamp}",
        now=now,
        recipient_guardian_id=invitation.guardian_id,
    )
    if meeting.kind in VIEWS_KINDS:
        enqueue(
            session,
            school_id=meeting.school_id,
            template=VIEWS_REQUEST,
            params={
                "invitation_id": invitation.id,
                "child_name": params["invitation"]["child_name"],
                "share": action_ids.encode(session, Action("views", invitation.id, "", stamp)),
                "not_now": action_ids.encode(
                    session, Action("views_skip", invitation.id, "", stamp)
                ),
            },
            dedupe_key=f"views-request:{invitation.id}:{stamp}",
            # In a later batch than the invitation (a batch is sent concurrently), so the
            # parent reads what the meeting is first.
            now=now,
            not_before=now + VIEWS_DELAY,
            recipient_guardian_id=invitation.guardian_id,
        )


# --- answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TapResult:
    """What a parent's tap did. `status`:

    recorded, unchanged (same answer again), interpreter, interpreter_again, stale (the
    meeting moved), past, cancelled, refused (not theirs, or not a real button).
    """

    status: str
    answer: str | None = None
    invitation_id: int | None = None
    meeting_kind: str | None = None
    child_name: str | None = None
    starts_at: datetime | None = None
    previous: str | None = None


class _Invited(TypedDict):
    """The facts every answer to a tap on a real invitation repeats."""

    invitation_id: int
    meeting_kind: str
    child_name: str
    starts_at: datetime


def _authorised_invitation(
    session: Session, guardian_id: int, action: Action
) -> tuple[Invitation, Meeting, Pupil] | None:
    invitation = session.get(Invitation, action.subject_id)
    if invitation is None or invitation.guardian_id != guardian_id:
        return None
    if not policy.may_answer_invitation(session, guardian_id, invitation):
        return None
    meeting = session.get(Meeting, invitation.meeting_id)
    pupil = session.get(Pupil, meeting.pupil_id) if meeting else None
    if meeting is None or pupil is None:
        return None
    return invitation, meeting, pupil


def _not_current(action: Action, meeting: Meeting, now: datetime) -> str | None:
    """Why a button no longer counts (cancelled, stale, past), or None when it does."""
    if meeting.status == "cancelled":
        return "cancelled"
    if action.stamp != stamp_of(meeting):
        return "stale"
    if meeting.starts_at <= now:
        return "past"
    return None


def answer(session: Session, guardian_id: int, token: str, now: datetime) -> TapResult:
    """Record an RSVP tap, re-authorised now; tell the SENCO through the outbox."""
    action = action_ids.decode(session, token)
    if action is None or action.kind != "rsvp":
        return TapResult("refused")
    found = _authorised_invitation(session, guardian_id, action)
    if found is None:
        audit.record(
            session,
            at=now,
            actor_kind="guardian",
            actor_id=guardian_id,
            action="invitation.refused_tap",
            object_type="invitation",
            object_id=action.subject_id,
        )
        return TapResult("refused")
    invitation, meeting, pupil = found
    base: _Invited = {
        "invitation_id": invitation.id,
        "meeting_kind": meeting.kind,
        "child_name": pupil.preferred_name or pupil.first_name,
        "starts_at": meeting.starts_at,
    }
    problem = _not_current(action, meeting, now)
    if problem is not None:
        return TapResult(problem, answer=action.value, **base)
    previous = invitation.rsvp
    if action.value == "interpreter":
        if invitation.interpreter_requested:
            return TapResult("interpreter_again", answer="interpreter", **base)
        invitation.interpreter_requested = True
        status = "interpreter"
    elif action.value in ANSWERS:
        if invitation.rsvp == action.value:
            return TapResult("unchanged", answer=action.value, **base)
        invitation.rsvp = action.value
        invitation.rsvp_at = now
        status = "recorded"
    else:
        return TapResult("refused")
    guardian = session.get(Guardian, guardian_id)
    assert guardian is not None
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian_id,
        action="invitation.answer",
        object_type="invitation",
        object_id=invitation.id,
        school_id=meeting.school_id,
        pupil_id=pupil.id,
        details={"answer": action.value, "previous": previous},
    )
    tell_sencos(
        session,
        meeting.school_id,
        STAFF_RSVP,
        {
            "meeting_id": meeting.id,
            "meeting_kind": meeting.kind,
            "starts_at": meeting.starts_at.isoformat(),
            "child_name": pupil.display_name,
            "guardian_name": guardian.display_name,
            "answer": action.value,
            "previous": previous,
            "language": guardian.preferred_language,
        },
        f"rsvp:{invitation.id}:{action.value}:{now.isoformat()}",
        now,
        also=[meeting.created_by_id] if meeting.created_by_id else (),
    )
    return TapResult(status, answer=action.value, previous=previous, **base)


# --- reminders ---------------------------------------------------------------------------


def sweep_reminders(session: Session, now: datetime) -> int:
    """Queue due reminders: unanswered 7 days and 1 day before, accepted the day before.

    Idempotent (each offset is noted on the invitation and the outbox dedupes), so the
    scheduler may call it every minute from several processes.
    """
    horizon = now + max(UNANSWERED_REMINDERS)
    rows = session.execute(
        select(Invitation, Meeting)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(
            Meeting.status == "scheduled",
            Meeting.starts_at > now,
            Meeting.starts_at <= horizon,
        )
    ).all()
    queued = 0
    for invitation, meeting in rows:
        offsets: tuple[timedelta, ...]
        if invitation.rsvp is None:
            offsets = UNANSWERED_REMINDERS
        elif invitation.rsvp == "yes":
            offsets = (ACCEPTED_REMINDER,)
        else:
            continue
        sent = list(invitation.reminders_sent or [])
        stamp = stamp_of(meeting)
        # Only the nearest due offset, and none that had passed before the invitation went
        # out: a meeting booked 3 days ahead gets no '7 days to go' note.
        due = [
            o
            for o in offsets
            if meeting.starts_at - o <= now
            and (invitation.sent_at is None or invitation.sent_at < meeting.starts_at - o)
        ]
        if not due:
            continue
        offset = min(due)
        key = f"{int(offset.total_seconds() // 86400)}d:{stamp}"
        if key in sent or not identities.guardian_reachable(session, invitation.guardian_id):
            continue  # not noted as sent: a parent who links meanwhile is still reminded
        params = invitation_params(session, invitation)
        params["reminder"] = "unanswered" if invitation.rsvp is None else "accepted"
        params["days"] = int(offset.total_seconds() // 86400)
        if enqueue(
            session,
            school_id=meeting.school_id,
            template=REMINDER,
            params=params,
            dedupe_key=f"reminder:{invitation.id}:{key}",
            now=now,
            recipient_guardian_id=invitation.guardian_id,
        ):
            queued += 1
        invitation.reminders_sent = [*sent, key]
    return queued


# --- parents' views ----------------------------------------------------------------------


@dataclass(frozen=True)
class ViewsTarget:
    """An invitation a parent may give views for, re-authorised from a tapped id."""

    status: str  # ok, refused, stale, past, cancelled
    invitation_id: int | None = None
    child_name: str | None = None
    already: bool = False


def views_target_for(
    session: Session, guardian_id: int, action: Action, now: datetime
) -> ViewsTarget:
    found = _authorised_invitation(session, guardian_id, action)
    if found is None:
        return ViewsTarget("refused")
    invitation, meeting, pupil = found
    problem = _not_current(action, meeting, now)
    if problem is not None:
        return ViewsTarget(problem, invitation.id, pupil.preferred_name or pupil.first_name)
    return ViewsTarget(
        "ok",
        invitation.id,
        pupil.preferred_name or pupil.first_name,
        already=invitation.parent_views_text is not None,
    )


def save_views(
    session: Session,
    guardian_id: int,
    invitation_id: int,
    views: dict[str, str | None],
    language: str,
    now: datetime,
) -> bool:
    """Store the parent's views with the meeting (encrypted) and tell the SENCO."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.guardian_id != guardian_id:
        return False
    found = _authorised_invitation(session, guardian_id, Action("views", invitation_id, "", 0))
    if found is None:
        return False
    _, meeting, pupil = found
    clean = {q: (views.get(q) or "").strip()[:VIEWS_LIMIT] or None for q in VIEW_QUESTIONS}
    invitation.parent_views_text = json.dumps(
        {"answers": clean, "language": language, "at": now.isoformat()}, ensure_ascii=False
    )
    guardian = session.get(Guardian, guardian_id)
    assert guardian is not None
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian_id,
        action="invitation.views",
        object_type="invitation",
        object_id=invitation.id,
        school_id=meeting.school_id,
        pupil_id=pupil.id,
    )
    tell_sencos(
        session,
        meeting.school_id,
        STAFF_VIEWS,
        {
            "meeting_id": meeting.id,
            "meeting_kind": meeting.kind,
            "starts_at": meeting.starts_at.isoformat(),
            "child_name": pupil.display_name,
            "guardian_name": guardian.display_name,
        },
        f"views:{invitation.id}:{now.isoformat()}",
        now,
    )
    return True


def next_meeting_id(session: Session, pupil_id: int, now: datetime) -> int | None:
    """The pupil's next scheduled meeting, or else the one that happened most recently."""
    upcoming = session.scalar(
        select(Meeting.id)
        .where(Meeting.pupil_id == pupil_id, Meeting.status == "scheduled", Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    if upcoming is not None:
        return upcoming
    return session.scalar(
        select(Meeting.id)
        .where(Meeting.pupil_id == pupil_id, Meeting.starts_at <= now)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class GuardianPaper:
    name: str
    rsvp: str | None
    interpreter: bool
    views: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewPapers:
    """What the review papers say about the parents: who is coming and what they told us."""

    meeting_id: int
    kind: str
    child_name: str
    starts_at: datetime
    place: str | None
    video_link: str | None
    attendees: tuple[str, ...]
    guardians: tuple[GuardianPaper, ...]


def review_papers(
    session: Session, actor: StaffActor, meeting_id: int, now: datetime
) -> ReviewPapers:
    """The parents' part of the review papers; reading it is audited."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.school_id != actor.school_id:
        raise policy.PermissionDenied("There is no such meeting.")
    # Whoever may arrange the meeting (the SENCO) may read its papers, SEND record or not.
    if not any(
        policy.allowed(session, actor, action, meeting.pupil_id)
        for action in (policy.Action.READ_SEND_RECORD, policy.Action.MANAGE_SEND)
    ):
        raise policy.PermissionDenied(policy.DEFAULT_REFUSAL)
    pupil = session.get(Pupil, meeting.pupil_id)
    assert pupil is not None
    papers = []
    for invitation, guardian in session.execute(
        select(Invitation, Guardian)
        .join(Guardian, Guardian.id == Invitation.guardian_id)
        .where(Invitation.meeting_id == meeting.id)
        .order_by(Invitation.id)
    ):
        views: dict[str, str | None] = {}
        if invitation.parent_views_text:
            views = json.loads(invitation.parent_views_text).get("answers", {})
        papers.append(
            GuardianPaper(
                guardian.display_name,
                invitation.rsvp,
                invitation.interpreter_requested,
                views,
            )
        )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="meeting.papers",
        object_type="meeting",
        object_id=meeting.id,
        school_id=meeting.school_id,
        pupil_id=pupil.id,
    )
    return ReviewPapers(
        meeting.id,
        meeting.kind,
        pupil.display_name,
        meeting.starts_at,
        meeting.place,
        meeting.video_link,
        tuple(meeting.attendees or []),
        tuple(papers),
    )


# --- booking warnings --------------------------------------------------------------------

# Which open deadline a booking of each kind is meant to meet.
REVIEW_DEADLINES = {
    "annual_review": "ehc.annual_review",
    "sen_support_review": "sen_support.review",
    "reintegration": "reintegration.review",
}
NOTICE = timedelta(weeks=2)


def booking_warnings(
    session: Session, actor: StaffActor, pupil_id: int, kind: str, day: date, today: date
) -> list[str]:
    """What the SENCO should know before booking `day`: each is a question they answer
    (keep the date or choose another), never a refusal."""
    policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
    warnings = _day_warnings(session, actor.school_id, day)
    due = _review_due(session, pupil_id, kind, today)
    if due is not None and day > due:
        late = (day - due).days
        warnings.append(
            f"The review is due by {due:%a %-d %b %Y}; this date is "
            f"{late} day{'s' if late != 1 else ''} after that."
        )
    if kind == "annual_review" and day - today < NOTICE:
        warnings.append(
            f"That gives {(day - today).days} days' notice. The law says to invite everyone, "
            "and send round the advice, at least 2 weeks before an annual review "
            "(SEND Regulations 2014, regulation 20)."
        )
    return warnings


def _day_warnings(session: Session, school_id: int, day: date) -> list[str]:
    """A weekend, a bank holiday or a day the school is closed (outside its terms)."""
    calendar = terms.calendar_for(session, school_id)
    if day.weekday() >= 5:
        return [f"{day:%A %-d %b} is a weekend."]
    if is_bank_holiday(day, calendar.nation):
        return [f"{day:%a %-d %b %Y} is a bank holiday."]
    known = (
        bool(calendar.terms) and calendar.terms[0].starts_on <= day <= calendar.terms[-1].ends_on
    )
    if known and not calendar.is_school_day(day):
        return [f"The school is closed on {day:%a %-d %b %Y} (a holiday in its term dates)."]
    return []


def _review_due(session: Session, pupil_id: int, kind: str, today: date) -> date | None:
    """The pupil's earliest open deadline of the review this kind of meeting holds."""
    deadline_kind = REVIEW_DEADLINES.get(kind)
    if deadline_kind is None:
        return None
    return session.scalar(
        select(Deadline.due_on)
        .where(
            Deadline.pupil_id == pupil_id,
            Deadline.kind == deadline_kind,
            Deadline.status == "open",
        )
        .order_by(Deadline.due_on)
        .limit(1)
    )


# --- moving and cancelling ---------------------------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    meeting_id: int
    kind: str
    starts_at: datetime
    ends_at: datetime | None


def upcoming_meetings(
    session: Session, actor: StaffActor, pupil_id: int, now: datetime
) -> list[Upcoming]:
    """The pupil's booked meetings still to come, soonest first."""
    policy.require(session, actor, policy.Action.MANAGE_SEND, pupil_id)
    rows = session.scalars(
        select(Meeting)
        .where(
            Meeting.pupil_id == pupil_id,
            Meeting.status == "scheduled",
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at)
    )
    return [Upcoming(m.id, m.kind, m.starts_at, m.ends_at) for m in rows]


@dataclass(frozen=True)
class Changed:
    meeting_id: int
    told: tuple[str, ...]  # guardians told on their chat, by email or by text message
    guardians_without_chat: tuple[str, ...]  # no channel at all: a letter or a phone call
    channels: tuple[tuple[str, str], ...] = ()  # (name, first channel) of those told


def _changeable(session: Session, actor: StaffActor, meeting_id: int, now: datetime) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.school_id != actor.school_id:
        raise policy.PermissionDenied("There is no such meeting.")
    policy.require(session, actor, policy.Action.MANAGE_SEND, meeting.pupil_id)
    if meeting.status != "scheduled":
        raise MeetingInvalid("This meeting was cancelled already.")
    if meeting.starts_at <= now:
        raise MeetingInvalid("This meeting has already started, so it cannot be changed.")
    return meeting


def move(
    session: Session,
    actor: StaffActor,
    meeting_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime | None,
    now: datetime,
) -> Changed:
    """Move a meeting: every invitee is told with a fresh calendar file (same UID, higher
    SEQUENCE) and asked again, since an answer to the old time says nothing of the new."""
    meeting = _changeable(session, actor, meeting_id, now)
    if starts_at.tzinfo is None or starts_at <= now:
        raise MeetingInvalid("The new time must be in the future.")
    if ends_at is not None and ends_at <= starts_at:
        raise MeetingInvalid("The meeting must end after it starts.")
    was = meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.sequence = (meeting.sequence or 0) + 1
    _record_change(session, actor, meeting, "meeting.move", now, was)
    told, no_chat, reached = [], [], []
    for invitation, guardian in _invitations(session, meeting.id):
        invitation.rsvp, invitation.rsvp_at = None, None
        invitation.reminders_sent = []
        invitation.sent_at = now
        channel = guardian_channels.first_channel(session, guardian.id)
        if channel is None:
            no_chat.append(guardian.display_name)
            continue
        params = invitation_params(session, invitation)
        params["previous_starts_at"] = was.isoformat()
        _tell_guardian(session, meeting, invitation, MOVED, params, now)
        told.append(guardian.display_name)
        reached.append((guardian.display_name, channel))
    _tell_staff(session, meeting, "moved", was, now)
    return Changed(meeting.id, tuple(told), tuple(no_chat), tuple(reached))


def cancel(session: Session, actor: StaffActor, meeting_id: int, *, now: datetime) -> Changed:
    """Cancel a meeting: every invitee is told, with a calendar file that removes it."""
    meeting = _changeable(session, actor, meeting_id, now)
    meeting.status = "cancelled"
    meeting.sequence = (meeting.sequence or 0) + 1
    _record_change(session, actor, meeting, "meeting.cancel", now, meeting.starts_at)
    told, no_chat, reached = [], [], []
    for invitation, guardian in _invitations(session, meeting.id):
        channel = guardian_channels.first_channel(session, guardian.id)
        if channel is None:
            no_chat.append(guardian.display_name)
            continue
        params = invitation_params(session, invitation)
        _tell_guardian(session, meeting, invitation, CANCELLED, params, now)
        told.append(guardian.display_name)
        reached.append((guardian.display_name, channel))
    _tell_staff(session, meeting, "cancelled", meeting.starts_at, now)
    return Changed(meeting.id, tuple(told), tuple(no_chat), tuple(reached))


def _invitations(session: Session, meeting_id: int) -> list[tuple[Invitation, Guardian]]:
    return [
        (invitation, guardian)
        for invitation, guardian in session.execute(
            select(Invitation, Guardian)
            .join(Guardian, Guardian.id == Invitation.guardian_id)
            .where(Invitation.meeting_id == meeting_id, Guardian.active)
            .order_by(Invitation.id)
        )
    ]


def _record_change(
    session: Session,
    actor: StaffActor,
    meeting: Meeting,
    action: str,
    now: datetime,
    was: datetime,
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type="meeting",
        object_id=meeting.id,
        school_id=meeting.school_id,
        pupil_id=meeting.pupil_id,
        details={
            "was": was.isoformat(),
            "starts_at": meeting.starts_at.isoformat(),
            "sequence": meeting.sequence,
        },
    )


def _tell_guardian(
    session: Session,
    meeting: Meeting,
    invitation: Invitation,
    template: str,
    params: dict[str, Any],
    now: datetime,
) -> None:
    enqueue(
        session,
        school_id=meeting.school_id,
        template=template,
        params=params,
        dedupe_key=f"{template}:{invitation.id}:{meeting.sequence}",
        now=now,
        recipient_guardian_id=invitation.guardian_id,
    )


def _tell_staff(
    session: Session, meeting: Meeting, change: str, was: datetime, now: datetime
) -> None:
    """The SENCOs and whoever booked it, in plain English on their own platform."""
    pupil = session.get(Pupil, meeting.pupil_id)
    school = session.get(School, meeting.school_id)
    assert pupil is not None and school is not None
    tz = ZoneInfo(school.timezone)
    kind = meeting.kind.replace("_", " ")
    old = f"{was.astimezone(tz):%a %-d %b %Y at %H:%M}"
    if change == "moved":
        text = (
            f"Meeting moved: the {kind} for {pupil.display_name} on {old} is now on "
            f"{meeting.starts_at.astimezone(tz):%a %-d %b %Y at %H:%M}. The parents are "
            "asked again whether they can come."
        )
    else:
        text = f"Meeting cancelled: the {kind} for {pupil.display_name} on {old}."
    tell_sencos(
        session,
        meeting.school_id,
        keys.STAFF_NOTICE,
        {"text": text},
        f"meeting-{change}:{meeting.id}:{meeting.sequence}",
        now,
        also=[meeting.created_by_id] if meeting.created_by_id else (),
    )


def still_current(session: Session, invitation_id: int, sequence: int) -> bool:
    """Whether a queued message about an invitation still tells the truth: the meeting has
    not moved or been cancelled since it was written."""
    invitation = session.get(Invitation, invitation_id)
    meeting = session.get(Meeting, invitation.meeting_id) if invitation else None
    return meeting is None or (meeting.sequence or 0) == sequence
