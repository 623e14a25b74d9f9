"""What a tap on one of the scheduler's buttons does, for any platform's adapter to call.

`handle(session, actor, action_id, now)` returns the reply to show the person, or None when
the id is not one of ours. Every id is re-authorised here against the tapping person; the
id itself carries only a kind and a number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.needs import Area
from sendbot.domain.people import SAFEGUARDING_LEADS, Role
from sendbot.scheduling.renderers import REFERRAL_CHASED, REFERRAL_RESPONDED, REVIEW_PUPIL
from sendbot.services import audit, deadlines, escalation
from sendbot.services.actors import StaffActor
from sendbot.store.models import Concern, Pupil, School

KINDS = (deadlines.DONE_ACTION, REFERRAL_RESPONDED, REFERRAL_CHASED, REVIEW_PUPIL)


def handle(session: Session, actor: StaffActor, action_id: str, now: datetime) -> str | None:
    kind, _, number = action_id.partition(":")
    if kind not in KINDS:
        return None
    if not number.isdigit():
        return "That button is out of date. Please open sendbot again."
    ident = int(number)
    try:
        if kind == deadlines.DONE_ACTION:
            return deadlines.mark_done(session, actor, ident, now)
        if kind == REFERRAL_RESPONDED:
            escalation.record_la_response(session, actor, ident, now)
            return "Recorded: the local authority has replied. No more follow-up prompts for this referral."
        if kind == REFERRAL_CHASED:
            escalation.record_chase(session, actor, ident, now)
            return (
                "Recorded that you followed the referral up. If there is still no reply, "
                "I will ask again in 1 working day."
            )
        return _concerns_together(session, actor, ident, now)
    except escalation.NotAllowed as exc:
        return str(exc)
    except LookupError as exc:
        return str(exc.args[0]) if exc.args else "I can't find that."


def _concerns_together(session: Session, actor: StaffActor, pupil_id: int, now: datetime) -> str:
    """The dates and areas of a pupil's recent concerns, for the DSL and SENCO to look at
    together; the narratives stay behind each concern's own audited "View details"."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != actor.school_id:
        return "I can't find that pupil."
    if not (actor.roles & SAFEGUARDING_LEADS or actor.has(Role.SENCO)):
        return "Only the DSL, the deputies and the SENCO can look at these together."
    school = session.get(School, pupil.school_id)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(school.timezone if school else "Europe/London")
    rows = session.scalars(
        select(Concern)
        .where(Concern.pupil_id == pupil.id)
        .order_by(Concern.raised_at.desc())
        .limit(10)
    ).all()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concerns.review_together",
        object_type="pupil",
        object_id=pupil.id,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        details={"concerns": [c.id for c in rows]},
    )
    lines = [f"Recent concerns about {pupil.display_name} (Year {pupil.year_group}), newest first:"]
    for c in rows:
        try:
            area = Area(c.area).label
        except ValueError:
            area = c.area
        flag = ", safeguarding" if c.safeguarding else ""
        lines.append(
            f"#{c.id} {c.raised_at.astimezone(tz):%a %-d %b %H:%M}: {area}{flag} ({c.status})"
        )
    lines.append("Open each one with View details to read what was written.")
    return "\n".join(lines)
