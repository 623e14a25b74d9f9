"""Keeping records only as long as the school's retention schedule says, then letting go.

Settings live in `School.settings["retention"]` (all optional, set with `sendbot school set
retention.<name> VALUE`; the defaults follow the records management guidance schools in
England commonly use for SEN and child protection files, and a school should check them
against its own retention schedule):

- `records_until_age` (default 25): concerns that are not safeguarding concerns and all
  SEND records (plans, targets and progress, reviews, interventions attended, session
  attendance, EHC cases, meetings and invitations, parent messages about the pupil, SEN
  status history, deadlines) are kept until the pupil's 25th birthday.
- `safeguarding_until_age` (default 25, never less): safeguarding concerns and their
  chronology are kept until this birthday. `null` keeps them until someone deletes them by
  hand (for a school whose policy, or an inquiry's instruction, says to keep them longer).
- `conversation_state_days` (default 2): half-finished conversations untouched this long
  (and already expired) are deleted; they can hold half-typed narratives. Photos sent for a
  report that was never saved go after the same number of days.
- `processed_event_days` (default 7): the record of platform event ids used to drop
  duplicate deliveries.
- `outbox_sent_days` (default 90): delivered messages and their delivery attempts, and the
  markers of reminders that went inside another message.

Each sender's rate-limit counter (`inbound_rate`) matters only for the current minute; a
counter untouched for a day is deleted whatever the settings, so people who stopped
writing leave no row behind.

Only pupils who have left (inactive in the roster) are touched. When nothing is left about
a pupil, their name, UPN and other identifying details are overwritten so the audit log's
references lead nowhere, and a parent linked to no other pupil is anonymised the same way.
The audit log itself is kept: it is the evidence of what was done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sendbot.domain.school_settings import SETTINGS, SchoolSettings, from_stored
from sendbot.services import audit, outbox, school_settings
from sendbot.services.records import CliActor, Requester, audit_actor
from sendbot.store.models import (
    Concern,
    ConcernAction,
    ConcernAttachment,
    ConcernDraft,
    ConversationState,
    Deadline,
    DeliveryAttempt,
    EhcCase,
    Exemption,
    Guardian,
    GuardianPupil,
    Identity,
    InboundRate,
    InterventionPupil,
    InterventionSession,
    Invitation,
    Meeting,
    Outbox,
    ParentMessage,
    PlanReview,
    ProcessedEvent,
    Pupil,
    School,
    SenStatusChange,
    SessionAttendance,
    SupportPlan,
    Target,
    TargetIntervention,
    TargetProgress,
    WebSession,
    WebSignIn,
)

RATE_COUNTER_LIFE = timedelta(days=1)
DEFAULTS: dict[str, int | None] = {
    s.path[1]: s.default for s in SETTINGS if s.path[0] == "retention"
}


class RetentionSettingsError(ValueError):
    """A school's retention settings are unusable; nothing is removed for that school."""


@dataclass(frozen=True)
class RetentionPolicy:
    records_until_age: int
    safeguarding_until_age: int | None
    conversation_state_days: int
    processed_event_days: int
    outbox_sent_days: int


def problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with `settings["retention"]`, in words an admin can act on."""
    return from_stored(settings).problems_in(["retention"])


def retention_of(settings: SchoolSettings) -> RetentionPolicy:
    wrong = settings.problems_in(["retention"])
    if wrong:
        raise RetentionSettingsError("; ".join(wrong))
    return RetentionPolicy(**{key: getattr(settings, f"retention_{key}") for key in DEFAULTS})


def policy_for(settings: dict[str, Any]) -> RetentionPolicy:
    return retention_of(from_stored(settings))


def birthday(born: date, age: int) -> date:
    """The day a person reaches `age`; someone born on 29 February reaches it on 1 March."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


# --- what would go -----------------------------------------------------------------------------


@dataclass
class Step:
    """One statement over one table: delete matching rows, or clear one column in them."""

    label: str
    model: Any
    where: Any
    clear: str | None = None


