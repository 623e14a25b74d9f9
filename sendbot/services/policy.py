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

Concerns (`may_read_concern`, `may_acknowledge_concern`; the safeguarding service asks):
- a safeguarding concern's details: the DSL and deputies; the SENCO where the pupil has SEND
  (the "close liaison" of Keeping Children Safe in Education); nobody else, the headteacher
  and the member of staff who logged it included;
- a concern that is not safeguarding: the leads, the SENCO, the headteacher and whoever
  logged it;
- acknowledging a safeguarding alert: the DSL and deputies; other concerns: the SENCO too;
- the list of open safeguarding concerns: the DSL and deputies;
- including safeguarding records in a subject access reply: the DSL or a deputy decides
  (`may_decide_safeguarding_disclosure`); without their decision they are left out.

Answering a parent's message: the SENCO, the headteacher and the staff attached to the
child's class (teacher or TA); `reply_refusal` says why not, before the Reply form opens.

Parents and carers (`GuardianActor`): only their own linked children (`GuardianPupil`) in
the school that holds their record, and only invitations addressed to them; no staff action.

Nobody ever sees a pupil of another school. `decide` answers for any actor, action and
record id, and tests/test_permission_matrix.py holds it to a table of every role and action.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role, SenStatus
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    Concern,
    GroupStaff,
    Guardian,
    GuardianPupil,
    Intervention,
    InterventionPupil,
    Invitation,
    Meeting,
    ParentMessage,
    Pupil,
)

WHOLE_SCHOOL = frozenset({Role.SENCO, Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER})
ANY_INTERVENTION = frozenset({Role.SENCO, Role.HEADTEACHER})


class Action(StrEnum):
    FIND_PUPIL = "pupil.find"
    LOG_CONCERN = "concern.create"
    READ_SAFEGUARDING = "safeguarding.read"
    READ_SEND_RECORD = "send_record.read"
    MANAGE_SEND = "send_record.manage"
    # Subject: a concern id.
    READ_CONCERN = "concern.read"
    ACKNOWLEDGE_CONCERN = "concern.acknowledge"
    # Subject: an intervention id.
    RECORD_SESSION = "session.record"
    # Subject: a parent's message id.
    REPLY_TO_PARENT = "parent_message.reply"
    # Parents. Subject: a pupil id / an invitation id.
    READ_OWN_CHILD = "child.read"
    ANSWER_INVITATION = "invitation.answer"


PUPIL_ACTIONS = frozenset(
    {
        Action.FIND_PUPIL,
        Action.LOG_CONCERN,
        Action.READ_SAFEGUARDING,
        Action.READ_SEND_RECORD,
        Action.MANAGE_SEND,
        Action.READ_OWN_CHILD,
    }
)


@dataclass(frozen=True)
class GuardianActor:
    """A linked parent or carer: no roles, only the children linked to them."""

    guardian_id: int
    school_id: int


Actor = StaffActor | GuardianActor


REFUSALS: dict[Action, str] = {
    Action.MANAGE_SEND: "Only the SENCO can change plans, targets and levels of support.",
}
DEFAULT_REFUSAL = "You can only do that for pupils you teach or support."


class PermissionDenied(Exception):
    """Raised by services; the message is safe to show to the person who asked."""


def visible_pupils(actor: StaffActor) -> Select[Pupil]:
    """The pupils this actor may find and raise concerns about, as a query."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    if actor.roles & WHOLE_SCHOOL:
        return query
    return query.where(taught_or_supported(actor))


def send_record_pupils(actor: StaffActor) -> Select[Pupil]:
    """The pupils whose plan, targets and provision this actor may read."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    if actor.has(Role.HEADTEACHER):
        return query
    if actor.has(Role.SENCO):
        return query.where(or_(Pupil.sen_status != "none", taught_or_supported(actor)))
    return query.where(taught_or_supported(actor))


def manageable_pupils(actor: StaffActor) -> Select[Pupil]:
    """The pupils whose SEND record this actor may change: all of the school's, for the SENCO."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    return query if actor.has(Role.SENCO) else query.where(Pupil.id.is_(None))


def pupils_for(actor: StaffActor, action: Action) -> Select[Pupil]:
    if action is Action.READ_SEND_RECORD:
        return send_record_pupils(actor)
    if action is Action.MANAGE_SEND:
        return manageable_pupils(actor)
    return visible_pupils(actor)


def may_manage_send(actor: StaffActor) -> bool:
    return actor.has(Role.SENCO)


def recordable_interventions(actor: StaffActor) -> Select[Intervention]:
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


def allowed(session: Session, actor: Actor, action: Action, pupil_id: int) -> bool:
    """The pupil actions: may this actor do this to this pupil's record?"""
    if isinstance(actor, GuardianActor):
        return action is Action.READ_OWN_CHILD and is_own_child(
            session, actor.guardian_id, pupil_id
        )
    if action in (Action.FIND_PUPIL, Action.LOG_CONCERN):
        return can_see_pupil(session, actor, pupil_id)
    if action is Action.READ_SAFEGUARDING:
        return bool(actor.roles & SAFEGUARDING_LEADS) and can_see_pupil(session, actor, pupil_id)
    if action in (Action.READ_SEND_RECORD, Action.MANAGE_SEND):
        return can_see_pupil(session, actor, pupil_id, action)
    return False


def require(session: Session, actor: Actor, action: Action, pupil_id: int) -> None:
    if not allowed(session, actor, action, pupil_id):
        raise PermissionDenied(REFUSALS.get(action, DEFAULT_REFUSAL))


# --- concerns ------------------------------------------------------------------------------


def _has_send(pupil: Pupil) -> bool:
    try:
        return SenStatus(pupil.sen_status).has_send
    except ValueError:
        return False


