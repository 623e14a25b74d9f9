"""One-time invites that link a chat account to a guardian (or staff) record.

The code is the only secret a parent ever handles: 192 random bits, so it cannot be
guessed, kept only as its SHA-256 (a copy of the database does not let anyone link), good
once, for 14 days. A newer invite for the same person replaces an unused older one, so only
the latest letter home works. Wrong codes are counted per chat in the database (not in
process memory, so several workers share the count), and a chat that keeps guessing is
made to wait.
"""

from __future__ import annotations

import hashlib
import io
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy import ColumnElement, CursorResult, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sendbot.delivery import keys
from sendbot.domain.people import Role
from sendbot.services import audit, policy
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.services.identities import BLOCKED, REPLACED, mark_seen, may_resume
from sendbot.services.meetings import tell_sencos
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import ConversationState, Guardian, Identity, Invite, School, Staff

LIFETIME = timedelta(days=14)
CODE_BYTES = 24  # 192 bits; 32 URL-safe characters, within Telegram's 64 for a start link
MAX_WRONG = 5
WRONG_WINDOW = timedelta(minutes=15)
_TRIES_PLATFORM = "tries"  # a namespace of conversation_state, one row per chat
STAFF_CODE_REUSED = keys.INVITE_REUSED_NOTICE
STAFF_INVITERS = frozenset({Role.SENCO, Role.HEADTEACHER, Role.ADMIN})


class InviteRefused(PermissionDenied):
    """The actor may not invite this person."""


@dataclass(frozen=True)
class CreatedInvite:
    invite_id: int
    code: str  # shown once, never stored
    link: str
    expires_at: datetime
    for_name: str

    def qr_png(self, scale: int = 8) -> bytes:
        """The link as a QR code, for a letter home."""
        buffer = io.BytesIO()
        segno.make(self.link, error="m").save(buffer, kind="png", scale=scale, border=4)
        return buffer.getvalue()


@dataclass(frozen=True)
class Redeemed:
    """What happened to a code. `status` is one of:

    linked, invalid, used (`school_told` when it was a parent's code), expired, slowed
    (too many wrong codes: wait `wait_minutes`), taken (this chat already speaks for someone
    else), already (this chat is the one the code linked, and still is).
    """

    status: str
    guardian_id: int | None = None
    staff_id: int | None = None
    first_name: str = ""
    school_name: str = ""
    wait_minutes: int = 0
    school_told: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "linked"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def start_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def _audit_actor(actor: StaffActor | None) -> tuple[str, int | None]:
    return ("staff", actor.staff_id) if actor else ("cli", None)


# Who asked for a parent's own invite: the parent, from their one-tap link (parent_links).
BY_GUARDIAN = "guardian"


