"""Staff on Microsoft Teams: who an Entra account is, and where the bot can write to them.

A Teams account is matched by its Microsoft Entra object id (`aadObjectId`), in the one
tenant the school's Teams app is registered in (the Identity's `team_id`). The first
personal message links it by the email the roster holds: the activity carries no email, so
the adapter asks Teams for the member's email or user principal name first. Once linked, an
account is never re-matched by email. Guests in the tenant are never linked.

Teams lets a bot write to someone unprompted only in a conversation it already has with
them, so each personal chat's reference (service URL, conversation id, bot id) is kept from
the person's latest activity, for the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.services import audit, identities
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.services.identities import mark_seen, may_resume
from sendbot.store.models import Identity, Outbox, School, Staff, TeamsConversation

TEAMS = "teams"


@dataclass(frozen=True)
class ConversationRef:
    """Where the bot writes to one person on Teams."""

    tenant_id: str
    aad_object_id: str
    user_id: str
    service_url: str
    conversation_id: str
    bot_id: str


def teams_staff(
    session: Session, tenant_id: str, aad_object_id: str, now: datetime
) -> StaffActor | None:
    """The linked, active member of staff for this Entra account in this tenant."""
    row = session.execute(
        select(Identity, Staff)
        .join(Staff, Staff.id == Identity.staff_id)
        .where(
            Identity.platform == TEAMS,
            Identity.team_id == tenant_id,
            Identity.external_id == aad_object_id,
            Identity.active,
            Staff.active,
        )
    ).first()
    if row is None:
        return None
    identity, staff = row
    mark_seen(identity, now)
    return actor_for_staff(staff)


def has_teams_identity(session: Session, tenant_id: str, aad_object_id: str) -> bool:
    """Whether this Entra account was ever linked (then it is never re-matched by email)."""
    return identities.has_identity(session, TEAMS, tenant_id, aad_object_id)


def blocked_account(session: Session, tenant_id: str, aad_object_id: str) -> int | None:
    """The id of this account's identity when Teams refused a message to it (the app was
    removed): a message from them now shows the app is back."""
    identity = session.scalar(
        select(Identity).where(
            Identity.platform == TEAMS,
            Identity.team_id == tenant_id,
            Identity.external_id == aad_object_id,
        )
    )
    return identity.id if identity is not None and may_resume(identity) else None


def resume(session: Session, identity_id: int, now: datetime) -> bool:
    """Turn a blocked Teams account back on, the person having written from it again."""
    identity = session.get(Identity, identity_id)
    if identity is None or identity.staff_id is None or not may_resume(identity):
        return False
    identity.active = True
    identity.inactive_reason = None
    staff = session.get(Staff, identity.staff_id)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=identity.staff_id,
        action="identity.resume",
        object_type="identity",
        object_id=identity.id,
        school_id=staff.school_id if staff is not None else None,
        details={"platform": TEAMS},
    )
    return True


def link_by_email(
    session: Session, tenant_id: str, aad_object_id: str, email: str, now: datetime
) -> StaffActor | None:
    """Link this Entra account to the one active member of staff with this email, if exactly
    one has it and no other Teams account speaks for them yet; otherwise nobody."""
    wanted = email.strip().lower()
    if not wanted or has_teams_identity(session, tenant_id, aad_object_id):
        return None
    found = session.scalars(
        select(Staff).where(func.lower(Staff.email) == wanted, Staff.active)
    ).all()
    if len(found) != 1:
        return None
    return identities.link_staff(session, found[0], TEAMS, tenant_id, aad_object_id, "email", now)


def remember_conversation(session: Session, ref: ConversationRef, now: datetime) -> None:
    """Keep this person's personal chat reference; written only when it changed."""
    row = session.scalar(
        select(TeamsConversation).where(
            TeamsConversation.tenant_id == ref.tenant_id,
            TeamsConversation.aad_object_id == ref.aad_object_id,
        )
    )
    if row is None:
        row = TeamsConversation(tenant_id=ref.tenant_id, aad_object_id=ref.aad_object_id)
        session.add(row)
    elif (row.user_id, row.service_url, row.conversation_id, row.bot_id) == (
        ref.user_id,
        ref.service_url,
        ref.conversation_id,
        ref.bot_id,
    ):
        return
    row.user_id = ref.user_id
    row.service_url = ref.service_url
    row.conversation_id = ref.conversation_id
    row.bot_id = ref.bot_id
    row.updated_at = now


def conversation_for(
    session: Session, aad_object_id: str, tenant_id: str = ""
) -> ConversationRef | None:
    """The kept personal chat with this Entra account (in this tenant, when one is named)."""
    query = select(TeamsConversation).where(TeamsConversation.aad_object_id == aad_object_id)
    if tenant_id:
        query = query.where(TeamsConversation.tenant_id == tenant_id)
    row = session.scalars(query.order_by(TeamsConversation.updated_at.desc()).limit(1)).first()
    if row is None:
        return None
    return ConversationRef(
        tenant_id=row.tenant_id,
        aad_object_id=row.aad_object_id,
        user_id=row.user_id,
        service_url=row.service_url,
        conversation_id=row.conversation_id,
        bot_id=row.bot_id,
    )


@dataclass(frozen=True)
class SentCard:
    """An outbox message sent on Teams, as it was queued: to draw it again after a tap."""

    outbox_id: int
    template: str
    params: dict[str, Any]
    school_id: int
    timezone: str
    recipient_staff_id: int


def sent_card(
    session: Session, activity_id: str, tenant_id: str, aad_object_id: str
) -> SentCard | None:
    """The outbox message this Teams activity id was, sent to this person (nobody else's)."""
    row = session.execute(
        select(Outbox, School.timezone)
        .join(School, School.id == Outbox.school_id)
        .join(Identity, Identity.staff_id == Outbox.recipient_staff_id)
        .where(
            Outbox.platform == TEAMS,
            Outbox.platform_message_id == activity_id,
            Identity.platform == TEAMS,
            Identity.team_id == tenant_id,
            Identity.external_id == aad_object_id,
        )
        .order_by(Outbox.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    outbox, timezone = row
    assert outbox.recipient_staff_id is not None
    return SentCard(
        outbox.id,
        outbox.template,
        dict(outbox.params or {}),
        outbox.school_id,
        timezone,
        outbox.recipient_staff_id,
    )