@dataclass
class PupilOutcome:
    pupil_id: int
    school_id: int
    name: str
    records_until: date
    safeguarding_until: date | None
    removed: dict[str, int] = field(default_factory=dict)
    anonymise: bool = False
    note: str = ""
    steps: list[Step] = field(default_factory=list, repr=False)
    guardians_to_anonymise: list[int] = field(default_factory=list)


@dataclass
class RetentionPlan:
    pupils: list[PupilOutcome] = field(default_factory=list)
    plumbing: dict[str, int] = field(default_factory=dict)
    settings_problems: list[str] = field(default_factory=list)
    audit_event_ids: list[int] = field(default_factory=list)


def _ids(session: Session, query: Any) -> list[int]:
    return list(session.scalars(query))


def _concern_steps(session: Session, pupil_id: int, safeguarding: bool) -> list[Step]:
    kind = "safeguarding concerns" if safeguarding else "concerns"
    ids = _ids(
        session,
        select(Concern.id).where(
            Concern.pupil_id == pupil_id, Concern.safeguarding == safeguarding
        ),
    )
    # Unfinished reports are safeguarding records: they go with the safeguarding concerns;
    # a concern that is not safeguarding only leaves their link to it.
    drafts = (
        Step(
            f"{kind}: unfinished reports",
            ConcernDraft,
            (ConcernDraft.pupil_id == pupil_id) | ConcernDraft.concern_id.in_(ids),
        )
        if safeguarding
        else Step(
            f"{kind}: links from unfinished reports",
            ConcernDraft,
            ConcernDraft.concern_id.in_(ids),
            clear="concern_id",
        )
    )
    return [
        drafts,
        Step(f"{kind}: actions", ConcernAction, ConcernAction.concern_id.in_(ids)),
        Step(f"{kind}: photos", ConcernAttachment, ConcernAttachment.concern_id.in_(ids)),
        Step(
            f"{kind}: deadlines",
            Deadline,
            (Deadline.subject_type == "concern") & Deadline.subject_id.in_(ids),
        ),
        Step(kind, Concern, Concern.id.in_(ids)),
    ]


def _send_steps(session: Session, pupil_id: int) -> list[Step]:
    plans = _ids(session, select(SupportPlan.id).where(SupportPlan.pupil_id == pupil_id))
    targets = _ids(
        session,
        select(Target.id).where((Target.pupil_id == pupil_id) | Target.plan_id.in_(plans)),
    )
    meetings = _ids(session, select(Meeting.id).where(Meeting.pupil_id == pupil_id))
    cases = _ids(session, select(EhcCase.id).where(EhcCase.pupil_id == pupil_id))
    attended = _ids(
        session, select(SessionAttendance.session_id).where(SessionAttendance.pupil_id == pupil_id)
    )
    shared = _ids(
        session,
        select(SessionAttendance.session_id).where(
            SessionAttendance.session_id.in_(attended), SessionAttendance.pupil_id != pupil_id
        ),
    )
    alone = sorted(set(attended) - set(shared))  # sessions only this pupil was recorded at
    return [
        Step("target progress", TargetProgress, TargetProgress.target_id.in_(targets)),
        Step("target links", TargetIntervention, TargetIntervention.target_id.in_(targets)),
        Step(
            "plan reviews",
            PlanReview,
            PlanReview.plan_id.in_(plans) | PlanReview.meeting_id.in_(meetings),
        ),
        Step("targets", Target, Target.id.in_(targets)),
        Step("plans", SupportPlan, SupportPlan.id.in_(plans)),
        Step("session attendance", SessionAttendance, SessionAttendance.pupil_id == pupil_id),
        Step(
            "progress links to removed sessions",
            TargetProgress,
            TargetProgress.session_id.in_(alone),
            clear="session_id",
        ),
        Step(
            "sessions only this pupil attended",
            InterventionSession,
            InterventionSession.id.in_(alone),
        ),
        Step("intervention places", InterventionPupil, InterventionPupil.pupil_id == pupil_id),
        Step("meeting invitations", Invitation, Invitation.meeting_id.in_(meetings)),
        Step("meetings", Meeting, Meeting.id.in_(meetings)),
        Step("EHC exemptions", Exemption, Exemption.ehc_case_id.in_(cases)),
        Step("EHC cases", EhcCase, EhcCase.id.in_(cases)),
        Step("SEN status history", SenStatusChange, SenStatusChange.pupil_id == pupil_id),
        Step("parent messages", ParentMessage, ParentMessage.pupil_id == pupil_id),
        Step(  # a concern's deadlines go with the concern, which may be kept longer
            "deadlines",
            Deadline,
            (Deadline.pupil_id == pupil_id) & (Deadline.subject_type != "concern"),
        ),
    ]


