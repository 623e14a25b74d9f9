"""What a linked parent or carer can do: language, their child's targets, talk to school, stop.

A guardian only ever reaches the pupils linked to them (`GuardianPupil`), re-checked on every
call: nothing a parent sends can name another family's child. Messages to school go to the
SENCO and the child's class teacher through the outbox, in the same transaction as the
stored message, so a message is never recorded without its notice (or the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.i18n.languages import BY_CODE, Language, resolve
from sendbot.i18n.plain import preview_for_parent
from sendbot.services import action_ids, audit, guardian_channels, policy, school_settings
from sendbot.services.action_ids import Action
from sendbot.services.actors import StaffActor
from sendbot.services.identities import BLOCKED, STOPPED, UNLINKED, UNSUBSCRIBED, may_resume
from sendbot.services.meetings import tell_sencos
from sendbot.services.outbox import enqueue
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import (
    GroupStaff,
    Guardian,
    Identity,
    Invite,
    Meeting,
    ParentMessage,
    Pupil,
    School,
    SupportPlan,
    Target,
)

# Outbox templates this module writes (see sendbot.messages.registry).
STAFF_PARENT_MESSAGE = keys.PARENT_MESSAGE_NOTICE
STAFF_STOPPED = keys.PARENT_STOPPED_NOTICE
STAFF_BLOCKED = keys.PARENT_BLOCKED_NOTICE
STAFF_RESUMED = keys.PARENT_RESUMED_NOTICE
STAFF_UNSUBSCRIBED = keys.PARENT_UNSUBSCRIBED_NOTICE
PARENT_STAFF_REPLY = keys.PARENT_STAFF_REPLY

MESSAGE_LIMIT = 3000
_SCRIPTS = {"ur": "Arab", "ar": "Arab", "pa_Guru": "Guru"}


@dataclass(frozen=True)
class Child:
    pupil_id: int
    name: str  # what the parent calls them: preferred or first name, with the surname


def children(session: Session, guardian_id: int) -> list[Child]:
    """The guardian's own children, as the permission policy scopes them."""
    rows = session.scalars(
        policy.own_children(guardian_id).order_by(Pupil.first_name, Pupil.id)
    ).all()
    return [Child(p.id, p.display_name) for p in rows]


def require_child(session: Session, guardian_id: int, pupil_id: int) -> Child:
    guardian = session.get(Guardian, guardian_id)
    actor = policy.GuardianActor(guardian_id, guardian.school_id if guardian else 0)
    if policy.decide(session, actor, policy.Action.READ_OWN_CHILD, pupil_id):
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        return Child(pupil.id, pupil.display_name)
    raise PermissionDenied("not your child")


def reading(session: Session, guardian_id: int) -> tuple[str, str | None, str]:
    """The parent's language and script and their school's time zone, in one query: the
    parent chat needs all three for every message it answers."""
    row = session.execute(
        select(Guardian.preferred_language, Guardian.script, School.timezone)
        .join(School, School.id == Guardian.school_id)
        .where(Guardian.id == guardian_id)
    ).first()
    return (row[0], row[1], row[2]) if row else ("en", None, "Europe/London")


def set_language(session: Session, guardian_id: int, code: str, now: datetime) -> Language:
    """Store a language the parent picked from our list (never free text)."""
    if code not in BY_CODE:
        raise ValueError("not a language we offer")
    guardian = session.get(Guardian, guardian_id)
    assert guardian is not None
    language = resolve(code)
    previous = guardian.preferred_language
    guardian.preferred_language = "en" if language.code == "en_GB" else language.code
    guardian.script = _SCRIPTS.get(language.code)
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian.id,
        action="guardian.language",
        object_type="guardian",
        object_id=guardian.id,
        school_id=guardian.school_id,
        details={"from": previous, "to": guardian.preferred_language},
    )
    return language


# --- /mychild ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    wording: str  # the parent-friendly wording, English as staff wrote it
    due_on: date | None


@dataclass(frozen=True)
class ChildSummary:
    name: str
    plan_kind: str | None
    targets: tuple[TargetLine, ...]
    next_review_on: date | None
    next_meeting_at: datetime | None