def _create(
    session: Session,
    *,
    school_id: int,
    guardian_id: int | None,
    staff_id: int | None,
    actor: StaffActor | None,
    now: datetime,
    bot_username: str,
    for_name: str,
    by_guardian: bool = False,
) -> CreatedInvite:
    # Replace unused earlier invites for the same person: only the newest letter works.
    owner = Invite.guardian_id == guardian_id if guardian_id else Invite.staff_id == staff_id
    session.execute(
        update(Invite)
        .where(owner, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(expires_at=now)
    )
    code = secrets.token_urlsafe(CODE_BYTES)
    invite = Invite(
        school_id=school_id,
        guardian_id=guardian_id,
        staff_id=staff_id,
        code_hash=hash_code(code),
        created_by_id=actor.staff_id if actor else None,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(invite)
    session.flush()
    kind, actor_id = ("guardian", guardian_id) if by_guardian else _audit_actor(actor)
    audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=actor_id,
        action="invite.create",
        object_type="invite",
        object_id=invite.id,
        school_id=school_id,
        details={
            "for": "guardian" if guardian_id else "staff",
            "person_id": guardian_id or staff_id,
        },
    )
    return CreatedInvite(
        invite.id, code, start_link(bot_username, code), invite.expires_at, for_name
    )


def create_guardian_invite(
    session: Session,
    guardian_id: int,
    now: datetime,
    bot_username: str,
    actor: StaffActor | None = None,
    *,
    by_guardian: bool = False,
) -> CreatedInvite:
    """An invite for a parent or carer. `actor` None means the school admin's command line,
    or, `by_guardian`, the parent asking on their one-tap page (the invitation `sendbot invite
    guardians` sends): the same invite, the same rule (parental responsibility or the
    school's recorded decision to share), audited as theirs."""
    refusal = policy.invite_refusal(session, actor, guardian_id)
    if refusal is not None:
        raise InviteRefused(refusal)
    guardian = session.get(Guardian, guardian_id)
    assert guardian is not None
    return _create(
        session,
        school_id=guardian.school_id,
        guardian_id=guardian.id,
        staff_id=None,
        actor=actor,
        now=now,
        bot_username=bot_username,
        for_name=guardian.display_name,
        by_guardian=by_guardian,
    )


def create_staff_invite(
    session: Session,
    staff_id: int,
    now: datetime,
    bot_username: str,
    actor: StaffActor | None = None,
) -> CreatedInvite:
    """An invite for a member of staff to use sendbot in Telegram."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise InviteRefused("There is no current member of staff with that number.")
    if actor is not None and (
        actor.school_id != staff.school_id or not actor.roles & STAFF_INVITERS
    ):
        raise InviteRefused("Only the SENCO, headteacher or admin can invite staff.")
    return _create(
        session,
        school_id=staff.school_id,
        guardian_id=None,
        staff_id=staff.id,
        actor=actor,
        now=now,
        bot_username=bot_username,
        for_name=staff.display_name,
    )


# --- redeeming ---------------------------------------------------------------------------


def _tries(session: Session, platform: str, chat_key: str) -> ConversationState | None:
    return session.scalar(
        select(ConversationState).where(
            ConversationState.platform == f"{_TRIES_PLATFORM}:{platform}"[:20],
            ConversationState.chat_key == chat_key,
        )
    )


def _recent_failures(row: ConversationState | None, now: datetime) -> list[datetime]:
    if row is None:
        return []
    since = now - WRONG_WINDOW
    times = [datetime.fromisoformat(t) for t in row.scratch.get("wrong", [])]
    return [t for t in times if t > since]


def _note_failure(session: Session, platform: str, chat_key: str, now: datetime) -> None:
    row = _tries(session, platform, chat_key)
    recent = _recent_failures(row, now) + [now]
    if row is None:
        row = ConversationState(
            platform=f"{_TRIES_PLATFORM}:{platform}"[:20], chat_key=chat_key, flow="invite_tries"
        )
        session.add(row)
    row.scratch = {"wrong": [t.isoformat() for t in recent[-MAX_WRONG:]]}
    row.answers = {}
    row.history = []
    row.step = None
    row.updated_at = now
    row.expires_at = now + WRONG_WINDOW


def slowed_for(session: Session, platform: str, chat_key: str, now: datetime) -> int:
    """Minutes this chat must wait before trying another code (0: it may try now)."""
    recent = _recent_failures(_tries(session, platform, chat_key), now)
    if len(recent) < MAX_WRONG:
        return 0
    free_at = min(recent[-MAX_WRONG:]) + WRONG_WINDOW
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def _refuse(
    session: Session,
    platform: str,
    chat_key: str,
    now: datetime,
    status: str,
    invite: Invite | None,
) -> Redeemed:
    _note_failure(session, platform, chat_key, now)
    audit.record(
        session,
        at=now,
        actor_kind="system",
        actor_id=None,
        action="invite.refused",
        object_type="invite",
        object_id=invite.id if invite else None,
        school_id=invite.school_id if invite else None,
        details={"platform": platform, "reason": status},
    )
    return Redeemed(status)


def _link_identity(
    session: Session, invite: Invite, platform: str, team_id: str, chat_key: str, now: datetime
) -> Identity | None:
    """This chat's identity, linked to the invite's person and active; None when the chat
    already speaks for someone else."""
    person_filter = (
        Identity.guardian_id == invite.guardian_id
        if invite.guardian_id
        else Identity.staff_id == invite.staff_id
    )
    identity = session.scalar(
        select(Identity).where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.external_id == chat_key,
        )
    )
    if identity is not None and not session.scalar(
        select(Identity.id).where(Identity.id == identity.id, person_filter)
    ):
        return None
    _replace_others(session, invite, platform, chat_key, person_filter, now)
    if identity is None:
        identity = Identity(
            platform=platform,
            team_id=team_id,
            external_id=chat_key,
            guardian_id=invite.guardian_id,
            staff_id=invite.staff_id,
            created_at=now,
        )
        session.add(identity)
    identity.active = True
    identity.inactive_reason = None
    identity.last_seen_at = now
    return identity


def _replace_others(
    session: Session,
    invite: Invite,
    platform: str,
    chat_key: str,
    person_filter: ColumnElement[bool],
    now: datetime,
) -> None:
    """A new redemption replaces the person's other accounts here (an old phone, or whoever
    opened a forwarded link first): they stop receiving and cannot turn themselves back on."""
    replaced = session.scalars(
        select(Identity.id).where(
            Identity.platform == platform,
            person_filter,
            Identity.external_id != chat_key,
            or_(Identity.active, Identity.inactive_reason == BLOCKED),
        )
    ).all()
    if not replaced:
        return
    session.execute(
        update(Identity)
        .where(Identity.id.in_(replaced))
        .values(active=False, inactive_reason=REPLACED)
        .execution_options(synchronize_session="fetch")
    )
    kind, person = (
        ("guardian", invite.guardian_id) if invite.guardian_id else ("staff", invite.staff_id)
    )
    for identity_id in replaced:
        audit.record(
            session,
            at=now,
            actor_kind=kind,
            actor_id=person,
            action="identity.replaced",
            object_type="identity",
            object_id=identity_id,
            school_id=invite.school_id,
            details={"platform": platform, "invite_id": invite.id},
        )


def _invited_person(session: Session, invite: Invite) -> tuple[str, str, int]:
    """(first name, actor kind, id) of the parent or staff member the invite is for."""
    if invite.guardian_id:
        guardian = session.get(Guardian, invite.guardian_id)
        assert guardian is not None
        return guardian.first_name, "guardian", guardian.id
    staff = session.get(Staff, invite.staff_id)
    assert staff is not None
    return staff.first_name, "staff", staff.id


def _claim(session: Session, invite: Invite, now: datetime) -> bool:
    """Mark the invite used, only if nobody has: a conditional UPDATE, so of two chats
    redeeming one code at once on any database, exactly one wins (the other waits for the
    row, then finds it used)."""
    claimed = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(claimed, CursorResult)
    if claimed.rowcount != 1:
        return False
    set_committed_value(invite, "used_at", now)
    return True


def _unclaim(session: Session, invite: Invite) -> None:
    """The invite stays unused when its link was refused (still inside the claim's lock)."""
    session.execute(
        update(Invite)
        .where(Invite.id == invite.id)
        .values(used_at=None)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(invite, "used_at", None)


def _used_again(
    session: Session, invite: Invite, platform: str, team_id: str, chat_key: str, now: datetime
) -> Redeemed:
    """A used code tried again. From the chat it linked, still linked, that is only a second
    tap; from anywhere else the school is told of a parent's code, since the parent may be
    the one locked out while someone else reads their messages."""
    mine = session.scalar(
        select(Identity.id).where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.external_id == chat_key,
            Identity.active,
            Identity.guardian_id == invite.guardian_id
            if invite.guardian_id
            else Identity.staff_id == invite.staff_id,
        )
    )
    if mine is not None:
        school = session.get(School, invite.school_id)
        return Redeemed(
            "already",
            guardian_id=invite.guardian_id,
            staff_id=invite.staff_id,
            school_name=school.name if school else "",
        )
    refused = _refuse(session, platform, chat_key, now, "used", invite)
    guardian = session.get(Guardian, invite.guardian_id) if invite.guardian_id else None
    if guardian is None:
        return refused
    tried_from = hashlib.sha256(f"{platform}:{team_id}:{chat_key}".encode()).hexdigest()[:16]
    tell_sencos(
        session,
        invite.school_id,
        STAFF_CODE_REUSED,
        {
            "guardian_id": guardian.id,
            "guardian_name": guardian.display_name,
            "used_at": invite.used_at.isoformat() if invite.used_at else None,
            "at": now.isoformat(),
        },
        f"invite-reused:{invite.id}:{tried_from}",
        now,
    )
    return Redeemed("used", school_told=True)


def redeem(
    session: Session, platform: str, chat_key: str, code: str, now: datetime, team_id: str = ""
) -> Redeemed:
    """Link this chat to the invite's person, once; say plainly why not otherwise."""
    wait = slowed_for(session, platform, chat_key, now)
    if wait:
        return Redeemed("slowed", wait_minutes=wait)
    invite = None
    if 16 <= len(code.strip()) <= 64:
        invite = session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    if invite is None:
        return _refuse(session, platform, chat_key, now, "invalid", None)
    if invite.used_at is not None:
        return _used_again(session, invite, platform, team_id, chat_key, now)
    if invite.expires_at <= now:
        return _refuse(session, platform, chat_key, now, "expired", invite)
    if not _claim(session, invite, now):  # another chat redeemed it a moment ago
        return _used_again(session, invite, platform, team_id, chat_key, now)

    identity = _link_identity(session, invite, platform, team_id, chat_key, now)
    if identity is None:
        # This account already speaks for someone else; relinking it silently would hand
        # one family's messages to another. The school sorts it out.
        _unclaim(session, invite)
        return Redeemed("taken")
    session.flush()
    school = session.get(School, invite.school_id)
    first, kind, person = _invited_person(session, invite)
    audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=person,
        action="identity.link",
        object_type="identity",
        object_id=identity.id,
        school_id=invite.school_id,
        details={"platform": platform, "matched_by": "invite", "invite_id": invite.id},
    )
    return Redeemed(
        "linked",
        guardian_id=invite.guardian_id,
        staff_id=invite.staff_id,
        first_name=first,
        school_name=school.name if school else "",
    )


