"""Everything held about one pupil, gathered for a subject access request or a school move.

The gathering lives here, not in the command line, so a later "export" button in chat gets
the same contents, the same permission check and the same audit event. Rendering is pure
(JSON text and a self-contained HTML page with every value escaped), so the caller decides
where the files go.
"""

from __future__ import annotations

import getpass
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.services import action_ids, audit, policy
from sendbot.services.actors import StaffActor, staff_actor_by_id
from sendbot.services.policy import Action, PermissionDenied
from sendbot.store.models import (
    AuditEvent,
    Concern,
    ConcernAction,
    ConcernAttachment,
    Deadline,
    EhcCase,
    Exemption,
    Guardian,
    GuardianPupil,
    Intervention,
    InterventionPupil,
    InterventionSession,
    Invitation,
    Meeting,
    ParentMessage,
    PlanReview,
    Pupil,
    School,
    SenStatusChange,
    SessionAttendance,
    Staff,
    SupportPlan,
    Target,
    TargetProgress,
)

FORMAT = "sendbot pupil record, version 1"
PURPOSES = ("subject-access", "transfer", "other")
Purpose = Literal["subject-access", "transfer", "other"]


def is_purpose(text: str) -> TypeGuard[Purpose]:
    """True for one of PURPOSES: a typed check of what a person typed."""
    return text in PURPOSES


@dataclass(frozen=True)
class CliActor:
    """Someone at the school's server with the command line: they can read the database
    anyway, so they may export, but the audit log still names the login they used."""

    operator: str

    @classmethod
    def current(cls) -> CliActor:
        try:
            return cls(getpass.getuser())
        except (KeyError, OSError):
            return cls("unknown")


Requester = StaffActor | CliActor


def audit_actor(actor: Requester) -> tuple[str, int | None, dict[str, Any]]:
    """(actor_kind, actor_id, extra details) for the audit log."""
    if isinstance(actor, CliActor):
        return "cli", None, {"operator": actor.operator}
    return "staff", actor.staff_id, {}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Names:
    """Staff and guardian names by id, loaded once, so a record reads as people not numbers."""

    def __init__(self, session: Session, school_id: int) -> None:
        self.staff = {
            s.id: s.display_name
            for s in session.scalars(select(Staff).where(Staff.school_id == school_id))
        }
        self.guardians = {
            g.id: g.display_name
            for g in session.scalars(select(Guardian).where(Guardian.school_id == school_id))
        }

    def person(self, staff_id: int | None) -> str | None:
        if staff_id is None:
            return None
        return self.staff.get(staff_id, f"staff #{staff_id}")

    def guardian(self, guardian_id: int | None) -> str | None:
        if guardian_id is None:
            return None
        return self.guardians.get(guardian_id, f"parent/carer #{guardian_id}")


def _concerns(
    session: Session, pupil_id: int, names: _Names, include_safeguarding: bool
) -> tuple[list[dict[str, Any]], list[int]]:
    """The concerns that go out, and the ids of the safeguarding concerns left out."""
    found: list[dict[str, Any]] = []
    left_out: list[int] = []
    query = select(Concern).where(Concern.pupil_id == pupil_id).order_by(Concern.raised_at)
    for concern in session.scalars(query):
        if concern.safeguarding and not include_safeguarding:
            left_out.append(concern.id)
            continue
        actions = session.scalars(
            select(ConcernAction)
            .where(ConcernAction.concern_id == concern.id)
            .order_by(ConcernAction.at, ConcernAction.id)
        )
        found.append(
            {
                "id": concern.id,
                "raised_at": _iso(concern.raised_at),
                "raised_by": names.person(concern.raised_by_id),
                "area": concern.area,
                "source": concern.source,
                "safeguarding": concern.safeguarding,
                "immediate_danger": concern.immediate_danger,
                "triage": concern.triage,
                "status": concern.status,
                "assigned_to": names.person(concern.assigned_to_id),
                "acknowledged_at": _iso(concern.acknowledged_at),
                "narrative": concern.narrative_text,
                "occurred_at": _iso(concern.occurred_at),
                "occurred_time_known": concern.occurred_time_known,
                "location": concern.location_text,
                "child_words": concern.child_words_text,
                "action_taken": concern.action_taken_text,
                "told": concern.told_text,
                "category": concern.category,
                "photos": _photos(session, concern.id, names),
                "actions": [
                    {
                        "at": _iso(a.at),
                        "kind": a.kind,
                        "by": names.person(a.actor_id),
                        "note": a.note_text,
                        "details": a.details,
                    }
                    for a in actions
                ],
            }
        )
    return found, left_out


