"""Staff as their Slack accounts reach them: who is writing, in which time zone to show them
times, and whose Home tab a change to the records redraws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.services import identities, inbound
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.store.models import Identity, School, Staff, StaffRole

DEFAULT_TIMEZONE = "Europe/London"
# Whose dashboards change when any record of their school changes.
LEADS = (Role.SENCO, Role.DSL, Role.DEPUTY_DSL)


@dataclass(frozen=True)
class StaffAccount:
    """A member of staff, their account's user id, and their school's time zone."""

    actor: StaffActor
    user_id: str
    timezone: str


@dataclass(frozen=True)
class StaffAdmission:
    """The inbound gate's answer, with the time zone to show an admitted person times in."""

    admission: inbound.Admission
    timezone: str | None = None


def school_timezone(session: Session, school_id: int) -> str:
    school = session.get(School, school_id)
    return school.timezone if school else DEFAULT_TIMEZONE


def admit_slack_staff(
    session: Session,
    event_id: str | None,
    team_id: str,
    user_id: str,
    now: datetime,
    *,
    counted: bool = True,
    once: Sequence[str] = (),
) -> StaffAdmission:
    """The inbound gate for a Slack request, and the person's time zone in the same
    transaction: one write for the claim, the identity and the count, not three. `once`
    are the request's replay keys (`inbound.interactive_keys`)."""
    admission = inbound.admit(
        session,
        identities.SLACK,
        event_id,
        user_id,
        now,
        workspace=team_id,
        counted=counted,
        once=once,
    )
    if isinstance(admission, inbound.Admitted) and admission.sender.staff is not None:
        return StaffAdmission(admission, school_timezone(session, admission.sender.staff.school_id))
    return StaffAdmission(admission)


def link_slack_by_email(
    session: Session, team_id: str, user_id: str, email: str, now: datetime
) -> StaffAccount | None:
    """A Slack account not on record, matched to a member of staff by its email."""
    actor = identities.link_slack_by_email(session, team_id, user_id, email, now)
    if actor is None:
        return None
    return StaffAccount(actor, user_id, school_timezone(session, actor.school_id))


def slack_leads(session: Session, school_id: int) -> list[StaffAccount]:
    """The SENCO's and the safeguarding leads' Slack accounts at this school."""
    rows = session.execute(
        select(Staff, Identity.external_id)
        .join(Identity, Identity.staff_id == Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(
            Staff.school_id == school_id,
            Staff.active,
            Identity.platform == identities.SLACK,
            Identity.active,
            StaffRole.role.in_([role.value for role in LEADS]),
        )
        .distinct()
    ).all()
    timezone = school_timezone(session, school_id)
    return [StaffAccount(actor_for_staff(staff), user_id, timezone) for staff, user_id in rows]


def own_slack_account(session: Session, actor: StaffActor) -> StaffAccount | None:
    """This person's own active Slack account, if they have one."""
    address = identities.slack_address(session, actor.staff_id)
    if address is None:
        return None
    return StaffAccount(actor, address[1], school_timezone(session, actor.school_id))