# --- who is this chat --------------------------------------------------------------------


@dataclass(frozen=True)
class ChatOwner:
    """The person a chat account speaks for. `active` False after /stop, a block, a newer
    redemption or the school's unlinking; `resumable` True only after a block, the one case
    the person may undo alone (/start)."""

    identity_id: int
    active: bool
    guardian_id: int | None = None
    staff: StaffActor | None = None
    resumable: bool = False


def owner_of(
    session: Session, platform: str, chat_key: str, now: datetime, team_id: str = ""
) -> ChatOwner | None:
    """Who this chat is, re-read on every message and tap; None for a stranger.

    One query for the account and whoever it belongs to, since every message asks."""
    row = session.execute(
        select(Identity, Staff, Guardian)
        .outerjoin(Staff, Staff.id == Identity.staff_id)
        .outerjoin(Guardian, Guardian.id == Identity.guardian_id)
        .where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.external_id == chat_key,
        )
    ).first()
    if row is None:
        return None
    identity, staff, guardian = row
    if identity.staff_id is not None:
        if staff is None or not staff.active or not identity.active:
            return None
        mark_seen(identity, now)
        return ChatOwner(identity.id, True, staff=actor_for_staff(staff))
    if guardian is None or not guardian.active:
        return None
    mark_seen(identity, now)
    return ChatOwner(
        identity.id, identity.active, guardian_id=guardian.id, resumable=may_resume(identity)
    )