def may_read_concern(actor: Actor, concern: Concern, pupil: Pupil) -> bool:
    """Safeguarding details: leads; the SENCO where the pupil has SEND. Others: SEND staff."""
    if not isinstance(actor, StaffActor):
        return False
    if concern.school_id != actor.school_id or pupil.school_id != actor.school_id:
        return False
    if actor.roles & SAFEGUARDING_LEADS:
        return True
    if concern.safeguarding:
        return actor.has(Role.SENCO) and _has_send(pupil)
    return actor.has(Role.SENCO, Role.HEADTEACHER) or concern.raised_by_id == actor.staff_id


def may_acknowledge_concern(actor: Actor, concern: Concern) -> bool:
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return False
    if concern.safeguarding:
        return bool(actor.roles & SAFEGUARDING_LEADS)
    return actor.has(Role.SENCO) or bool(actor.roles & SAFEGUARDING_LEADS)


def may_decide_safeguarding_disclosure(decider: Actor, pupil: Pupil) -> bool:
    """Whether a subject access reply includes safeguarding records is for the DSL or a
    deputy of the child's school to decide: they weigh what disclosure could cause."""
    return (
        isinstance(decider, StaffActor)
        and decider.school_id == pupil.school_id
        and bool(decider.roles & SAFEGUARDING_LEADS)
    )


def may_list_safeguarding(actor: Actor) -> bool:
    """The DSL's list of open safeguarding concerns (it names no narrative, but still)."""
    return isinstance(actor, StaffActor) and bool(actor.roles & SAFEGUARDING_LEADS)


# --- parents -------------------------------------------------------------------------------


def own_children(guardian_id: int) -> Select[Pupil]:
    """A guardian's linked, active children in the school that holds the guardian's record."""
    return (
        select(Pupil)
        .join(GuardianPupil, GuardianPupil.pupil_id == Pupil.id)
        .join(Guardian, Guardian.id == GuardianPupil.guardian_id)
        .where(
            GuardianPupil.guardian_id == guardian_id,
            Pupil.active,
            Pupil.school_id == Guardian.school_id,
        )
    )


def is_own_child(session: Session, guardian_id: int, pupil_id: int) -> bool:
    query = own_children(guardian_id).where(Pupil.id == pupil_id).with_only_columns(Pupil.id)
    return session.scalar(query) is not None


def may_answer_invitation(session: Session, guardian_id: int, invitation: Invitation) -> bool:
    """Their own invitation, to a meeting about their own linked child, in their school."""
    if invitation.guardian_id != guardian_id:
        return False
    meeting = session.get(Meeting, invitation.meeting_id)
    guardian = session.get(Guardian, guardian_id)
    if meeting is None or guardian is None or guardian.school_id != meeting.school_id:
        return False
    linked = session.scalar(
        select(GuardianPupil.pupil_id).where(
            GuardianPupil.guardian_id == guardian_id, GuardianPupil.pupil_id == meeting.pupil_id
        )
    )
    return linked is not None


def may_reply_to_parent(session: Session, actor: Actor, message: ParentMessage) -> bool:
    """The SENCO, the headteacher, or staff of the class of the child the message is about."""
    if not isinstance(actor, StaffActor) or message.school_id != actor.school_id:
        return False
    if message.direction != "in":
        return False
    if actor.roles & {Role.SENCO, Role.HEADTEACHER}:
        return True
    if message.pupil_id is None:
        return False
    teaches = session.scalar(
        select(GroupStaff.staff_id)
        .join(Pupil, Pupil.group_id == GroupStaff.group_id)
        .where(Pupil.id == message.pupil_id, GroupStaff.staff_id == actor.staff_id)
    )
    return teaches is not None


OUT_OF_DATE = "That button is out of date, or it is not for you."
NOT_YOURS_TO_ANSWER = "Only the SENCO or the child's teacher can answer this message."


def reply_refusal(session: Session, actor: Actor, message_id: int | None) -> str | None:
    """Why this person may not answer this parent's message, asked before they type (the
    parents service asks again on sending); None when they may. `message_id` None is a
    button that named no message."""
    message = session.get(ParentMessage, message_id) if message_id is not None else None
    if message is None:
        return OUT_OF_DATE
    if not may_reply_to_parent(session, actor, message):
        return NOT_YOURS_TO_ANSWER
    return None


# --- the one entry point ---------------------------------------------------------------------


def decide(session: Session, actor: Actor, action: Action, subject_id: int) -> bool:
    """May this actor do this action to this record? The record is named by its id: a pupil
    for the pupil actions, a concern, an intervention, a parent's message or an invitation
    for the others (see `Action`)."""
    if isinstance(actor, GuardianActor):
        if action is Action.READ_OWN_CHILD:
            return is_own_child(session, actor.guardian_id, subject_id)
        if action is Action.ANSWER_INVITATION:
            invitation = session.get(Invitation, subject_id)
            return invitation is not None and may_answer_invitation(
                session, actor.guardian_id, invitation
            )
        return False
    if action in PUPIL_ACTIONS:
        return allowed(session, actor, action, subject_id)
    if action in (Action.READ_CONCERN, Action.ACKNOWLEDGE_CONCERN):
        concern = session.get(Concern, subject_id)
        pupil = session.get(Pupil, concern.pupil_id) if concern else None
        if concern is None or pupil is None:
            return False
        if action is Action.READ_CONCERN:
            return may_read_concern(actor, concern, pupil)
        return may_acknowledge_concern(actor, concern)
    if action is Action.RECORD_SESSION:
        return can_record_session(session, actor, subject_id)
    if action is Action.REPLY_TO_PARENT:
        return reply_refusal(session, actor, subject_id) is None
    return False
