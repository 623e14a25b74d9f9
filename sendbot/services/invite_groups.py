"""Invitations for a whole class or year group at once (`sendbot invite guardians`).

Each parent or carer of the class's pupils who may read through their link (parental
responsibility, or the school's recorded decision to share: `policy.may_read_through_link`)
and is not on Telegram yet gets one message, by email or text message in their own order
(`guardian_channels`): an invitation to link Telegram, or, for a guardian the school knows
only by email, a request to confirm that address. Its one-tap link (set by the outbox worker
for email and text messages) opens the page that does it; no invite code is ever written
to the outbox. Those with no address at all are named, for a letter home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.services import audit, guardian_channels, outbox, policy
from sendbot.store.models import Guardian, GuardianPupil, Pupil, School, TeachingGroup

LINK_TELEGRAM = "link_telegram"
CONFIRM_EMAIL = "confirm_email"


@dataclass(frozen=True)
class Invitee:
    guardian_id: int
    name: str
    language: str
    script: str | None
    channel: str | None  # email | sms; None: no address
    purpose: str  # link_telegram | confirm_email


@dataclass
class GroupPlan:
    """Who would get what, before anything is sent."""

    school_id: int
    school_name: str
    group: str  # "class 4B" or "year 6"
    invitees: list[Invitee] = field(default_factory=list)
    on_telegram: list[str] = field(default_factory=list)  # nothing to send

    def by(self, channel: str | None) -> list[Invitee]:
        return [i for i in self.invitees if i.channel == channel]


def _school(session: Session, urn: str | None) -> School:
    schools = list(session.scalars(select(School).order_by(School.id)))
    if urn is not None:
        schools = [s for s in schools if s.urn == urn]
        if not schools:
            raise LookupError(f"There is no school with URN {urn}.")
    if len(schools) != 1:
        raise LookupError(
            "There is more than one school here: say which with --school URN."
            if schools
            else "There is no school yet: import the roster first."
        )
    return schools[0]


def plan(
    session: Session, *, class_code: str | None, year: int | None, school_urn: str | None
) -> GroupPlan:
    """The guardians of the class's (or year group's) pupils and how each would be invited."""
    school = _school(session, school_urn)
    query = (
        select(Guardian)
        .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
        .join(Pupil, Pupil.id == GuardianPupil.pupil_id)
        .where(
            Pupil.school_id == school.id,
            Pupil.active,
            Guardian.active,
            Guardian.school_id == school.id,
            policy.may_read_through_link(),
        )
    )
    if class_code is not None:
        group = session.scalar(
            select(TeachingGroup).where(
                TeachingGroup.school_id == school.id, TeachingGroup.code == class_code
            )
        )
        if group is None:
            raise LookupError(f"There is no class {class_code} at {school.name}.")
        query, label = query.where(Pupil.group_id == group.id), f"class {class_code}"
    elif year is not None:
        query, label = query.where(Pupil.year_group == year), f"year {year}"
    else:
        raise LookupError("Say which pupils' parents: --class CODE or --year N.")
    guardians = list(
        dict.fromkeys(session.scalars(query.order_by(Guardian.last_name, Guardian.id)))
    )
    result = GroupPlan(school.id, school.name, label)
    for guardian in guardians:
        channels = guardian_channels.channels_of(session, guardian.id)
        platforms = [c.platform for c in channels]
        if guardian_channels.TELEGRAM in platforms:
            result.on_telegram.append(guardian.display_name)
            continue
        first = platforms[0] if platforms else None
        only_email = platforms and set(platforms) == {guardian_channels.EMAIL}
        result.invitees.append(
            Invitee(
                guardian.id,
                guardian.display_name,
                guardian.preferred_language,
                guardian.script,
                first,
                CONFIRM_EMAIL if only_email else LINK_TELEGRAM,
            )
        )
    return result


def params_for(plan: GroupPlan, invitee: Invitee) -> dict[str, object]:
    first_name = invitee.name.split(" ")[0]
    return {"school_name": plan.school_name, "first_name": first_name, "purpose": invitee.purpose}


def send(session: Session, plan: GroupPlan, now: datetime) -> int:
    """Queue one message for each guardian with an address; the same day's second run sends
    nothing new. Audited with the counts (never the names). Returns how many were queued."""
    queued = 0
    for invitee in plan.invitees:
        if invitee.channel is None:
            continue
        row = outbox.enqueue(
            session,
            school_id=plan.school_id,
            recipient_guardian_id=invitee.guardian_id,
            template=keys.PARENT_LINK_INVITATION,
            params=params_for(plan, invitee),
            dedupe_key=f"link_invitation:{invitee.guardian_id}:{now.date().isoformat()}",
            now=now,
        )
        queued += row is not None
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=None,
        action="invite.group",
        object_type="school",
        object_id=plan.school_id,
        school_id=plan.school_id,
        details={
            "group": plan.group,
            "email": len(plan.by(guardian_channels.EMAIL)),
            "sms": len(plan.by(guardian_channels.SMS)),
            "no_address": len(plan.by(None)),
            "on_telegram": len(plan.on_telegram),
            "queued": queued,
        },
    )
    return queued