def _count(session: Session, step: Step) -> int:
    return session.scalar(select(func.count()).select_from(step.model).where(step.where)) or 0


def _removals(session: Session, steps: list[Step]) -> dict[str, int]:
    """Rows each deleting step would remove, by label (steps that only clear are not counted)."""
    removed: dict[str, int] = {}
    for step in steps:
        n = _count(session, step)
        if n and step.clear is None:
            removed[step.label] = removed.get(step.label, 0) + n
    return removed


def _guardians_of_only(session: Session, pupil_id: int) -> list[int]:
    """The pupil's parents and carers who are linked to no other pupil."""
    only: list[int] = []
    guardians = _ids(
        session, select(GuardianPupil.guardian_id).where(GuardianPupil.pupil_id == pupil_id)
    )
    for guardian_id in guardians:
        others = session.scalar(
            select(func.count())
            .select_from(GuardianPupil)
            .where(GuardianPupil.guardian_id == guardian_id, GuardianPupil.pupil_id != pupil_id)
        )
        if not others:
            only.append(guardian_id)
    return only


def _plan_pupil(
    session: Session, pupil: Pupil, policy: RetentionPolicy, today: date
) -> PupilOutcome | None:
    records_until = birthday(pupil.date_of_birth, policy.records_until_age)
    sg_until = (
        birthday(pupil.date_of_birth, policy.safeguarding_until_age)
        if policy.safeguarding_until_age is not None
        else None
    )
    records_due = today >= records_until
    sg_due = sg_until is not None and today >= sg_until
    if not records_due and not sg_due:
        return None
    outcome = PupilOutcome(pupil.id, pupil.school_id, pupil.display_name, records_until, sg_until)
    if pupil.active:
        outcome.note = "still on roll in the last roster import: nothing removed"
        return outcome
    if pupil.first_name == "Removed" and pupil.external_id.startswith("removed-"):
        return None  # done in an earlier run
    if records_due:
        outcome.steps += _concern_steps(session, pupil.id, safeguarding=False)
        outcome.steps += _send_steps(session, pupil.id)
    if sg_due:
        outcome.steps += _concern_steps(session, pupil.id, safeguarding=True)
    outcome.removed = _removals(session, outcome.steps)
    sg_left = 0 if sg_due else _count(session, _concern_steps(session, pupil.id, True)[-1])
    if records_due and sg_left == 0:
        outcome.anonymise = True
        outcome.guardians_to_anonymise = _guardians_of_only(session, pupil.id)
    elif sg_left:
        until = f"until {sg_until:%d %B %Y}" if sg_until else "until deleted by hand"
        outcome.note = f"{sg_left} safeguarding concern(s) kept {until}, per the school's policy"
    if not outcome.removed and not outcome.anonymise and not outcome.note:
        return None
    return outcome