def my_child(session: Session, guardian_id: int, pupil_id: int, now: datetime) -> ChildSummary:
    child = require_child(session, guardian_id, pupil_id)
    plan = session.scalar(
        select(SupportPlan)
        .where(SupportPlan.pupil_id == pupil_id, SupportPlan.status == "active")
        .order_by(SupportPlan.started_on.desc())
        .limit(1)
    )
    targets: list[TargetLine] = []
    if plan is not None:
        targets = [
            TargetLine(t.parent_wording or t.staff_wording, t.due_on)
            for t in session.scalars(
                select(Target)
                .where(Target.plan_id == plan.id, Target.status == "active")
                .order_by(Target.id)
            )
        ]
    meeting = session.scalar(
        select(Meeting)
        .where(
            Meeting.pupil_id == pupil_id,
            Meeting.status == "scheduled",
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian_id,
        action="guardian.view_child",
        object_type="pupil",
        object_id=pupil_id,
        pupil_id=pupil_id,
    )
    return ChildSummary(
        child.name,
        plan.kind if plan else None,
        tuple(targets),
        plan.next_review_on if plan else None,
        meeting.starts_at if meeting else None,
    )


# --- talking to school ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    message_id: int
    child_name: str
    opens_at: datetime | None  # when staff will read it, if the school is closed now


def next_opening(school: School, now: datetime) -> datetime | None:
    """None while the school office is open; otherwise when it next opens (weekdays)."""
    tz = ZoneInfo(school.timezone)
    local = now.astimezone(tz)
    start, end = school_settings.of(school).office_hours
    if local.weekday() < 5 and start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, start, tzinfo=tz)


def message_school(
    session: Session, guardian_id: int, pupil_id: int, text: str, language: str, now: datetime
) -> Sent:
    """Store a parent's message and tell the SENCO and the class teacher."""
    child = require_child(session, guardian_id, pupil_id)
    body = text.strip()
    if not body:
        raise ValueError("empty message")
    if len(body) > MESSAGE_LIMIT:
        raise ValueError("message too long")
    guardian = session.get(Guardian, guardian_id)
    pupil = session.get(Pupil, pupil_id)
    school = session.get(School, guardian.school_id) if guardian else None
    assert guardian is not None and pupil is not None and school is not None
    message = ParentMessage(
        school_id=school.id,
        guardian_id=guardian.id,
        pupil_id=pupil.id,
        direction="in",
        body_text=body,
        language=language,
        at=now,
    )
    session.add(message)
    session.flush()
    teachers = session.scalars(
        select(GroupStaff.staff_id).where(
            GroupStaff.group_id == pupil.group_id, GroupStaff.role == "teacher"
        )
    ).all()
    tell_sencos(
        session,
        school.id,
        STAFF_PARENT_MESSAGE,
        {
            "message_id": message.id,
            "child_name": child.name,
            "class_name": pupil.group.name if pupil.group else None,
            "guardian_name": guardian.display_name,
            "language": language,
            "at": now.isoformat(),
            "reply_action": action_ids.encode(session, Action("reply", message.id)),
        },
        f"parent-message:{message.id}",
        now,
        also=list(teachers) if pupil.group_id else (),
    )
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian.id,
        action="parent_message.in",
        object_type="parent_message",
        object_id=message.id,
        school_id=school.id,
        pupil_id=pupil.id,
    )
    opens = next_opening(school, now)
    return Sent(message.id, child.name, opens)


def reply_sent_note(text: str) -> str:
    """What the staff member is told after replying: including the words the parent will
    read, with school jargon spelt out ("EP" becomes "educational psychologist (EP)")."""
    return (
        "Sent. The parent will get your reply in Telegram. They will read:\n"
        + preview_for_parent(text).parent_text
    )


