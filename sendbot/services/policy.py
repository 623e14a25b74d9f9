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

Recording the steps of a pupil's EHC case (request, the local authority's decision, advice,
draft and final plan, amendment notice, re-assessment, mediation and appeal, exemptions):
the SENCO only, as for other changes to the SEND record. The dates start statutory
deadlines, so one person who knows the case keeps them; the headteacher reads them.

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
- who is told a concern was logged (`new_concern_alert`): the DSL and deputies get the urgent
  alert for a safeguarding concern; the SENCO a notice of a concern that is not
  safeguarding. A SENCO who is not a lead is not told of safeguarding concerns: the DSL
  brings them in where the child's needs matter;
- adding an addendum to a concern (`may_add_to_concern`: a correction or something learnt
  later, with author and time; the record itself is never edited) and attaching a photo to
  it: whoever logged it, and the DSL and deputies of its school;
- a concern's photos (a written note, a body map) open for exactly those who may read the
  concern;
- a pupil's recent concerns looked at together (dates, areas, flags; no narrative): the DSL
  and deputies for any pupil, the SENCO where the pupil has SEND.

Deadlines (`deadlines_for`, `may_see_deadline_kind`): safeguarding deadlines (a referral's
follow-up, the local authority's reply) only to the DSL and deputies; a pupil's other
deadlines to those who may read that pupil's SEND record and to their owner; the school's
own to the SENCO and headteacher. The Home tab, the digests and "what's due" all ask here.

Answering a parent's message: the SENCO, the headteacher and the staff attached to the
child's class (teacher or TA); `reply_refusal` says why not, before the Reply form opens.

Parents and carers (`GuardianActor`): only their own linked children (`GuardianPupil`) in
the school that holds their record, and only where they hold parental responsibility for
the child or the school has recorded a decision to share with them (`shared_at`, set by
`sendbot guardian share`, audited with who decided); only invitations addressed to them; no
staff action. Inviting a parent or carer to the bot (`invite_refusal`): the SENCO or the
headteacher of their school (or the command line), and only a contact who may read a child
of the school by the rule above.

Nobody ever sees a pupil of another school. `decide` answers for any actor, action and
record id; `Action` is every question the policy knows and `SUBJECTS` the kind of record
each one is asked about. tests/test_permission_matrix.py generates its matrix from them, so
an action without a row of expected answers fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role, SenStatus
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    Concern,
    Deadline,
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
    RECORD_EHC_STEP = "ehc_case.record"
    REVIEW_CONCERNS = "concerns.review_together"
    EXPORT_RECORD = "record.export"
    DECIDE_SAFEGUARDING_DISCLOSURE = "safeguarding.disclose"
    # Subject: a concern id.
    READ_CONCERN = "concern.read"
    ACKNOWLEDGE_CONCERN = "concern.acknowledge"
    HEAR_OF_CONCERN = "concern.alert"
    RECORD_REFERRAL_STEP = "concern.referral_step"
    ADD_TO_CONCERN = "concern.add"
    # Subject: a deadline id.
    READ_DEADLINE = "deadline.read"
    MARK_DEADLINE_DONE = "deadline.done"
    # Subject: a guardian id.
    INVITE_GUARDIAN = "guardian.invite"
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
        Action.RECORD_EHC_STEP,
        Action.REVIEW_CONCERNS,
        Action.EXPORT_RECORD,
        Action.DECIDE_SAFEGUARDING_DISCLOSURE,
        Action.READ_OWN_CHILD,
    }
)

# The kind of record each action is asked about: `decide`'s subject id names one of these.
SUBJECTS: dict[Action, str] = {
    **{action: "pupil" for action in PUPIL_ACTIONS},
    Action.READ_CONCERN: "concern",
    Action.ACKNOWLEDGE_CONCERN: "concern",
    Action.HEAR_OF_CONCERN: "concern",
    Action.RECORD_REFERRAL_STEP: "concern",
    Action.ADD_TO_CONCERN: "concern",
    Action.READ_DEADLINE: "deadline",
    Action.MARK_DEADLINE_DONE: "deadline",
    Action.INVITE_GUARDIAN: "guardian",
    Action.RECORD_SESSION: "intervention",
    Action.REPLY_TO_PARENT: "message",
    Action.ANSWER_INVITATION: "invitation",
}