def _plumbing(
    session: Session, schools: Iterable[School], policies: dict[int, RetentionPolicy], now: datetime
) -> tuple[dict[str, int], list[Step]]:
    steps: list[Step] = []
    if policies:
        state_days = min(p.conversation_state_days for p in policies.values())
        event_days = min(p.processed_event_days for p in policies.values())
    else:
        state_days = int(DEFAULTS["conversation_state_days"] or 2)
        event_days = int(DEFAULTS["processed_event_days"] or 7)
    steps.append(
        Step(
            "half-finished conversations",
            ConversationState,
            (ConversationState.updated_at < now - timedelta(days=state_days))
            & (ConversationState.expires_at < now),
        )
    )
    steps.append(
        Step(  # sent while writing a report that was never saved
            "photos held for unsaved reports",
            ConcernAttachment,
            ConcernAttachment.concern_id.is_(None)
            & (ConcernAttachment.uploaded_at < now - timedelta(days=state_days)),
        )
    )
    steps.append(
        Step(
            "processed event ids",
            ProcessedEvent,
            ProcessedEvent.at < now - timedelta(days=event_days),
        )
    )
    steps.append(
        Step(  # a link is of no use once it has expired; its use is in the audit log
            "staff web sign-in links",
            WebSignIn,
            WebSignIn.expires_at < now - timedelta(days=event_days),
        )
    )
    steps.append(
        Step(  # a session ends after 15 idle minutes at the most
            "staff web sessions",
            WebSession,
            WebSession.last_seen_at < now - timedelta(days=event_days),
        )
    )
    steps.append(
        Step(
            "rate-limit counters",
            InboundRate,
            InboundRate.window_start < now - RATE_COUNTER_LIFE,
        )
    )
    for school in schools:
        policy = policies.get(school.id)
        if policy is None:
            continue
        cutoff = now - timedelta(days=policy.outbox_sent_days)
        sent = select(Outbox.id).where(
            Outbox.school_id == school.id,
            or_(
                and_(Outbox.status == "sent", Outbox.sent_at < cutoff),
                # A reminder sent inside another message: kept as long as that one.
                and_(Outbox.status == outbox.MERGED, Outbox.created_at < cutoff),
            ),
        )
        ids = _ids(session, sent)
        steps.append(Step("delivery attempts", DeliveryAttempt, DeliveryAttempt.outbox_id.in_(ids)))
        steps.append(Step("delivered messages", Outbox, Outbox.id.in_(ids)))
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.label] = counts.get(step.label, 0) + _count(session, step)
    return counts, steps


def plan(session: Session, now: datetime, today: date | None = None) -> RetentionPlan:
    """What a run would remove now; reads only, so a dry run is exactly this."""
    today = today or now.date()
    result = RetentionPlan()
    schools = list(session.scalars(select(School).order_by(School.id)))
    policies: dict[int, RetentionPolicy] = {}
    for school in schools:
        try:
            policies[school.id] = retention_of(school_settings.of(school))
        except RetentionSettingsError as exc:
            result.settings_problems.append(f"{school.name}: {exc} (school skipped)")
    for school_id, policy in policies.items():
        pupils = session.scalars(
            select(Pupil).where(Pupil.school_id == school_id).order_by(Pupil.id)
        )
        for pupil in pupils:
            outcome = _plan_pupil(session, pupil, policy, today)
            if outcome is not None:
                result.pupils.append(outcome)
    result.plumbing, _ = _plumbing(session, schools, policies, now)
    return result


# --- letting go --------------------------------------------------------------------------------


def _run(session: Session, steps: Iterable[Step]) -> None:
    for step in steps:
        if step.clear is not None:
            session.execute(update(step.model).where(step.where).values({step.clear: None}))
        else:
            session.execute(delete(step.model).where(step.where))


