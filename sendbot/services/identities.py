"""Who a chat account belongs to: matched to a staff record once, then remembered.

A Slack account is tied to its workspace: the same user id in another workspace is another
person, and a staff member is only recognised in the workspace their school has configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.services import audit
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.store.models import Identity, School, Staff

SLACK = "slack"

# Why an account went inactive (`Identity.inactive_reason`). Only a block may be undone by
# the person alone: unblocking the bot and sending /start. An account the parent stopped,
# that a newer redemption replaced, or that the school unlinked is linked again only by a
# new invite, so whoever held a forwarded link or an old phone cannot come back.
BLOCKED = "blocked"
STOPPED = "stopped"
REPLACED = "replaced"
UNLINKED = "school"
# The parent pressed their mail app's "Unsubscribe" (RFC 8058): no more email there until
# the school's roster gives a changed address.
UNSUBSCRIBED = "unsubscribed"


def may_resume(identity: Identity) -> bool:
    """Whether this inactive account may turn itself back on (only after a block)."""
    return not identity.active and identity.inactive_reason == BLOCKED


def guardian_reachable(session: Session, guardian_id: int) -> bool:
    """A parent or carer with a channel (a linked chat, an email address or a mobile number
    from the roster): what the school sends them can arrive. Anything queued for one without
    would be retried for a day and end as an "undelivered" notice."""
    return (
        session.scalar(
            select(Identity.id).where(Identity.guardian_id == guardian_id, Identity.active)
        )
        is not None
    )


def slack_staff(session: Session, team_id: str, user_id: str, now: datetime) -> StaffActor | None:
    """The remembered staff member for this Slack user, if still active at a school here."""
    row = session.execute(
        select(Identity, Staff)
        .join(Staff, Staff.id == Identity.staff_id)
        .join(School, School.id == Staff.school_id)
        .where(
            Identity.platform == SLACK,
            Identity.team_id == team_id,
            Identity.external_id == user_id,
            Identity.active,
            Staff.active,
            School.slack_team_id == team_id,
        )
    ).first()
    if row is None:
        return None
    identity, staff = row
    mark_seen(identity, now)
    return actor_for_staff(staff)


def has_identity(session: Session, platform: str, team_id: str, external_id: str) -> bool:
    """Whether this account was ever linked (linked once, it is never re-matched by email)."""
    found = session.scalar(
        select(Identity.id).where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.external_id == external_id,
        )
    )
    return found is not None


def link_slack_by_email(
    session: Session, team_id: str, user_id: str, email: str, now: datetime
) -> StaffActor | None:
    """Match by email among the schools using this workspace; exactly one match or nobody."""
    if not email.strip() or has_identity(session, SLACK, team_id, user_id):
        return None
    found = session.scalars(
        select(Staff)
        .join(School, School.id == Staff.school_id)
        .where(
            School.slack_team_id == team_id,
            func.lower(Staff.email) == email.strip().lower(),
            Staff.active,
        )
    ).all()
    if len(found) != 1:
        return None
    return link_staff(session, found[0], SLACK, team_id, user_id, "email", now)


def link_staff(
    session: Session,
    staff: Staff,
    platform: str,
    team_id: str,
    external_id: str,
    matched_by: str,
    now: datetime,
) -> StaffActor | None:
    """Link a platform account to a member of staff, audited; nobody when another account
    of that platform and team already speaks for them."""
    taken = session.scalar(
        select(Identity.id).where(
            Identity.platform == platform,
            Identity.team_id == team_id,
            Identity.staff_id == staff.id,
            Identity.active,
        )
    )
    if taken is not None:
        return None
    identity = Identity(
        platform=platform,
        team_id=team_id,
        external_id=external_id,
        staff_id=staff.id,
        created_at=now,
        last_seen_at=now,
    )
    session.add(identity)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=staff.id,
        action="identity.link",
        object_type="identity",
        object_id=identity.id,
        school_id=staff.school_id,
        details={"platform": platform, "team_id": team_id, "matched_by": matched_by},
    )
    return actor_for_staff(staff)


def slack_address(session: Session, staff_id: int) -> tuple[str, str] | None:
    """(team id, user id) of a staff member's active Slack account, for delivery."""
    row = session.execute(
        select(Identity.team_id, Identity.external_id)
        .where(Identity.platform == SLACK, Identity.staff_id == staff_id, Identity.active)
        .order_by(Identity.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def unlinked_slack_staff(session: Session, team_id: str) -> list[tuple[int, str]]:
    """(staff id, email) of active staff at this workspace's schools with no Slack account
    on record yet, so alerts can reach a DSL who has never opened sendbot."""
    linked = select(Identity.staff_id).where(
        Identity.platform == SLACK, Identity.team_id == team_id, Identity.staff_id.is_not(None)
    )
    rows = session.execute(
        select(Staff.id, Staff.email)
        .join(School, School.id == Staff.school_id)
        .where(School.slack_team_id == team_id, Staff.active, Staff.id.not_in(linked))
        .order_by(Staff.id)
    ).all()
    return [(staff_id, email) for staff_id, email in rows if email]


class WorkspaceError(ValueError):
    """The school to connect could not be chosen; the message says how to choose it."""


def connect_slack_workspace(
    session: Session, team_id: str, now: datetime, school_urn: str | None = None
) -> School:
    """Record that this Slack workspace is the school's: only its members can be staff."""
    if school_urn is not None:
        school = session.scalar(select(School).where(School.urn == school_urn))
        if school is None:
            raise WorkspaceError(f"There is no school with URN {school_urn}.")
    else:
        schools = session.scalars(select(School).limit(2)).all()
        if len(schools) != 1:
            raise WorkspaceError(
                "Please say which school with --school URN"
                if schools
                else "There is no school yet: import the roster first (sendbot import roster)."
            )
        school = schools[0]
    before = school.slack_team_id
    school.slack_team_id = team_id
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=None,
        action="school.slack_connect",
        object_type="school",
        object_id=school.id,
        school_id=school.id,
        details={"team_id": team_id, "previous_team_id": before},
    )
    return school


SEEN_PRECISION = timedelta(minutes=1)


def mark_seen(identity: Identity, now: datetime) -> None:
    """To the minute: a write on every message would make each one cost an UPDATE."""
    seen = identity.last_seen_at
    if seen is None or now - seen >= SEEN_PRECISION or now < seen:
        identity.last_seen_at = now