@dataclass(frozen=True)
class GuardianActor:
    """A linked parent or carer: no roles, only the children linked to them."""

    guardian_id: int
    school_id: int


Actor = StaffActor | GuardianActor


REFUSALS: dict[Action, str] = {
    Action.MANAGE_SEND: "Only the SENCO can change plans, targets and levels of support.",
    Action.RECORD_EHC_STEP: "Only the SENCO can record the steps of an EHC case.",
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
    if action in (Action.MANAGE_SEND, Action.RECORD_EHC_STEP):
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
    if action in (Action.READ_SEND_RECORD, Action.MANAGE_SEND, Action.RECORD_EHC_STEP):
        return can_see_pupil(session, actor, pupil_id, action)
    if action is Action.REVIEW_CONCERNS:
        return may_review_concerns_together(session, actor, pupil_id)
    if action in (Action.EXPORT_RECORD, Action.DECIDE_SAFEGUARDING_DISCLOSURE):
        pupil = session.get(Pupil, pupil_id)
        return pupil is not None and (
            may_export(actor, pupil)
            if action is Action.EXPORT_RECORD
            else may_decide_safeguarding_disclosure(actor, pupil)
        )
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


def may_export(actor: StaffActor, pupil: Pupil) -> bool:
    """A pupil's whole record leaves sendbot with the headteacher, who answers subject access
    requests (or from the command line, whose user can read the database anyway). Narrower
    than reading: an export carries the whole record out of the system."""
    return actor.school_id == pupil.school_id and actor.has(Role.HEADTEACHER)


def may_export_safeguarding(actor: StaffActor) -> bool:
    """Safeguarding concerns leave in a transfer only with someone who may read them."""
    return bool(actor.roles & SAFEGUARDING_LEADS)


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


def may_record_referral_step(actor: Actor, concern: Concern) -> bool:
    """A referral to children's social care, the local authority's reply, a chase (the
    scheduler's follow-up buttons): the DSL and deputies of the concern's school."""
    return (
        isinstance(actor, StaffActor)
        and concern.school_id == actor.school_id
        and bool(actor.roles & SAFEGUARDING_LEADS)
    )


def may_add_to_concern(actor: Actor, concern: Concern) -> bool:
    """An addendum or a photo: the person who logged the concern, and the DSL and deputies
    of its school. Nobody edits the record itself."""
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return False
    return concern.raised_by_id == actor.staff_id or bool(actor.roles & SAFEGUARDING_LEADS)


def may_review_concerns_together(session: Session, actor: Actor, pupil_id: int) -> bool:
    """A pupil's recent concerns side by side (the cumulative-concern prompt's button): the
    leads for any pupil of their school; the SENCO where the pupil has SEND, as for reading
    a safeguarding concern. Each concern's details are re-asked when opened."""
    if not isinstance(actor, StaffActor):
        return False
    if actor.roles & SAFEGUARDING_LEADS:
        return can_see_pupil(session, actor, pupil_id)
    if not actor.has(Role.SENCO):
        return False
    pupil = session.get(Pupil, pupil_id)
    return (
        pupil is not None
        and pupil.school_id == actor.school_id
        and pupil.active
        and _has_send(pupil)
    )


class ConcernAlert(StrEnum):
    """What a member of staff is told when a concern is logged."""

    URGENT = "urgent"  # the content-free safeguarding alert, with Acknowledge
    NOTICE = "notice"  # a new concern that is not safeguarding, for the SENCO to look at


def concern_alert_for_roles(roles: frozenset[Role], safeguarding: bool) -> ConcernAlert | None:
    """By role alone (the digests are written for a role): the leads hear of safeguarding
    concerns, the SENCO of the others; a SENCO who is not a lead never of a safeguarding one."""
    if safeguarding:
        return ConcernAlert.URGENT if roles & SAFEGUARDING_LEADS else None
    return ConcernAlert.NOTICE if Role.SENCO in roles else None


def new_concern_alert(actor: Actor, concern: Concern) -> ConcernAlert | None:
    """What this person is told of this new concern, if anything (services/concerns.py asks
    for each of the school's staff)."""
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return None
    return concern_alert_for_roles(actor.roles, concern.safeguarding)


# --- deadlines -----------------------------------------------------------------------------

SAFEGUARDING_DEADLINE = "safeguarding."


def is_safeguarding_deadline(kind: str, subject_type: str = "") -> bool:
    """A safeguarding deadline: it is about a concern, so it says a child was referred."""
    return kind.startswith(SAFEGUARDING_DEADLINE) or subject_type == "concern"


def safeguarding_deadline() -> ColumnElement[bool]:
    """`is_safeguarding_deadline`, as a condition on the deadline table."""
    return or_(Deadline.kind.like(SAFEGUARDING_DEADLINE + "%"), Deadline.subject_type == "concern")


def may_see_deadline_kind(roles: frozenset[Role], kind: str, subject_type: str = "") -> bool:
    """By kind alone, before any pupil's scope: safeguarding deadlines only for the leads."""
    if is_safeguarding_deadline(kind, subject_type):
        return bool(roles & SAFEGUARDING_LEADS)
    return True


def deadlines_for(actor: StaffActor) -> Select[Deadline]:
    """The deadlines this actor may see, as a query: safeguarding ones for the leads; a
    pupil's others for whoever may read the pupil's SEND record, and for their owner (by
    name or by role, as the SENCO owns a reintegration review); the school's own (no
    pupil) for the SENCO and headteacher."""
    safeguarding = safeguarding_deadline()
    leads = true() if actor.roles & SAFEGUARDING_LEADS else false()
    school_wide = true() if actor.has(Role.SENCO, Role.HEADTEACHER) else false()
    readable = send_record_pupils(actor).with_only_columns(Pupil.id).correlate(None)
    others = or_(
        Deadline.pupil_id.in_(readable),
        and_(Deadline.pupil_id.is_(None), school_wide),
        Deadline.owner_staff_id == actor.staff_id,
        Deadline.owner_role.in_([role.value for role in actor.roles]),
    )
    return select(Deadline).where(
        Deadline.school_id == actor.school_id,
        or_(and_(safeguarding, leads), and_(~safeguarding, others)),
    )


def may_see_deadline(session: Session, actor: Actor, deadline_id: int) -> bool:
    if not isinstance(actor, StaffActor):
        return False
    query = deadlines_for(actor).where(Deadline.id == deadline_id).with_only_columns(Deadline.id)
    return session.scalar(query) is not None


def may_mark_deadline_done(actor: Actor, row: Deadline) -> bool:
    """A reminder's Done button: its named owner; for a safeguarding deadline the leads; for
    one the DSL owns, the leads; otherwise the SENCO and headteacher."""
    if not isinstance(actor, StaffActor) or row.school_id != actor.school_id:
        return False
    if row.owner_staff_id == actor.staff_id:
        return True
    if is_safeguarding_deadline(row.kind, row.subject_type) or row.owner_role == Role.DSL.value:
        return bool(actor.roles & SAFEGUARDING_LEADS)
    return actor.has(Role.SENCO, Role.HEADTEACHER)


# --- parents -------------------------------------------------------------------------------


def may_read_through_link() -> ColumnElement[bool]:
    """A link between a contact and a child that opens the child's record to the contact:
    parental responsibility, or the school's recorded decision to share with them."""
    return or_(
        GuardianPupil.parental_responsibility.is_(True), GuardianPupil.shared_at.is_not(None)
    )


def own_children(guardian_id: int) -> Select[Pupil]:
    """A guardian's linked, active children in the school that holds the guardian's record,
    where they hold parental responsibility or the school has decided to share."""
    return (
        select(Pupil)
        .join(GuardianPupil, GuardianPupil.pupil_id == Pupil.id)
        .join(Guardian, Guardian.id == GuardianPupil.guardian_id)
        .where(
            GuardianPupil.guardian_id == guardian_id,
            may_read_through_link(),
            Guardian.active,
            Pupil.active,
            Pupil.school_id == Guardian.school_id,
        )
    )


def is_own_child(session: Session, guardian_id: int, pupil_id: int) -> bool:
    query = own_children(guardian_id).where(Pupil.id == pupil_id).with_only_columns(Pupil.id)
    return session.scalar(query) is not None


def may_answer_invitation(session: Session, guardian_id: int, invitation: Invitation) -> bool:
    """Their own invitation, to a meeting about their own child, in their school."""
    if invitation.guardian_id != guardian_id:
        return False
    meeting = session.get(Meeting, invitation.meeting_id)
    guardian = session.get(Guardian, guardian_id)
    if meeting is None or guardian is None or guardian.school_id != meeting.school_id:
        return False
    return is_own_child(session, guardian_id, meeting.pupil_id)


INVITERS = frozenset({Role.SENCO, Role.HEADTEACHER})
NOT_AN_INVITER = "Only the SENCO can invite parents and carers."
NO_SUCH_CONTACT = "There is no current parent or carer with that number."
SHARE_DECIDERS = frozenset({Role.SENCO, Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL})


def share_decision_refusal(actor: StaffActor, guardian: Guardian) -> str | None:
    """Who may decide that a contact without parental responsibility sees a child's record:
    the SENCO, the headteacher, the DSL or a deputy of the child's school."""
    if actor.school_id != guardian.school_id:
        return "Name a current member of staff of this school who made the decision."
    if not actor.roles & SHARE_DECIDERS:
        return (
            f"{actor.name} cannot make this decision: it is for the SENCO, the headteacher "
            "or the DSL."
        )
    return None


def invite_refusal(session: Session, actor: Actor | None, guardian_id: int) -> str | None:
    """Why this parent or carer may not be invited to sendbot by this person (`actor` None:
    the school admin's command line), or None when they may. Only a contact who could read a
    child's record once linked is invited: parental responsibility or the school's recorded
    decision to share."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None or not guardian.active:
        return NO_SUCH_CONTACT
    if actor is not None and not (
        isinstance(actor, StaffActor)
        and actor.school_id == guardian.school_id
        and actor.roles & INVITERS
    ):
        return NOT_AN_INVITER
    if session.scalar(own_children(guardian.id).with_only_columns(Pupil.id).limit(1)) is None:
        return (
            f"{guardian.display_name} does not have parental responsibility for a child at "
            "this school, so sendbot cannot invite them to see a child's record. If the school "
            "has decided to share with them, the school admin can record that decision, and "
            "who made it, with `sendbot guardian share`; then invite them again."
        )
    return None


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
    """May this actor do this action to this record? The record is named by its id, of the
    kind `SUBJECTS` gives for the action: a pupil, a concern, a deadline, a guardian, an
    intervention, a parent's message or an invitation."""
    if isinstance(actor, GuardianActor):
        return _decide_for_guardian(session, actor, action, subject_id)
    if action in PUPIL_ACTIONS:
        return allowed(session, actor, action, subject_id)
    if SUBJECTS[action] == "concern":
        return _decide_on_concern(session, actor, action, subject_id)
    if SUBJECTS[action] == "deadline":
        return _decide_on_deadline(session, actor, action, subject_id)
    if action is Action.INVITE_GUARDIAN:
        return invite_refusal(session, actor, subject_id) is None
    if action is Action.RECORD_SESSION:
        return can_record_session(session, actor, subject_id)
    if action is Action.REPLY_TO_PARENT:
        return reply_refusal(session, actor, subject_id) is None
    return False


def _decide_for_guardian(
    session: Session, actor: GuardianActor, action: Action, subject_id: int
) -> bool:
    if action is Action.READ_OWN_CHILD:
        return is_own_child(session, actor.guardian_id, subject_id)
    if action is Action.ANSWER_INVITATION:
        invitation = session.get(Invitation, subject_id)
        return invitation is not None and may_answer_invitation(
            session, actor.guardian_id, invitation
        )
    return False


def _decide_on_concern(
    session: Session, actor: StaffActor, action: Action, concern_id: int
) -> bool:
    concern = session.get(Concern, concern_id)
    pupil = session.get(Pupil, concern.pupil_id) if concern else None
    if concern is None or pupil is None:
        return False
    if action is Action.READ_CONCERN:
        return may_read_concern(actor, concern, pupil)
    if action is Action.ACKNOWLEDGE_CONCERN:
        return may_acknowledge_concern(actor, concern)
    if action is Action.RECORD_REFERRAL_STEP:
        return may_record_referral_step(actor, concern)
    if action is Action.ADD_TO_CONCERN:
        return may_add_to_concern(actor, concern)
    return new_concern_alert(actor, concern) is not None


def _decide_on_deadline(
    session: Session, actor: StaffActor, action: Action, deadline_id: int
) -> bool:
    if action is Action.READ_DEADLINE:
        return may_see_deadline(session, actor, deadline_id)
    row = session.get(Deadline, deadline_id)
    return row is not None and may_mark_deadline_done(actor, row)