def _anonymise(session: Session, outcome: PupilOutcome) -> None:
    pupil = session.get(Pupil, outcome.pupil_id)
    assert pupil is not None
    session.execute(delete(GuardianPupil).where(GuardianPupil.pupil_id == pupil.id))
    pupil.first_name = "Removed"
    pupil.last_name = f"pupil #{pupil.id}"
    pupil.preferred_name = None
    pupil.external_id = f"removed-{pupil.id}"
    pupil.upn = None
    pupil.date_of_birth = date(pupil.date_of_birth.year, 1, 1)
    pupil.first_language = None
    pupil.eal = False
    pupil.looked_after = False
    pupil.sen_status = "none"
    pupil.primary_need = None
    pupil.secondary_need = None
    pupil.group_id = None
    pupil.destination_school = None
    pupil.cp_file_received_by = None
    pupil.cp_file_flagged = False
    pupil.active = False
    for guardian_id in outcome.guardians_to_anonymise:
        guardian = session.get(Guardian, guardian_id)
        if guardian is None:
            continue
        session.execute(delete(ParentMessage).where(ParentMessage.guardian_id == guardian_id))
        session.execute(
            update(Identity).where(Identity.guardian_id == guardian_id).values(active=False)
        )
        for identity in session.scalars(
            select(Identity).where(
                Identity.guardian_id == guardian_id, Identity.platform.in_(("email", "sms"))
            )
        ):
            identity.external_id = f"removed-{identity.id}"  # the address, like guardian.email
        guardian.first_name = "Removed"
        guardian.last_name = f"parent/carer #{guardian.id}"
        guardian.title = None
        guardian.external_id = f"removed-{guardian.id}"
        guardian.email = None
        guardian.phone = None
        guardian.active = False


def apply(
    factory: sessionmaker[Session], actor: Requester, now: datetime, today: date | None = None
) -> RetentionPlan:
    """Remove what the plan says, one pupil per transaction, each audited with what went.

    The plan is recomputed inside each pupil's transaction, so a record added meanwhile is
    judged on its own, and a crash part way leaves every finished pupil finished.
    """
    with factory() as session:
        overview = plan(session, now, today)
    kind, actor_id, extra = audit_actor(actor)
    for planned in overview.pupils:
        if not planned.removed and not planned.anonymise:
            continue
        with factory() as session, session.begin():
            pupil = session.get(Pupil, planned.pupil_id)
            assert pupil is not None
            school = session.get(School, pupil.school_id)
            assert school is not None
            outcome = _plan_pupil(
                session, pupil, retention_of(school_settings.of(school)), today or now.date()
            )
            if outcome is None or (not outcome.removed and not outcome.anonymise):
                continue
            _run(session, outcome.steps)
            if outcome.anonymise:
                _anonymise(session, outcome)
            event = audit.record(
                session,
                at=now,
                actor_kind=kind,
                actor_id=actor_id,
                action="retention.anonymise" if outcome.anonymise else "retention.remove",
                object_type="pupil",
                object_id=outcome.pupil_id,
                school_id=outcome.school_id,
                pupil_id=outcome.pupil_id,
                details={
                    **extra,
                    "removed": outcome.removed,
                    "records_until": outcome.records_until.isoformat(),
                    "safeguarding_until": outcome.safeguarding_until.isoformat()
                    if outcome.safeguarding_until
                    else None,
                    "guardians_anonymised": len(outcome.guardians_to_anonymise),
                },
            )
            overview.audit_event_ids.append(event.id)
            planned.removed, planned.anonymise = outcome.removed, outcome.anonymise
    if any(overview.plumbing.values()):
        with factory() as session, session.begin():
            schools = list(session.scalars(select(School).order_by(School.id)))
            policies = {}
            for school in schools:
                try:
                    policies[school.id] = retention_of(school_settings.of(school))
                except RetentionSettingsError:
                    continue
            counts, steps = _plumbing(session, schools, policies, now)
            _run(session, steps)
            event = audit.record(
                session,
                at=now,
                actor_kind=kind,
                actor_id=actor_id,
                action="retention.housekeeping",
                object_type="database",
                details={**extra, "removed": {k: v for k, v in counts.items() if v}},
            )
            overview.audit_event_ids.append(event.id)
            overview.plumbing = counts
    return overview


__all__ = ["CliActor", "DEFAULTS", "RetentionPlan", "apply", "birthday", "plan", "policy_for"]
