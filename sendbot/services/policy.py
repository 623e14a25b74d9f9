"""The one place that decides who may see or do what to which pupil's record.

Adapters and conversations never decide; services ask here.

Logging a concern (`reportable_pupils`): every active member of staff of a school, in any
role (the admin and other staff too: lunchtime, office, site and supply staff and
volunteers), about any pupil on roll in that school, because Keeping Children Safe in
Education asks every adult to act on a concern about any child. Reporting opens nothing
else: the search for the pupil shows their name, year group and class, and who may then
read the concern is decided by the rules for concerns below. Never a pupil of another
school, nor one who has left.

Finding a pupil to work with their record (`visible_pupils`):
- teacher: pupils in the classes they are attached to;
- teaching assistant: pupils in the classes they support and the interventions they deliver;
- SENCO, DSL, deputy DSL, headteacher: every pupil in their school, because overseeing
  concerns and provision for any child is part of their role;
- admin, other staff and the chair of governors: none; the admin keeps the roster, and
  none of them sees a child's record through the bot.

Other staff (lunchtime, office, site, supply, volunteers) log concerns and nothing else:
every other action below leaves them out.

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
- a leaving pupil's child protection file (flagging that one exists, recording it sent and
  its receipt confirmed): the DSL and deputies, for a pupil of their school on roll or
  left (`may_record_cp_file_transfer`).
- who is told a concern was logged (`new_concern_alert`): the DSL and deputies get the urgent
  alert for a safeguarding concern; the SENCO a notice of a concern that is not
  safeguarding. A SENCO who is not a lead is not told of safeguarding concerns: the DSL
  brings them in where the child's needs matter. A concern finishing a report whose
  reporter had already alerted the leads of immediate danger goes to the leads urgently
  even if it was saved as not safeguarding;
- adding an addendum to a concern (`may_add_to_concern`: a correction or something learnt
  later, with author and time; the record itself is never edited) and attaching a photo to
  it: whoever logged it, and the DSL and deputies of its school;
- a concern's photos (a written note, a body map) open for exactly those who may read the
  concern;
- a pupil's recent concerns looked at together (dates, areas, flags; no narrative): the DSL
  and deputies for any pupil, the SENCO where the pupil has SEND.
- closing a concern with a reason (the DSL's sign-off), and reopening a closed one: the DSL
  and deputies of its school (`may_close_concern`);
- a pupil's safeguarding chronology (every concern, decision, referral, chase, contact with
  an agency, meeting, closure), read or exported for a case conference or a transfer: the
  DSL and deputies of the pupil's school, for a pupil who has left too, since the file
  follows the child (`may_read_chronology`). Not the headteacher or the SENCO: they read
  the concerns the rules above open to them.

Unfinished reports (a safeguarding concern started and not saved, `ConcernDraft`):
- that one exists, who started it, when, about which pupil and which questions were
  answered (`may_see_unfinished_report`): the DSL and deputies of the school, as for the
  list of open safeguarding concerns, and never anyone else, the reporter included (they
  carry on in their own chat);
- what it says so far, the narrative (`may_read_unfinished_report`): whoever may read the
  details of a safeguarding concern about that pupil (the leads; the SENCO where the pupil
  has SEND). A draft not yet about a pupil: the leads only.

Concerns and allegations about adults working in the school (KCSIE Part four; the
`adult_concerns` service asks):
- reporting one (`may_report_about_adult`): every active member of staff of the school,
  whatever their role, about any member of staff of the same school (themselves included:
  KCSIE asks staff to self-refer), or about someone not on the roster typed by name;
- the case manager (`case_manager_ids`): the headteacher; the chair of governors (role
  `chair_of_governors`, imported with the roster) when the adult named is a headteacher.
  Never the adult named, whatever other role they hold (DSL, SENCO, deputy): an allegation
  is not a pupil concern and never reaches the pupil safeguarding alerts. With no case
  manager, nobody is told and the reporter is sent to the LADO;
- reading one (`may_read_adult_concern`): an allegation, the case manager alone; a
  low-level concern, the case manager and the DSL (not the deputies: the school's
  nominated person for low-level concerns is the DSL, and the fewer who know the better).
  The adult named never reads one about themselves, nor is told of it; neither is the
  person who reported it, once it is saved;
- recording that the LADO was consulted (`may_record_lado_consultation`): the case manager;
- the LADO consultation deadline (subject "adult_concern") is seen, reminded and marked
  done only by its owner, the case manager it was given to: never by role.

Deadlines (`deadlines_for`, `may_see_deadline_kind`): safeguarding deadlines (a referral's
follow-up, the local authority's reply, a leaving pupil's child protection file) only to
the DSL and deputies; a pupil's other deadlines to those who may read that pupil's SEND
record and to their owner; the school's own to the SENCO and headteacher. The Home tab, the
digests and "what's due" all ask here.

Answering a parent's message: the SENCO, the headteacher and the staff attached to the
child's class (teacher or TA); `reply_refusal` says why not, before the Reply form opens.

Parents and carers (`GuardianActor`): only their own linked children (`GuardianPupil`) in
the school that holds their record, and only where they hold parental responsibility for
the child or the school has recorded a decision to share with them (`shared_at`, set by
`sendbot guardian share`, audited with who decided); only invitations addressed to them; no
staff action. A parent's one-tap web link (`may_open_parent_link`) opens only by the same
rule, asked again on every use: a link for a guardian who was deactivated, lost parental
responsibility, or whose child left, opens nothing and sends no new link. Inviting a parent or carer to the bot (`invite_refusal`): the SENCO or the
headteacher of their school (or the command line), and only a contact who may read a child
of the school by the rule above.

The staff web pages (`may_sign_in_to_web`, `Action.OPEN_CONCERN_PAGE`): any active member of
staff with a role may sign in (a one-time link to their own chat, or their school account);
signing in opens nothing by itself. A concern's page opens only for someone who may read the
concern by the rules above, asked again on every view; the DSL's list of open concerns only
for the leads. A teacher who signs in and opens a safeguarding concern is refused, and the
refusal is audited.

Nobody ever sees a pupil of another school. `decide` answers for any actor, action and
record id; `Action` is every question the policy knows and `SUBJECTS` the kind of record
each one is asked about. tests/test_permission_matrix.py generates its matrix from them, so
an action without a row of expected answers fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from sendbot.domain.people import SAFEGUARDING_LEADS, Role, SenStatus
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    AdultConcern,
    Concern,
    ConcernDraft,
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
    Staff,
    StaffRole,
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
    READ_CHRONOLOGY = "chronology.read"
    RECORD_CP_FILE_TRANSFER = "cp_file.transfer"
    # Subject: a concern id.
    READ_CONCERN = "concern.read"
    ACKNOWLEDGE_CONCERN = "concern.acknowledge"
    HEAR_OF_CONCERN = "concern.alert"
    RECORD_REFERRAL_STEP = "concern.referral_step"
    OPEN_CONCERN_PAGE = "web.concern_page"
    CLOSE_CONCERN = "concern.close"
    ADD_TO_CONCERN = "concern.add"
    # Subject: an unfinished report (a concern draft) id.
    SEE_UNFINISHED_REPORT = "concern_draft.see"
    READ_UNFINISHED_REPORT = "concern_draft.read"
    # Subject: a deadline id.
    READ_DEADLINE = "deadline.read"
    MARK_DEADLINE_DONE = "deadline.done"
    # Subject: a guardian id.
    INVITE_GUARDIAN = "guardian.invite"
    # Subject: an intervention id.
    RECORD_SESSION = "session.record"
    # Subject: a parent's message id.
    REPLY_TO_PARENT = "parent_message.reply"
    # Subject: a member of staff (the adult a report would name).
    REPORT_ABOUT_ADULT = "adult_concern.create"
    # Subject: a concern or allegation about an adult.
    READ_ADULT_CONCERN = "adult_concern.read"
    RECORD_LADO_CONSULTATION = "adult_concern.lado"
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
        Action.READ_CHRONOLOGY,
        Action.RECORD_CP_FILE_TRANSFER,
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
    Action.OPEN_CONCERN_PAGE: "concern",
    Action.CLOSE_CONCERN: "concern",
    Action.ADD_TO_CONCERN: "concern",
    Action.SEE_UNFINISHED_REPORT: "draft",
    Action.READ_UNFINISHED_REPORT: "draft",
    Action.READ_DEADLINE: "deadline",
    Action.MARK_DEADLINE_DONE: "deadline",
    Action.INVITE_GUARDIAN: "guardian",
    Action.RECORD_SESSION: "intervention",
    Action.REPLY_TO_PARENT: "message",
    Action.ANSWER_INVITATION: "invitation",
    Action.REPORT_ABOUT_ADULT: "staff",
    Action.READ_ADULT_CONCERN: "adult_concern",
    Action.RECORD_LADO_CONSULTATION: "adult_concern",
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
    Action.LOG_CONCERN: (
        "That pupil is not on roll at your school now, so a concern about them cannot be "
        "logged here. If you are worried about a child, tell the designated safeguarding "
        "lead (DSL) in person today."
    ),
}
DEFAULT_REFUSAL = "You can only do that for pupils you teach or support."


class PermissionDenied(Exception):
    """Raised by services; the message is safe to show to the person who asked. `audit`,
    when given, is the event that records the refusal (`audit.record`'s keyword arguments):
    whoever catches it writes it after rolling back what was refused, so it is kept."""

    def __init__(self, message: str = "", audit: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.audit = audit


def reportable_pupils(actor: StaffActor) -> Select[Pupil]:
    """The pupils this actor may log a concern about: every pupil on roll in their school,
    for every member of staff with a role (reporting reads nothing of the pupil's record)."""
    query = select(Pupil).where(Pupil.school_id == actor.school_id, Pupil.active)
    return query if actor.roles else query.where(Pupil.id.is_(None))


def visible_pupils(actor: StaffActor) -> Select[Pupil]:
    """The pupils this actor may find to work with their record, as a query."""
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
    if action is Action.LOG_CONCERN:
        return reportable_pupils(actor)
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
    if action is Action.FIND_PUPIL:
        return can_see_pupil(session, actor, pupil_id)
    if action is Action.LOG_CONCERN:
        return can_see_pupil(session, actor, pupil_id, action)
    if action is Action.READ_SAFEGUARDING:
        return bool(actor.roles & SAFEGUARDING_LEADS) and can_see_pupil(session, actor, pupil_id)
    if action in (Action.READ_SEND_RECORD, Action.MANAGE_SEND, Action.RECORD_EHC_STEP):
        return can_see_pupil(session, actor, pupil_id, action)
    if action is Action.REVIEW_CONCERNS:
        return may_review_concerns_together(session, actor, pupil_id)
    if action is Action.READ_CHRONOLOGY:
        pupil = session.get(Pupil, pupil_id)
        return pupil is not None and may_read_chronology(actor, pupil)
    if action is Action.RECORD_CP_FILE_TRANSFER:
        pupil = session.get(Pupil, pupil_id)
        return pupil is not None and may_record_cp_file_transfer(actor, pupil)
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


def may_read_chronology(actor: Actor, pupil: Pupil) -> bool:
    """A pupil's safeguarding chronology: the DSL and deputies of the pupil's school, the
    pupil on roll or not (the file moves with a child who leaves)."""
    return _lead_of(actor, pupil.school_id)


def may_record_cp_file_transfer(actor: Actor, pupil: Pupil) -> bool:
    """A leaving pupil's child protection file (flag it, sent, receipt confirmed): the DSL
    and deputies of the pupil's school, on roll or left, since the file follows the child."""
    return _lead_of(actor, pupil.school_id)


def _lead_of(actor: Actor, school_id: int) -> bool:
    """The DSL or a deputy of this school."""
    return (
        isinstance(actor, StaffActor)
        and actor.school_id == school_id
        and bool(actor.roles & SAFEGUARDING_LEADS)
    )


def may_close_concern(actor: Actor, concern: Concern) -> bool:
    """Signing a concern off as closed, or reopening it: the DSL and deputies of its school."""
    return _lead_of(actor, concern.school_id)


def may_list_safeguarding(actor: Actor) -> bool:
    """The DSL's list of open safeguarding concerns (it names no narrative, but still)."""
    return isinstance(actor, StaffActor) and bool(actor.roles & SAFEGUARDING_LEADS)


def may_sign_in_to_web(session: Session, actor: Actor) -> bool:
    """The staff web pages: an active member of staff with a role, in their own school."""
    if not isinstance(actor, StaffActor) or not actor.roles:
        return False
    staff = session.get(Staff, actor.staff_id)
    return staff is not None and staff.active and staff.school_id == actor.school_id


def may_open_concern_page(session: Session, actor: Actor, concern: Concern, pupil: Pupil) -> bool:
    """A concern's web page: whoever may read the concern, once signed in."""
    return may_sign_in_to_web(session, actor) and may_read_concern(actor, concern, pupil)


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


def may_see_unfinished_report(actor: Actor, draft: ConcernDraft) -> bool:
    """That a safeguarding report was started and not saved, by whom, when, about whom:
    the DSL and deputies of its school."""
    return (
        isinstance(actor, StaffActor)
        and draft.school_id == actor.school_id
        and bool(actor.roles & SAFEGUARDING_LEADS)
    )


def may_read_unfinished_report(session: Session, actor: Actor, draft: ConcernDraft) -> bool:
    """What an unfinished report says so far: as for a safeguarding concern's details."""
    if not isinstance(actor, StaffActor) or draft.school_id != actor.school_id:
        return False
    if actor.roles & SAFEGUARDING_LEADS:
        return True
    pupil = session.get(Pupil, draft.pupil_id) if draft.pupil_id is not None else None
    return (
        pupil is not None
        and pupil.school_id == actor.school_id
        and actor.has(Role.SENCO)
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


def new_concern_alert(
    actor: Actor, concern: Concern, alerted_early: bool = False
) -> ConcernAlert | None:
    """What this person is told of this new concern, if anything (services/concerns.py asks
    for each of the school's staff). `alerted_early`: its reporter had alerted the leads of
    immediate danger before saving; the leads then get its alert even if it was saved as
    not safeguarding, so the alert they had is never left without its report."""
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return None
    if alerted_early and actor.roles & SAFEGUARDING_LEADS:
        return ConcernAlert.URGENT
    return concern_alert_for_roles(actor.roles, concern.safeguarding)


# --- concerns about adults (KCSIE Part four) -----------------------------------------------

ADULT_CONCERN = "adult_concern"  # a deadline's subject type: the LADO consultation


def may_report_about_adult(session: Session, actor: Actor, staff_id: int | None) -> bool:
    """Every active member of staff, about any member of staff of their school (or, with
    `staff_id` None, someone not on the roster)."""
    if not isinstance(actor, StaffActor):
        return False
    if staff_id is None:
        return True
    adult = session.get(Staff, staff_id)
    return adult is not None and adult.school_id == actor.school_id and adult.active


def is_headteacher(session: Session, staff_id: int | None) -> bool:
    if staff_id is None:
        return False
    found = session.scalar(
        select(StaffRole.staff_id).where(
            StaffRole.staff_id == staff_id, StaffRole.role == Role.HEADTEACHER.value
        )
    )
    return found is not None


def case_manager_role(session: Session, subject_staff_id: int | None) -> Role:
    """The headteacher; the chair of governors when the adult named is a headteacher."""
    if is_headteacher(session, subject_staff_id):
        return Role.CHAIR_OF_GOVERNORS
    return Role.HEADTEACHER


def case_manager_ids(session: Session, school_id: int, subject_staff_id: int | None) -> list[int]:
    """Who a concern about this adult goes to, now: never the adult named."""
    role = case_manager_role(session, subject_staff_id)
    ids = session.scalars(
        select(Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.school_id == school_id, Staff.active, StaffRole.role == role.value)
        .distinct()
        .order_by(Staff.id)
    )
    return [i for i in ids if i != subject_staff_id]


def _is_subject(actor: StaffActor, concern: AdultConcern) -> bool:
    return concern.subject_staff_id is not None and concern.subject_staff_id == actor.staff_id


def is_case_manager(session: Session, actor: Actor, concern: AdultConcern) -> bool:
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return False
    if _is_subject(actor, concern):
        return False
    return actor.staff_id in case_manager_ids(session, concern.school_id, concern.subject_staff_id)


def may_read_adult_concern(session: Session, actor: Actor, concern: AdultConcern) -> bool:
    """An allegation: the case manager. A low-level concern: the case manager and the DSL.
    Never the adult named."""
    if not isinstance(actor, StaffActor) or concern.school_id != actor.school_id:
        return False
    if _is_subject(actor, concern):
        return False
    if concern.kind == "low_level" and actor.has(Role.DSL):
        return True
    return is_case_manager(session, actor, concern)


def may_record_lado_consultation(session: Session, actor: Actor, concern: AdultConcern) -> bool:
    return is_case_manager(session, actor, concern)


def adult_concerns_for(session: Session, actor: StaffActor) -> list[AdultConcern]:
    """The concerns about adults this actor may read, newest first."""
    rows = session.scalars(
        select(AdultConcern)
        .where(AdultConcern.school_id == actor.school_id)
        .order_by(AdultConcern.raised_at.desc(), AdultConcern.id.desc())
    )
    return [row for row in rows if may_read_adult_concern(session, actor, row)]


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
    adult = Deadline.subject_type == ADULT_CONCERN
    return select(Deadline).where(
        Deadline.school_id == actor.school_id,
        or_(
            and_(adult, Deadline.owner_staff_id == actor.staff_id),
            and_(~adult, safeguarding, leads),
            and_(~adult, ~safeguarding, others),
        ),
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
    if row.subject_type == ADULT_CONCERN:
        return False  # only the case manager it was given to
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


def may_open_parent_link(session: Session, guardian_id: int, pupil_id: int | None) -> bool:
    """A parent's one-tap link (services/parent_links.py) opens, and may ask for a new link,
    only while its guardian may still read the child it is about through their link to the
    child (`may_read_through_link`: active, parental responsibility or the school's recorded
    decision to share). A message whose row names no child needs a child they may read."""
    if pupil_id is not None:
        return is_own_child(session, guardian_id, pupil_id)
    query = own_children(guardian_id).with_only_columns(Pupil.id).limit(1)
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
    intervention, a parent's message, an invitation, an unfinished report, a member of staff
    or a concern about an adult."""
    if isinstance(actor, GuardianActor):
        return _decide_for_guardian(session, actor, action, subject_id)
    if action in PUPIL_ACTIONS:
        return allowed(session, actor, action, subject_id)
    if SUBJECTS[action] == "concern":
        return _decide_on_concern(session, actor, action, subject_id)
    if SUBJECTS[action] == "deadline":
        return _decide_on_deadline(session, actor, action, subject_id)
    if SUBJECTS[action] == "draft":
        return _decide_on_draft(session, actor, action, subject_id)
    if action is Action.INVITE_GUARDIAN:
        return invite_refusal(session, actor, subject_id) is None
    return _decide_on_other(session, actor, action, subject_id)


def _decide_on_other(session: Session, actor: StaffActor, action: Action, subject_id: int) -> bool:
    if action is Action.RECORD_SESSION:
        return can_record_session(session, actor, subject_id)
    if action is Action.REPLY_TO_PARENT:
        return reply_refusal(session, actor, subject_id) is None
    if action is Action.REPORT_ABOUT_ADULT:
        return may_report_about_adult(session, actor, subject_id)
    if SUBJECTS[action] == "adult_concern":
        return _decide_on_adult_concern(session, actor, action, subject_id)
    return False


def _decide_on_adult_concern(
    session: Session, actor: StaffActor, action: Action, concern_id: int
) -> bool:
    row = session.get(AdultConcern, concern_id)
    if row is None:
        return False
    if action is Action.READ_ADULT_CONCERN:
        return may_read_adult_concern(session, actor, row)
    return may_record_lado_consultation(session, actor, row)


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
    if action is Action.OPEN_CONCERN_PAGE:
        return may_open_concern_page(session, actor, concern, pupil)
    if action is Action.CLOSE_CONCERN:
        return may_close_concern(actor, concern)
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


def _decide_on_draft(session: Session, actor: StaffActor, action: Action, draft_id: int) -> bool:
    draft = session.get(ConcernDraft, draft_id)
    if draft is None:
        return False
    if action is Action.SEE_UNFINISHED_REPORT:
        return may_see_unfinished_report(actor, draft)
    return may_read_unfinished_report(session, actor, draft)