def staff_reply(
    session: Session, actor: StaffActor, message_id: int, text: str, now: datetime
) -> int:
    """A member of staff answers a parent's message; it goes back through the outbox."""
    original = session.get(ParentMessage, message_id)
    if original is None or original.school_id != actor.school_id or original.direction != "in":
        raise PermissionDenied("There is no such message from a parent.")
    if not policy.may_reply_to_parent(session, actor, original):
        raise PermissionDenied(policy.NOT_YOURS_TO_ANSWER)
    body = text.strip()
    if not body or len(body) > MESSAGE_LIMIT:
        raise ValueError(f"Write a reply of 1 to {MESSAGE_LIMIT} characters.")
    reply = ParentMessage(
        school_id=original.school_id,
        guardian_id=original.guardian_id,
        pupil_id=original.pupil_id,
        direction="out",
        staff_id=actor.staff_id,
        body_text=body,
        language="en",
        at=now,
    )
    session.add(reply)
    original.read_at = original.read_at or now
    session.flush()
    pupil = session.get(Pupil, original.pupil_id) if original.pupil_id else None
    school = session.get(School, original.school_id)
    enqueue(
        session,
        school_id=original.school_id,
        template=PARENT_STAFF_REPLY,
        params={
            "reply_id": reply.id,
            "child_name": pupil.preferred_name or pupil.first_name if pupil else None,
            "staff_name": actor.name,
            "school_name": school.name if school else "",
        },
        dedupe_key=f"staff-reply:{reply.id}",
        now=now,
        recipient_guardian_id=original.guardian_id,
    )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="parent_message.out",
        object_type="parent_message",
        object_id=reply.id,
        school_id=original.school_id,
        pupil_id=original.pupil_id,
    )
    return reply.id


# --- stopping and blocking -------------------------------------------------------------------


def _school_notice(
    session: Session,
    guardian: Guardian,
    template: str,
    key: str,
    now: datetime,
    **more: Any,
) -> None:
    tell_sencos(
        session,
        guardian.school_id,
        template,
        {
            "guardian_name": guardian.display_name,
            "children": [c.name for c in children(session, guardian.id)],
            "at": now.isoformat(),
            **more,
        },
        key,
        now,
    )


def stop(session: Session, identity_id: int, now: datetime) -> bool:
    """The parent asked for no more messages here; the school is told. False if already.

    Final for this chat: only a new invite from the school links it again, so a chat
    someone else holds (a forwarded link, a lost phone) cannot be switched back on."""
    identity = session.get(Identity, identity_id)
    if identity is None or identity.guardian_id is None or not identity.active:
        return False
    identity.active = False
    identity.inactive_reason = STOPPED
    guardian = session.get(Guardian, identity.guardian_id)
    assert guardian is not None
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian.id,
        action="identity.stop",
        object_type="identity",
        object_id=identity.id,
        school_id=guardian.school_id,
    )
    _school_notice(
        session, guardian, STAFF_STOPPED, f"stopped:{identity.id}:{now.isoformat()}", now
    )
    return True


def resume(session: Session, identity_id: int, now: datetime) -> bool:
    """The parent came back after unblocking the bot (/start). False for any other inactive
    account: stopped, replaced by a newer redemption or unlinked by the school, it needs a
    new invite."""
    identity = session.get(Identity, identity_id)
    if identity is None or identity.guardian_id is None or not may_resume(identity):
        return False
    identity.active = True
    identity.inactive_reason = None
    guardian = session.get(Guardian, identity.guardian_id)
    assert guardian is not None
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=guardian.id,
        action="identity.resume",
        object_type="identity",
        object_id=identity.id,
        school_id=guardian.school_id,
    )
    _school_notice(
        session, guardian, STAFF_RESUMED, f"resumed:{identity.id}:{now.isoformat()}", now
    )
    return True


