"""The one place that decides who may see or do what to which pupil's record.

Adapters and conversations never decide; services ask here.

Finding a pupil and logging a concern (`visible_pupils`):
- teacher: pupils in the classes they are attached to;
- teaching assistant: pupils in the classes they support and the interventions they deliver;
- SENCO, DSL, deputy DSL, headteacher: every pupil in their school, because raising and
  overseeing concerns about any child is part of their role;
- admin: keeps the roster, sees no child's record through the bot.

A pupil's SEND record: plan, targets, progress, interventions (`send_record_pupils`):
- teacher and TA: as above (their classes; a TA's and a teacher's interventions too);
- SENCO: every pupil with SEND in the school (any level but none), besides their own classes;
- headteacher: every pupil in the school;
- DSL and deputies: only through a teaching role, if they have one.

Changing SEND records (plans, targets, reviews, levels, interventions): the SENCO only, for
any pupil of their school (they decide who joins the SEN register).

Recording an intervention session: the person who delivers it; the SENCO and headteacher
for any intervention in their school.

Nobody ever sees a pupil of another school.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role
from sendbot.services.actors import StaffActor
from sendbot.store.models import GroupStaff, Intervention, InterventionPupil, Pupil

WHOLE_SCHOOL = frozenset({Role.SENCO, Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER})
ANY_INTERVENTION = frozenset({Role.SENCO, Role.HEADTEACHER})


class Action(StrEnum):
    FIND_PUPIL = "pupil.find"
    LOG_CONCERN = "concern.create"
    READ_SAFEGUARDING = "safeguarding.read"
    READ_SEND_RECORD = "send_record.read"
    MANAGE_SEND = "send_record.manage"


REFUSALS: dict[Action, str] = {
    Action.MANAGE_SEND: "Only the SENCO can change plans, targets and levels of support.",
}
DEFAULT_REFUSAL = "You can only do that for pupils you teach or support."


class PermissionDenied(Exception):
    """Raised by services; the message is safe to show to the person who asked."""


def visible_pupils(actor: StaffActor) -> Select[tuple[Pupil]]:
    """The pupils this actor may find and raise concerns about, as a query."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    if actor.roles & WHOLE_SCHOOL:
        return query
    return query.where(taught_or_supported(actor))


def send_record_pupils(actor: StaffActor) -> Select[tuple[Pupil]]:
    """The pupils whose plan, targets and provision this actor may read."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    if actor.has(Role.HEADTEACHER):
        return query
    if actor.has(Role.SENCO):
        return query.where(or_(Pupil.sen_status != "none", taught_or_supported(actor)))
    return query.where(taught_or_supported(actor))


def manageable_pupils(actor: StaffActor) -> Select[tuple[Pupil]]:
    """The pupils whose SEND record this actor may change: all of the school's, for the SENCO."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    return query if actor.has(Role.SENCO) else query.where(Pupil.id.is_(None))


def pupils_for(actor: StaffActor, action: Action) -> Select[tuple[Pupil]]:
    if action is Action.READ_SEND_RECORD:
        return send_record_pupils(actor)
    if action is Action.MANAGE_SEND:
        return manageable_pupils(actor)
    return visible_pupils(actor)


def may_manage_send(actor: StaffActor) -> bool:
    return actor.has(Role.SENCO)


def recordable_interventions(actor: StaffActor) -> Select[tuple[Intervention]]:
    """Interventions this actor may record sessions for: their own, or all for SENCO/head."""
    query = select(Intervention).where(
        Intervention.school_id == actor.school_id, Intervention.active
    )
    if actor.roles & ANY_INTERVENTION:
        return query
    return query.where(Intervention.delivered_by_id == actor.staff_id)


def can_record_session(session: Session, actor: StaffActor, intervention_id: int) -> bool:
    query = (
        recordable_interventions(actor)
        .where(Intervention.id == intervention_id)
        .with_only_columns(Intervention.id)
    )
    return session.scalar(query) is not None


def require_session_recording(session: Session, actor: StaffActor, intervention_id: int) -> None:
    if not can_record_session(session, actor, intervention_id):
        raise PermissionDenied("You can only record sessions of interventions you deliver.")


def taught_or_supported(actor: StaffActor) -> ColumnElement[bool]:
    """Pupils in the actor's classes or in the interventions they deliver."""
    if not actor.has(Role.TEACHER, Role.TA, Role.SENCO):
        return Pupil.id.is_(None)
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
    return or_(Pupil.group_id.in_(in_my_groups), Pupil.id.in_(in_my_interventions))


def can_see_pupil(
    session: Session, actor: StaffActor, pupil_id: int, action: Action = Action.FIND_PUPIL
) -> bool:
    query = pupils_for(actor, action).where(Pupil.id == pupil_id).with_only_columns(Pupil.id)
    return session.scalar(query) is not None


def allowed(session: Session, actor: StaffActor, action: Action, pupil_id: int) -> bool:
    if action in (Action.FIND_PUPIL, Action.LOG_CONCERN):
        return can_see_pupil(session, actor, pupil_id)
    if action is Action.READ_SAFEGUARDING:
        return bool(actor.roles & SAFEGUARDING_LEADS) and can_see_pupil(session, actor, pupil_id)
    if action in (Action.READ_SEND_RECORD, Action.MANAGE_SEND):
        return can_see_pupil(session, actor, pupil_id, action)
    return False


def require(session: Session, actor: StaffActor, action: Action, pupil_id: int) -> None:
    if not allowed(session, actor, action, pupil_id):
        raise PermissionDenied(REFUSALS.get(action, DEFAULT_REFUSAL))