def _photos(session: Session, concern_id: int, names: _Names) -> list[dict[str, Any]]:
    """What is known of a concern's photos: their type, size and SHA-256 (to check a copy
    against), who added them and when. The images themselves stay in sendbot."""
    rows = session.scalars(
        select(ConcernAttachment)
        .where(ConcernAttachment.concern_id == concern_id)
        .order_by(ConcernAttachment.id)
    )
    return [
        {
            "id": r.id,
            "content_type": r.content_type,
            "size": r.size,
            "sha256": r.sha256,
            "by": names.person(r.uploaded_by_id),
            "at": _iso(r.uploaded_at),
        }
        for r in rows
    ]


def _plans(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []
    query = select(SupportPlan).where(SupportPlan.pupil_id == pupil_id)
    for plan in session.scalars(query.order_by(SupportPlan.started_on, SupportPlan.id)):
        targets = []
        for target in session.scalars(
            select(Target).where(Target.plan_id == plan.id).order_by(Target.id)
        ):
            progress = session.scalars(
                select(TargetProgress)
                .where(TargetProgress.target_id == target.id)
                .order_by(TargetProgress.recorded_at, TargetProgress.id)
            )
            targets.append(
                {
                    "id": target.id,
                    "staff_wording": target.staff_wording,
                    "parent_wording": target.parent_wording,
                    "area": target.area,
                    "baseline": target.baseline,
                    "success_criteria": target.success_criteria,
                    "due_on": _iso(target.due_on),
                    "status": target.status,
                    "closed_note": target.closed_note_text,
                    "closed_at": _iso(target.closed_at),
                    "progress": [
                        {
                            "at": _iso(p.recorded_at),
                            "rating": p.rating,
                            "by": names.person(p.recorded_by_id),
                            "session_id": p.session_id,
                        }
                        for p in progress
                    ],
                }
            )
        reviews = session.scalars(
            select(PlanReview).where(PlanReview.plan_id == plan.id).order_by(PlanReview.held_on)
        )
        plans.append(
            {
                "id": plan.id,
                "kind": plan.kind,
                "started_on": _iso(plan.started_on),
                "next_review_on": _iso(plan.next_review_on),
                "status": plan.status,
                "closed_on": _iso(plan.closed_on),
                "created_by": names.person(plan.created_by_id),
                "targets": targets,
                "reviews": [
                    {
                        "held_on": _iso(r.held_on),
                        "outcomes": r.outcomes,
                        "next_steps": r.next_steps_text,
                        "next_review_on": _iso(r.next_review_on),
                        "recorded_by": names.person(r.recorded_by_id),
                    }
                    for r in reviews
                ],
            }
        )
    return plans


def _interventions(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    query = (
        select(Intervention, InterventionPupil)
        .join(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
        .where(InterventionPupil.pupil_id == pupil_id)
        .order_by(InterventionPupil.joined_on, Intervention.id)
    )
    for intervention, membership in session.execute(query):
        sittings = []
        rows = session.execute(
            select(InterventionSession, SessionAttendance)
            .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
            .where(
                InterventionSession.intervention_id == intervention.id,
                SessionAttendance.pupil_id == pupil_id,
            )
            .order_by(InterventionSession.held_on, InterventionSession.id)
        )
        for sitting, attendance in rows:
            group = session.scalars(
                select(SessionAttendance.pupil_id).where(SessionAttendance.session_id == sitting.id)
            ).all()
            sittings.append(
                {
                    "id": sitting.id,
                    "held_on": _iso(sitting.held_on),
                    "minutes": sitting.minutes,
                    "delivered_by": names.person(sitting.delivered_by_id),
                    "present": attendance.present,
                    "absence_reason": attendance.absence_reason,
                    "group_size": len(group),
                    "note": sitting.note_text,
                }
            )
        found.append(
            {
                "id": intervention.id,
                "name": intervention.name,
                "area": intervention.area,
                "delivered_by": names.person(intervention.delivered_by_id),
                "sessions_per_week": intervention.sessions_per_week,
                "minutes": intervention.minutes,
                "starts_on": _iso(intervention.starts_on),
                "planned_weeks": intervention.planned_weeks,
                "joined_on": _iso(membership.joined_on),
                "left_on": _iso(membership.left_on),
                "sessions": sittings,
            }
        )
    return found


def _ehc_cases(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    cases = []
    for case in session.scalars(
        select(EhcCase).where(EhcCase.pupil_id == pupil_id).order_by(EhcCase.id)
    ):
        exemptions = session.scalars(
            select(Exemption).where(Exemption.ehc_case_id == case.id).order_by(Exemption.id)
        )
        cases.append(
            {
                "id": case.id,
                "local_authority": case.local_authority,
                "request_received_on": _iso(case.request_received_on),
                "requested_by": case.requested_by,
                "decision_on": _iso(case.decision_on),
                "decision_outcome": case.decision_outcome,
                "advice_requested_on": _iso(case.advice_requested_on),
                "advice_received_on": _iso(case.advice_received_on),
                "draft_served_on": _iso(case.draft_served_on),
                "final_issued_on": _iso(case.final_issued_on),
                "last_annual_review_on": _iso(case.last_annual_review_on),
                "amendments_sent_on": _iso(case.amendments_sent_on),
                "review_decided_on": _iso(case.review_decided_on),
                "review_decision": case.review_decision,
                "phase_transfer_year": case.phase_transfer_year,
                "phase_transfer_kind": case.phase_transfer_kind,
                "reassessment_requested_on": _iso(case.reassessment_requested_on),
                "reassessment_decided_on": _iso(case.reassessment_decided_on),
                "decision_letter_sent_on": _iso(case.decision_letter_sent_on),
                "mediation_certificate_issued_on": _iso(case.mediation_certificate_issued_on),
                "appeal_registered_on": _iso(case.appeal_registered_on),
                "status": case.status,
                "exemptions": [
                    {
                        "rule": e.rule,
                        "kind": e.kind,
                        "reason": e.reason,
                        "starts_on": _iso(e.starts_on),
                        "ends_on": _iso(e.ends_on),
                        "recorded_by": names.person(e.recorded_by_id),
                    }
                    for e in exemptions
                ],
            }
        )
    return cases


def _meetings(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    meetings = []
    query = select(Meeting).where(Meeting.pupil_id == pupil_id).order_by(Meeting.starts_at)
    for meeting in session.scalars(query):
        invitations = session.scalars(
            select(Invitation).where(Invitation.meeting_id == meeting.id).order_by(Invitation.id)
        )
        meetings.append(
            {
                "id": meeting.id,
                "kind": meeting.kind,
                "starts_at": _iso(meeting.starts_at),
                "ends_at": _iso(meeting.ends_at),
                "place": meeting.place,
                "video_link": meeting.video_link,
                "attendees": meeting.attendees,
                "status": meeting.status,
                "outcome_at": _iso(meeting.outcome_at),
                "outcome_reason": meeting.outcome_reason,
                "created_by": names.person(meeting.created_by_id),
                "invitations": [
                    {
                        "guardian": names.guardian(i.guardian_id),
                        "sent_at": _iso(i.sent_at),
                        "rsvp": i.rsvp,
                        "rsvp_at": _iso(i.rsvp_at),
                        "interpreter_requested": i.interpreter_requested,
                        "parent_views": i.parent_views_text,
                    }
                    for i in invitations
                ],
            }
        )
    return meetings


def _chronology(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One dated line per thing that happened, oldest first, as a DSL's chronology reads."""
    happened = [
        *_sen_status_events(record["sen_status_history"]),
        *_concern_events(record["concerns"]),
        *_plan_events(record["plans"]),
        *_intervention_events(record["interventions"]),
        *_ehc_events(record["ehc_cases"]),
        *_contact_events(record["meetings"], record["messages"]),
    ]
    lines = [{"at": when, "what": what, "ref": ref} for when, what, ref in happened if when]
    lines.sort(key=lambda line: line["at"])
    return lines


# (when, what, which record); `when` may be None for what has not happened yet.
_Event = tuple[str | None, str, str]


def _sen_status_events(changes: list[dict[str, Any]]) -> Iterator[_Event]:
    for change in changes:
        yield change["at"], f"SEN status {change['from']} -> {change['to']}", "sen status"


def _concern_events(concerns: list[dict[str, Any]]) -> Iterator[_Event]:
    for concern in concerns:
        kind = "Safeguarding concern" if concern["safeguarding"] else "Concern"
        ref = f"concern {concern['id']}"
        yield concern["raised_at"], f"{kind} logged ({concern['area']})", ref
        for action in concern["actions"]:
            yield action["at"], f"Concern {action['kind']}", ref


def _plan_events(plans: list[dict[str, Any]]) -> Iterator[_Event]:
    for plan in plans:
        ref = f"plan {plan['id']}"
        yield plan["started_on"], f"{plan['kind']} plan started", ref
        yield plan["closed_on"], f"{plan['kind']} plan closed", ref
        for review in plan["reviews"]:
            yield review["held_on"], "Plan reviewed", ref
        for target in plan["targets"]:
            yield (
                target["closed_at"],
                f"Target closed: {target['status']}",
                f"target {target['id']}",
            )


def _intervention_events(interventions: list[dict[str, Any]]) -> Iterator[_Event]:
    for intervention in interventions:
        ref = f"intervention {intervention['id']}"
        yield intervention["joined_on"], f"Joined {intervention['name']}", ref
        yield intervention["left_on"], f"Left {intervention['name']}", ref


def _ehc_events(cases: list[dict[str, Any]]) -> Iterator[_Event]:
    for case in cases:
        for key in ("request_received_on", "decision_on", "draft_served_on", "final_issued_on"):
            yield case[key], f"EHC {key.removesuffix('_on').replace('_', ' ')}", f"ehc {case['id']}"


def _contact_events(
    meetings: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> Iterator[_Event]:
    for meeting in meetings:
        yield meeting["starts_at"], f"Meeting: {meeting['kind']}", f"meeting {meeting['id']}"
    for message in messages:
        direction = "from" if message["direction"] == "in" else "to"
        yield message["at"], f"Message {direction} {message['guardian']}", "message"


SUBJECT_ACCESS: Purpose = "subject-access"


def _safeguarding_decided(session: Session, pupil: Pupil, decided_by: int | None) -> bool:
    """True when a DSL or deputy of the pupil's school decided safeguarding records may go
    into a subject access reply; raises PermissionDenied, kindly, for anyone else."""
    if decided_by is None:
        return False
    decider = staff_actor_by_id(session, decided_by)
    if decider is None or not policy.allowed(
        session, decider, Action.DECIDE_SAFEGUARDING_DISCLOSURE, pupil.id
    ):
        raise PermissionDenied(
            f"Staff member {decided_by} is not the designated safeguarding lead or a deputy "
            "at this pupil's school, so they cannot decide to include safeguarding records. "
            "Nothing was exported. Ask your DSL: the decision is theirs."
        )
    return True


def _includes_safeguarding(
    session: Session,
    actor: Requester,
    pupil: Pupil,
    purpose: Purpose,
    include_safeguarding: bool,
    decided_by: int | None,
) -> bool:
    """A subject access reply leaves safeguarding records out unless the DSL decided
    otherwise (information likely to cause serious harm is exempt from disclosure); a
    transfer or other export carries them only with someone who may read them."""
    if purpose == SUBJECT_ACCESS:
        decided = _safeguarding_decided(session, pupil, decided_by)
        return include_safeguarding and decided
    # The command line's user can read the database and its key anyway.
    may = isinstance(actor, CliActor) or policy.may_export_safeguarding(actor)
    return include_safeguarding and may


def gather(
    session: Session,
    actor: Requester,
    pupil_id: int,
    *,
    purpose: Purpose = SUBJECT_ACCESS,
    include_safeguarding: bool = True,
    safeguarding_decided_by: int | None = None,
) -> dict[str, Any]:
    """The whole record as plain, JSON-ready data. Raises PermissionDenied or LookupError.

    Without safeguarding records, nothing else in the record gives them away either: the
    access log and deadlines about them are left out too, and a subject access reply does
    not even say how many were withheld.
    """
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise LookupError(f"No pupil has the id {pupil_id}.")
    if not isinstance(actor, CliActor) and not policy.allowed(
        session, actor, Action.EXPORT_RECORD, pupil_id
    ):
        raise PermissionDenied("Only the headteacher can export a pupil's whole record.")
    include_safeguarding = _includes_safeguarding(
        session, actor, pupil, purpose, include_safeguarding, safeguarding_decided_by
    )
    school = session.get(School, pupil.school_id)
    assert school is not None
    names = _Names(session, pupil.school_id)
    guardians = _guardians(session, pupil_id)
    concerns, left_out = _concerns(session, pupil_id, names, include_safeguarding)
    withheld = _Withheld.of(session, pupil_id, concerns, left_out, include_safeguarding)
    record: dict[str, Any] = {
        "format": FORMAT,
        "school": {"name": school.name, "urn": school.urn},
        "pupil": _pupil_facts(pupil),
        "guardians": guardians,
        "sen_status_history": _sen_status_history(session, pupil_id, names),
        "concerns": concerns,
        "safeguarding_concerns_left_out": len(left_out),
        "safeguarding_included": include_safeguarding,
        "plans": _plans(session, pupil_id, names),
        "interventions": _interventions(session, pupil_id, names),
        "ehc_cases": _ehc_cases(session, pupil_id, names),
        "meetings": _meetings(session, pupil_id, names),
        "messages": _messages(session, pupil_id, names),
        "deadlines": _deadlines(session, pupil_id, withheld),
        "access_log": _access_log(session, pupil_id, names, withheld),
    }
    if purpose == SUBJECT_ACCESS:
        del record["safeguarding_concerns_left_out"]  # even a count says a concern exists
    record["chronology"] = _chronology(record)
    return record


# What names a concern in an audit event: its object, or a list in its details.
_CONCERN_OBJECTS = frozenset(
    {
        "concern",
        action_ids.CONCERN_ACK,
        action_ids.CONCERN_VIEW,
        action_ids.LA_REPLIED,
        action_ids.REFERRAL_CHASED,
    }
)
_CONCERN_WORDS = ("concern", "safeguarding", "referral")
_DEADLINE_OBJECTS = frozenset({"deadline", action_ids.DEADLINE_DONE})
_SAFEGUARDING_RULES = "safeguarding."


@dataclass(frozen=True)
class _Withheld:
    """The safeguarding records an export leaves out, so their traces can be left out too:
    the concerns, the concerns that do go out, and the deadlines that follow from the rest."""

    active: bool
    concerns: frozenset[int] = frozenset()
    kept: frozenset[int] = frozenset()
    deadlines: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        session: Session,
        pupil_id: int,
        concerns: list[dict[str, Any]],
        left_out: list[int],
        include_safeguarding: bool,
    ) -> _Withheld:
        if include_safeguarding:
            return cls(active=False)
        kept = frozenset(c["id"] for c in concerns)
        deadlines = frozenset(
            d.id
            for d in session.scalars(select(Deadline).where(Deadline.pupil_id == pupil_id))
            if d.kind.startswith(_SAFEGUARDING_RULES)
            or (d.subject_type == "concern" and d.subject_id not in kept)
        )
        return cls(True, frozenset(left_out), kept, deadlines)

    def hides_deadline(self, deadline: Deadline) -> bool:
        return self.active and deadline.id in self.deadlines

    def hides_event(self, event: AuditEvent) -> bool:
        """An event about a withheld concern or deadline, or about "the pupil's concerns"
        while some of them are withheld."""
        if not self.active:
            return False
        details = event.details or {}
        if event.object_type in _DEADLINE_OBJECTS:
            kind = str(details.get("kind", ""))
            return event.object_id in self.deadlines or kind.startswith(_SAFEGUARDING_RULES)
        if not (
            event.action.startswith(_CONCERN_WORDS) or event.object_type.startswith(_CONCERN_WORDS)
        ):
            return False
        named = _named_concerns(event)
        if not named:
            return bool(self.concerns)
        return not named <= self.kept


def _named_concerns(event: AuditEvent) -> set[int]:
    """The concern ids an audit event is about."""
    named: set[int] = set()
    if event.object_type in _CONCERN_OBJECTS and event.object_id is not None:
        named.add(event.object_id)
    details = event.details or {}
    for key in ("concerns", "concern_ids"):
        listed = details.get(key)
        if isinstance(listed, list):
            named.update(v for v in listed if isinstance(v, int))
    if isinstance(details.get("concern_id"), int):
        named.add(details["concern_id"])
    return named


def _pupil_facts(pupil: Pupil) -> dict[str, Any]:
    return {
        "id": pupil.id,
        "mis_id": pupil.external_id,
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "preferred_name": pupil.preferred_name,
        "date_of_birth": _iso(pupil.date_of_birth),
        "year_group": pupil.year_group,
        "class": pupil.group.name if pupil.group else None,
        "eal": pupil.eal,
        "first_language": pupil.first_language,
        "looked_after": pupil.looked_after,
        "sen_status": pupil.sen_status,
        "primary_need": pupil.primary_need,
        "secondary_need": pupil.secondary_need,
        "phase_transfer_year": pupil.phase_transfer_year,
        "on_roll": pupil.active,
        "leaving_on": _iso(pupil.leaving_on),
        "destination_school": pupil.destination_school,
    }


def _guardians(session: Session, pupil_id: int) -> list[dict[str, Any]]:
    links = session.execute(
        select(Guardian, GuardianPupil)
        .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
        .where(GuardianPupil.pupil_id == pupil_id)
        .order_by(GuardianPupil.contact_priority, Guardian.id)
    )
    return [
        {
            "name": g.display_name,
            "relationship": link.relationship_to_pupil,
            "parental_responsibility": link.parental_responsibility,
            "email": g.email,
            "phone": g.phone,
            "preferred_language": g.preferred_language,
            "needs_interpreter": g.needs_interpreter,
        }
        for g, link in links
    ]


def _sen_status_history(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    changes = session.scalars(
        select(SenStatusChange)
        .where(SenStatusChange.pupil_id == pupil_id)
        .order_by(SenStatusChange.changed_at)
    )
    return [
        {
            "at": _iso(c.changed_at),
            "from": c.from_status,
            "to": c.to_status,
            "reason": c.reason,
            "by": names.person(c.changed_by_id),
        }
        for c in changes
    ]


def _messages(session: Session, pupil_id: int, names: _Names) -> list[dict[str, Any]]:
    messages = session.scalars(
        select(ParentMessage).where(ParentMessage.pupil_id == pupil_id).order_by(ParentMessage.at)
    )
    return [
        {
            "at": _iso(m.at),
            "direction": m.direction,
            "guardian": names.guardian(m.guardian_id),
            "staff": names.person(m.staff_id),
            "language": m.language,
            "body": m.body_text,
            "read_at": _iso(m.read_at),
        }
        for m in messages
    ]


def _deadlines(session: Session, pupil_id: int, withheld: _Withheld) -> list[dict[str, Any]]:
    deadlines = [
        d
        for d in session.scalars(
            select(Deadline).where(Deadline.pupil_id == pupil_id).order_by(Deadline.due_on)
        )
        if not withheld.hides_deadline(d)
    ]
    return [
        {
            "kind": d.kind,
            "due_on": _iso(d.due_on),
            "status": d.status,
            "owner_role": d.owner_role,
            "source": d.source,
        }
        for d in deadlines
    ]


def _access_log(
    session: Session, pupil_id: int, names: _Names, withheld: _Withheld
) -> list[dict[str, Any]]:
    events = [
        e
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.pupil_id == pupil_id).order_by(AuditEvent.id)
        )
        if not withheld.hides_event(e)
    ]
    return [
        {
            "event": e.id,
            "at": _iso(e.at),
            "actor_kind": e.actor_kind,
            "who": names.person(e.actor_id)
            if e.actor_kind == "staff"
            else (e.details.get("operator") or e.actor_kind),
            "action": e.action,
            "object": f"{e.object_type} {e.object_id or ''}".strip(),
        }
        for e in events
    ]


@dataclass(frozen=True)
class Export:
    record: dict[str, Any]
    audit_event_id: int

    def json_text(self) -> str:
        return render_json(self.record)

    def html_text(self) -> str:
        return render_html(self.record)


def export_pupil(
    session: Session,
    actor: Requester,
    pupil_id: int,
    now: datetime,
    *,
    purpose: Purpose = SUBJECT_ACCESS,
    include_safeguarding: bool = True,
    safeguarding_decided_by: int | None = None,
) -> Export:
    """Gather the record and audit the disclosure in the caller's transaction.

    The caller writes the files before committing, so a record that leaves the system is
    always in the log, and a failed write leaves no audit event for an export that never
    happened. A subject access reply carries safeguarding records only when
    `safeguarding_decided_by` names the DSL or a deputy who decided so; the audit event
    names them.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    record = gather(
        session,
        actor,
        pupil_id,
        purpose=purpose,
        include_safeguarding=include_safeguarding,
        safeguarding_decided_by=safeguarding_decided_by,
    )
    decision = (
        {"safeguarding_decided_by": safeguarding_decided_by}
        if purpose == SUBJECT_ACCESS and record["safeguarding_included"]
        else {}
    )
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    kind, actor_id, extra = audit_actor(actor)
    by = actor.operator if isinstance(actor, CliActor) else actor.name
    event = audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=actor_id,
        action="record.export",
        object_type="pupil",
        object_id=pupil_id,
        school_id=pupil.school_id,
        pupil_id=pupil_id,
        details={
            **extra,
            "purpose": purpose,
            "safeguarding_included": record["safeguarding_included"],
            **decision,
            "concerns": len(record["concerns"]),
            "messages": len(record["messages"]),
        },
    )
    record["exported"] = {
        "at": _iso(now),
        "purpose": purpose,
        "by": f"{by} (command line)" if kind == "cli" else by,
        "audit_event": event.id,
    }
    return Export(record, event.id)


# --- rendering -------------------------------------------------------------------------------


def render_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#111;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:2px solid #333;margin-top:2rem}h3{margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}.text{white-space:pre-wrap}.warn{background:#fff3cd;padding:.5rem;
border-left:4px solid #b58100}.sg{border-left:4px solid #a00;padding-left:.8rem}
.meta{color:#444;font-size:.9rem}@media print{h2{page-break-before:auto}}
"""


def _e(value: Any) -> str:
    if value is None or value == "":
        return "&ndash;"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return html.escape(json.dumps(value, ensure_ascii=False))
    return html.escape(str(value))


def _table(
    headers: list[str], rows: list[list[Any]], text_cols: frozenset[int] = frozenset()
) -> str:
    if not rows:
        return "<p>None recorded.</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="text">{_e(v)}</td>' if i in text_cols else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fields(pairs: list[tuple[str, Any]]) -> str:
    return _table(["", ""], [[k, v] for k, v in pairs]).replace(
        "<thead><tr><th></th><th></th></tr></thead>", ""
    )


def render_html(record: dict[str, Any]) -> str:
    """A readable report with no scripts and no outside links: opens anywhere, prints well."""
    out = [
        *_html_head(record),
        *_pupil_section(record["pupil"]),
        *_guardians_section(record["guardians"]),
        *_chronology_section(record["chronology"]),
        *_sen_history_section(record["sen_status_history"]),
        *_concerns_section(record["concerns"], record.get("safeguarding_concerns_left_out", 0)),
        *_plans_section(record["plans"]),
        *_interventions_section(record["interventions"]),
        *_ehc_section(record["ehc_cases"]),
        *_meetings_section(record["meetings"]),
        *_messages_section(record["messages"]),
        *_deadlines_section(record["deadlines"]),
        *_access_log_section(record["access_log"]),
        "</body></html>",
    ]
    return "\n".join(out) + "\n"


_NONE_RECORDED = "<p>None recorded.</p>"


def _html_head(record: dict[str, Any]) -> list[str]:
    """The page's head, title, where it came from, and the warning before disclosure."""
    p = record["pupil"]
    name = f"{p['preferred_name'] or p['first_name']} {p['last_name']}"
    exported = record.get("exported", {})
    return [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Pupil record: {_e(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Pupil record: {_e(name)}</h1>",
        f'<p class="meta">{_e(record["school"]["name"])} (URN {_e(record["school"]["urn"])}). '
        f"Exported {_e(exported.get('at'))} by {_e(exported.get('by'))} for "
        f"{_e(exported.get('purpose'))}; audit event {_e(exported.get('audit_event'))}.</p>",
        '<p class="warn">This record contains personal and special category data about a '
        "child. Before disclosing it, check it for information about other people (shared "
        "session notes can name other pupils) and for anything a safeguarding exemption "
        "applies to. Keep it only as long as you need it.</p>",
    ]


def _pupil_section(p: dict[str, Any]) -> list[str]:
    return [
        "<h2>Pupil</h2>",
        _fields(
            [
                ("Name", f"{p['first_name']} {p['last_name']}"),
                ("Preferred name", p["preferred_name"]),
                ("Date of birth", p["date_of_birth"]),
                ("Year group and class", f"Year {p['year_group']}, {p['class'] or '-'}"),
                ("UPN", p["upn"]),
                ("MIS id", p["mis_id"]),
                ("English as an additional language", p["eal"]),
                ("First language", p["first_language"]),
                ("Looked after", p["looked_after"]),
                ("SEN status", p["sen_status"]),
                ("Primary need", p["primary_need"]),
                ("Secondary need", p["secondary_need"]),
                ("Phase transfer year", p["phase_transfer_year"]),
                ("On roll", p["on_roll"]),
                ("Leaving on", p["leaving_on"]),
                ("Moving to", p["destination_school"]),
            ]
        ),
    ]


def _guardians_section(guardians: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>Parents and carers</h2>",
        _table(
            [
                "Name",
                "Relationship",
                "Parental responsibility",
                "Email",
                "Phone",
                "Language",
                "Interpreter",
            ],
            [
                [
                    g["name"],
                    g["relationship"],
                    g["parental_responsibility"],
                    g["email"],
                    g["phone"],
                    g["preferred_language"],
                    g["needs_interpreter"],
                ]
                for g in guardians
            ],
        ),
    ]


def _chronology_section(chronology: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>Chronology</h2>",
        _table(["When", "What", "Record"], [[c["at"], c["what"], c["ref"]] for c in chronology]),
    ]


def _sen_history_section(changes: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>SEN status history</h2>",
        _table(
            ["When", "From", "To", "Reason", "By"],
            [[c["at"], c["from"], c["to"], c["reason"], c["by"]] for c in changes],
            frozenset({3}),
        ),
    ]


def _concerns_section(concerns: list[dict[str, Any]], left_out: int) -> list[str]:
    out = ["<h2>Concerns</h2>"]
    if left_out:
        out.append(
            f'<p class="warn">{left_out} safeguarding '
            "concern(s) were left out of this export on purpose.</p>"
        )
    if not concerns:
        out.append(_NONE_RECORDED)
    for c in concerns:
        out += _concern(c)
    return out


def _concern(c: dict[str, Any]) -> list[str]:
    label = "Safeguarding concern" if c["safeguarding"] else "Concern"
    return [
        f'<section class="{"sg" if c["safeguarding"] else ""}">',
        f"<h3>{label} {_e(c['id'])}, {_e(c['raised_at'])}</h3>",
        _fields(
            [
                ("Raised by", c["raised_by"]),
                ("Source", c["source"]),
                ("Area", c["area"]),
                ("Immediate danger", c["immediate_danger"]),
                ("Status", c["status"]),
                ("Assigned to", c["assigned_to"]),
                ("Acknowledged", c["acknowledged_at"]),
                ("Category", c["category"]),
                ("When it happened", c["occurred_at"]),
                ("Where", c["location"]),
            ]
        ),
        f'<p class="text">{_e(c["narrative"])}</p>',
        _fields(
            [
                ("The child's words", c["child_words"]),
                ("What the reporter did", c["action_taken"]),
                ("Who else was told", c["told"]),
                ("Photos", len(c["photos"]) or None),
            ]
        ),
        _table(
            ["When", "Action", "By", "Note"],
            [[a["at"], a["kind"], a["by"], a["note"]] for a in c["actions"]],
            frozenset({3}),
        ),
        "</section>",
    ]


def _plans_section(plans: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Plans and targets</h2>"]
    if not plans:
        out.append(_NONE_RECORDED)
    for plan in plans:
        out += _plan(plan)
    return out


def _plan(plan: dict[str, Any]) -> list[str]:
    return [
        f"<h3>{_e(plan['kind'])} plan from {_e(plan['started_on'])} ({_e(plan['status'])})</h3>",
        _table(
            ["Target", "For parents", "Due", "Status", "Progress", "Closing note"],
            [
                [
                    t["staff_wording"],
                    t["parent_wording"],
                    t["due_on"],
                    t["status"],
                    "; ".join(f"{g['at'][:10]} {g['rating']}" for g in t["progress"]),
                    t["closed_note"],
                ]
                for t in plan["targets"]
            ],
            frozenset({0, 1, 5}),
        ),
        _table(
            ["Review held", "Outcomes", "Next steps", "Next review", "Recorded by"],
            [
                [
                    r["held_on"],
                    r["outcomes"],
                    r["next_steps"],
                    r["next_review_on"],
                    r["recorded_by"],
                ]
                for r in plan["reviews"]
            ],
            frozenset({2}),
        ),
    ]


def _interventions_section(interventions: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Interventions, sessions and attendance</h2>"]
    if not interventions:
        out.append(_NONE_RECORDED)
    for item in interventions:
        out += _intervention(item)
    return out


def _intervention(item: dict[str, Any]) -> list[str]:
    return [
        f"<h3>{_e(item['name'])} ({_e(item['area'])}), joined {_e(item['joined_on'])}</h3>",
        _table(
            ["Date", "Minutes", "By", "Present", "Absence", "Group size", "Note"],
            [
                [
                    s["held_on"],
                    s["minutes"],
                    s["delivered_by"],
                    s["present"],
                    s["absence_reason"],
                    s["group_size"],
                    s["note"],
                ]
                for s in item["sessions"]
            ],
            frozenset({6}),
        ),
    ]


def _ehc_section(cases: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>EHC needs assessment and plan</h2>"]
    for case in cases:
        out.append(
            _fields([(k.replace("_", " "), v) for k, v in case.items() if k != "exemptions"])
        )
        out.append(
            _table(
                ["Rule", "Kind", "Reason", "From", "To"],
                [
                    [e["rule"], e["kind"], e["reason"], e["starts_on"], e["ends_on"]]
                    for e in case["exemptions"]
                ],
            )
        )
    if not cases:
        out.append(_NONE_RECORDED)
    return out


def _meetings_section(meetings: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Meetings and invitations</h2>"]
    if not meetings:
        out.append(_NONE_RECORDED)
    for meeting in meetings:
        out += _meeting(meeting)
    return out


def _meeting(meeting: dict[str, Any]) -> list[str]:
    reason = meeting.get("outcome_reason")
    return [
        f"<h3>{_e(meeting['kind'])}, {_e(meeting['starts_at'])} ({_e(meeting['status'])})</h3>",
        *([f"<p>Why it was not held: {_e(reason)}</p>"] if reason else []),
        _table(
            ["Invited", "Sent", "Reply", "Interpreter", "Parent's views"],
            [
                [
                    i["guardian"],
                    i["sent_at"],
                    i["rsvp"],
                    i["interpreter_requested"],
                    i["parent_views"],
                ]
                for i in meeting["invitations"]
            ],
            frozenset({4}),
        ),
    ]


def _messages_section(messages: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>Messages with parents and carers</h2>",
        _table(
            ["When", "Direction", "Parent or carer", "Staff", "Message"],
            [
                [
                    m["at"],
                    "from parent" if m["direction"] == "in" else "to parent",
                    m["guardian"],
                    m["staff"],
                    m["body"],
                ]
                for m in messages
            ],
            frozenset({4}),
        ),
    ]


def _deadlines_section(deadlines: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>Deadlines</h2>",
        _table(
            ["Kind", "Due", "Status", "Owner", "Rule"],
            [
                [d["kind"], d["due_on"], d["status"], d["owner_role"], d["source"]]
                for d in deadlines
            ],
        ),
    ]


def _access_log_section(events: list[dict[str, Any]]) -> list[str]:
    return [
        "<h2>Who has seen or changed this record</h2>",
        _table(
            ["Event", "When", "Who", "Action", "Record"],
            [[a["event"], a["at"], a["who"], a["action"], a["object"]] for a in events],
        ),
    ]