def mark_blocked(
    session: Session, platform: str, address: str, now: datetime, team_id: str = ""
) -> bool:
    """The platform says this account can never work: a Telegram chat that blocked the bot,
    an email address that bounced or was refused, a mobile number that is not valid or not
    receiving. Stop sending there and tell the school, once, which account it was and what
    happens next: the guardian's next channel is tried, or nothing reaches them now.

    For the outbox worker on `SendOutcome.blocked`. Only the change from active to inactive
    tells the school, so retries and other workers do not repeat the notice; a parent who
    unblocks and sends /start is active again (`resume`).
    """
    identity = session.scalar(
        select(Identity)
        .where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.external_id == address,
            Identity.active,
        )
        .with_for_update()
    )
    if identity is None:
        return False
    identity.active = False
    identity.inactive_reason = BLOCKED
    guardian = session.get(Guardian, identity.guardian_id) if identity.guardian_id else None
    audit.record(
        session,
        at=now,
        actor_kind="system",
        actor_id=None,
        action="identity.blocked",
        object_type="identity",
        object_id=identity.id,
        school_id=guardian.school_id if guardian else None,
        details={"platform": platform},
    )
    if guardian is not None:
        session.flush()
        after = guardian_channels.channels_of(session, guardian.id)
        _school_notice(
            session,
            guardian,
            STAFF_BLOCKED,
            f"blocked:{identity.id}:{now.isoformat()}",
            now,
            platform=platform,
            next_channel=after[0].platform if after else None,
        )
    return True


def unsubscribe_email(session: Session, guardian_id: int, now: datetime) -> bool:
    """The parent pressed "Unsubscribe" in their mail app (RFC 8058 one-click, through their
    link): every email account of theirs goes off (reason "unsubscribed"), their other
    channels stay, and the SENCO is told once what still reaches them (maybe nothing: then
    only a letter or a call). False when email was off already: nothing more happens."""
    accounts = list(
        session.scalars(
            select(Identity)
            .where(
                Identity.guardian_id == guardian_id,
                Identity.platform == "email",
                Identity.active,
            )
            .order_by(Identity.id)
            .with_for_update()
        )
    )
    guardian = session.get(Guardian, guardian_id)
    if not accounts or guardian is None:
        return False
    for identity in accounts:
        identity.active, identity.inactive_reason = False, UNSUBSCRIBED
        audit.record(
            session,
            at=now,
            actor_kind="guardian",
            actor_id=guardian.id,
            action="identity.unsubscribe",
            object_type="identity",
            object_id=identity.id,
            school_id=guardian.school_id,
            details={"platform": "email"},
        )
    session.flush()
    still = set(
        session.scalars(
            select(Identity.platform).where(Identity.guardian_id == guardian.id, Identity.active)
        )
    )
    tell_sencos(
        session,
        guardian.school_id,
        STAFF_UNSUBSCRIBED,
        {
            "guardian_name": guardian.display_name,
            "children": [c.name for c in children(session, guardian.id)],
            "at": now.isoformat(),
            "still_by": [c for c in ("telegram", "email", "sms") if c in still],
        },
        f"unsubscribed:{accounts[0].id}:{now.isoformat()}",
        now,
    )
    return True


@dataclass(frozen=True)
class Unlinked:
    guardian_name: str
    accounts: int  # chat accounts that were linked (or could have come back) and now are not
    invites_cancelled: int


def unlink(session: Session, guardian_id: int, now: datetime) -> Unlinked:
    """The school unlinks a parent or carer (the admin's command line): every chat account
    of theirs stops receiving and cannot turn itself back on, and any unused invite stops
    working. Only a new invite links them again. Audited, with the counts."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        raise LookupError("There is no parent or carer with that number.")
    accounts = session.scalars(
        select(Identity.id).where(
            Identity.guardian_id == guardian.id,
            or_(Identity.active, Identity.inactive_reason == BLOCKED),
        )
    ).all()
    if accounts:
        session.execute(
            update(Identity)
            .where(Identity.id.in_(accounts))
            .values(active=False, inactive_reason=UNLINKED)
            .execution_options(synchronize_session="fetch")
        )
    # Expired as of the moment each was made, whatever any process's clock says now.
    cancelled = session.execute(
        update(Invite)
        .where(
            Invite.guardian_id == guardian.id,
            Invite.used_at.is_(None),
            Invite.expires_at > Invite.created_at,
        )
        .values(expires_at=Invite.created_at)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(cancelled, CursorResult)
    count = cancelled.rowcount
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=None,
        action="guardian.unlink",
        object_type="guardian",
        object_id=guardian.id,
        school_id=guardian.school_id,
        details={"identities": list(accounts), "invites_cancelled": count},
    )
    return Unlinked(guardian.display_name, len(accounts), count)
