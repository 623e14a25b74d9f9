"""The one place that decides who may see or do what to which pupil's record.

Adapters and conversations never decide; services ask here. First form (the privacy work
grows it into the full matrix):

- teacher: pupils in the classes they are attached to;
- teaching assistant: pupils in the classes they support and the interventions they deliver;
- SENCO, DSL, deputy DSL, headteacher: every pupil in their school, because raising and
  overseeing concerns about any child is part of their role;
- admin: keeps the roster, sees no child's record through the bot.

Nobody ever sees a pupil of another school.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role
from sendbot.services.actors import StaffActor
from sendbot.store.models import GroupStaff, Intervention, InterventionPupil, Pupil

WHOLE_SCHOOL = frozenset({Role.SENCO, Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER})


class Action(StrEnum):
    FIND_PUPIL = "pupil.find"
    LOG_CONCERN = "concern.create"
    READ_SAFEGUARDING = "safeguarding.read"


class PermissionDenied(Exception):
    """Raised by services; the message is safe to show to the person who asked."""


def visible_pupils(actor: StaffActor) -> Select[tuple[Pupil]]:
    """The pupils this actor may find and raise concerns about, as a query."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    if actor.roles & WHOLE_SCHOOL:
        return query
    if not actor.has(Role.TEACHER, Role.TA):
        return query.where(Pupil.id.is_(None))
    in_my_groups = select(GroupStaff.group_id).where(GroupStaff.staff_id == actor.staff_id)
    in_my_interventions = (
        select(InterventionPupil.pupil_id)
        .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
        .where(
            Intervention.delivered_by_id == actor.staff_id,
            Intervention.active,
            InterventionPupil.left_on.is_(None),
        )
    )
    return query.where(or_(Pupil.group_id.in_(in_my_groups), Pupil.id.in_(in_my_interventions)))


def can_see_pupil(session: Session, actor: StaffActor, pupil_id: int) -> bool:
    query = visible_pupils(actor).where(Pupil.id == pupil_id).with_only_columns(Pupil.id)
    return session.scalar(query) is not None


def allowed(session: Session, actor: StaffActor, action: Action, pupil_id: int) -> bool:
    if action in (Action.FIND_PUPIL, Action.LOG_CONCERN):
        return can_see_pupil(session, actor, pupil_id)
    if action is Action.READ_SAFEGUARDING:
        return bool(actor.roles & SAFEGUARDING_LEADS) and can_see_pupil(session, actor, pupil_id)
    return False


def require(session: Session, actor: StaffActor, action: Action, pupil_id: int) -> None:
    if not allowed(session, actor, action, pupil_id):
        raise PermissionDenied("You can only do that for pupils you teach or support.")
