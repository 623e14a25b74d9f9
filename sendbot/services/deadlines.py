"""Deadlines materialised from the domain rules, so the reminder sweep is one indexed query.

Facts live in many tables (the EHC case and its exemptions, plans and reviews, meetings,
referrals). Whenever one of them changes in a transaction, the pupil's deadlines are worked
out again with `domain.timescales.compute_deadlines` and stored in `deadline` before the
transaction commits (`keep_fresh`, wired onto the project's session factory at start-up),
whoever made the change. A nightly recompute catches
what only the passing of time changes (a meeting that is now in the past).

A row is one (subject, rule) pair: subject "pupil" for the pupil's statutory and policy
deadlines, "concern" for a referral's follow-up. When the facts move a due date (next
year's annual review) the same row gets the new date and opens again; reminders are keyed
by the due date, so they fire again for the new one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import SystemClock
from sendbot.domain import review_dates, timescales
from sendbot.domain.calendar import SchoolCalendar, parse_nation
from sendbot.domain.people import Role
from sendbot.domain.timescales import (
    RULES_BY_KIND,
    DueDate,
    Exemption,
    ExemptionKind,
    Owner,
    PhaseTransfer,
    PupilFacts,
    ReviewFrequency,
)
from sendbot.services import action_ids, audit, policy, school_policy, school_settings, terms
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    AdultConcern,
    Concern,
    ConcernAction,
    Deadline,
    EhcCase,
    Meeting,
    PlanReview,
    Pupil,
    School,
    SenStatusChange,
    Staff,
    StaffRole,
    SupportPlan,
    TermDate,
)
from sendbot.store.models import Exemption as ExemptionRow

log = logging.getLogger(__name__)

# Meeting statuses: a review that happened, and one that did not (with a reason).
HELD_STATUSES = frozenset({"held", "completed", "done"})
NOT_HELD_STATUSES = frozenset({"not_held", "cancelled"})
SEN_SUPPORT = "sen_support"
EHC_PLAN = "ehc_plan"

# Alerts handle these at once; a dated row would only repeat them.
NOT_MATERIALISED = frozenset({"safeguarding.tell_dsl", "safeguarding.immediate_danger"})
CONCERN_KINDS = frozenset({"safeguarding.la_referral_response", "safeguarding.referral_follow_up"})
# About an adult working in the school, not a pupil (KCSIE Part four): subject "adult_concern".
ADULT_KINDS = frozenset({"adults.lado_consultation"})
ADULT_CONCERN = policy.ADULT_CONCERN
# Dates a reminder would make no sense for: the school *may* ask from then on. The child
# protection file's transfer has prompts of its own (services/cp_files.py).
NOT_REMINDED = frozenset({"ehc.reassessment_earliest", "safeguarding.cp_file_transfer"})
# The deadlines a pupil keeps after leaving the roll.
AFTER_LEAVING = frozenset({"safeguarding.cp_file_transfer"})
REVIEW_KINDS = frozenset(
    {
        "sen_support.review",
        "sen_support.parent_meeting",
        "reintegration.review",
        "ehc.annual_review",
        "ehc.under5_review",
    }
)
OPEN = "open"
DONE = "done"
MET = "met"
CANCELLED = "cancelled"
SUSPENDED = "suspended"
LIVE_STATUSES = (OPEN, SUSPENDED)

# What ConcernAction.kind (or a "decision" action's details) says about a referral. The
# safeguarding flows may word the decision slightly differently; all of these count.
REFERRAL_WORDS = frozenset(
    {"referral", "referral_made", "referral_csc", "social_care", "children_social_care", "csc"}
)
LA_RESPONSE_KINDS = frozenset(
    {"la_response", "la_acknowledged", "referral_acknowledged", "la_decision"}
)
CLOSED_CONCERN = ("closed", "resolved")


def is_referral(action: ConcernAction) -> bool:
    if action.kind in REFERRAL_WORDS:
        return True
    decision = (action.details or {}).get("decision")
    return action.kind == "decision" and str(decision) in REFERRAL_WORDS


def school_today(school: School | None, now: datetime) -> date:
    return now.astimezone(ZoneInfo(school.timezone if school else "Europe/London")).date()


def _local_date(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


# --- facts from the store ------------------------------------------------------------------


@dataclass(frozen=True)
class GatheredFacts:
    facts: PupilFacts
    exemptions: tuple[Exemption, ...]
    # The school's agreed review date beats the rule's end-of-term default.
    review_on: date | None = None


def _kind(meeting: Meeting) -> str:
    return (meeting.kind or "").lower()


def _is_annual(meeting: Meeting) -> bool:
    return "annual" in _kind(meeting)


def _exemptions(session: Session, case: EhcCase) -> list[Exemption]:
    found: list[Exemption] = []
    for row in session.scalars(select(ExemptionRow).where(ExemptionRow.ehc_case_id == case.id)):
        try:
            exemption = Exemption(
                kind=ExemptionKind(row.kind),
                reason=row.reason,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                rule=row.rule or None,
            )
        except ValueError as exc:
            log.warning("exemption %s ignored: %s", row.id, exc)
            continue
        found.append(exemption)
    return found


def _open_case(session: Session, pupil: Pupil) -> EhcCase | None:
    return session.scalar(
        select(EhcCase)
        .where(EhcCase.pupil_id == pupil.id, EhcCase.status != "closed")
        .order_by(EhcCase.id.desc())
        .limit(1)
    )


def _case_facts(case: EhcCase) -> dict[str, object]:
    """The dates the EHC case records, and its phase transfer when it names one."""
    values: dict[str, object] = dict(
        request_received_on=case.request_received_on,
        assessment_decided_on=case.decision_on,
        advice_requested_on=case.advice_requested_on,
        draft_served_on=case.draft_served_on,
        final_issued_on=case.final_issued_on,
        last_annual_review_on=case.last_annual_review_on,
        amendments_sent_on=case.amendments_sent_on,
        review_decided_on=case.review_decided_on,
        reassessment_requested_on=case.reassessment_requested_on,
        reassessment_decided_on=case.reassessment_decided_on,
        decision_letter_sent_on=case.decision_letter_sent_on,
        mediation_certificate_issued_on=case.mediation_certificate_issued_on,
    )
    if case.decision_outcome == "not_assess" and case.final_issued_on is None:
        # No assessment: the 16- and 20-week dates never come. The notice of the decision
        # carries the right of appeal (reg 5(3)), so it starts mediation and appeal.
        values["request_received_on"] = None
        values["decision_letter_sent_on"] = case.decision_letter_sent_on or case.decision_on
    if case.phase_transfer_year:
        values["phase_transfer_year"] = case.phase_transfer_year
        if case.phase_transfer_kind in {k.value for k in PhaseTransfer}:
            values["phase_transfer_kind"] = PhaseTransfer(case.phase_transfer_kind)
    return values


def _live_meetings(session: Session, pupil: Pupil) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.pupil_id == pupil.id, Meeting.status != "cancelled")
            .order_by(Meeting.starts_at)
        )
    )


def _annual_review_facts(
    recorded_last: date | None, meetings: list[Meeting], tz: str
) -> dict[str, object]:
    """The latest annual review meeting, and the last review known to have happened.

    A meeting marked held is the last review (the next is due within 12 months of it) and
    starts the report and the LA's decision; one marked not held never happened."""
    annual = [m for m in meetings if _is_annual(m) and m.status not in NOT_HELD_STATUSES]
    values: dict[str, object] = {}
    if annual:
        latest = annual[-1]
        values["review_meeting_on"] = _local_date(latest.starts_at, tz)
        values["review_meeting_held"] = latest.status in HELD_STATUSES
    held = [_local_date(m.starts_at, tz) for m in annual if m.status in HELD_STATUSES]
    known = [d for d in (recorded_last, *held) if d is not None]
    if known:
        values["last_annual_review_on"] = max(known)
    return values


def _active_support_plan(session: Session, pupil: Pupil) -> SupportPlan | None:
    return session.scalar(
        select(SupportPlan)
        .where(
            SupportPlan.pupil_id == pupil.id,
            SupportPlan.status == "active",
            SupportPlan.kind == "sen_support",
        )
        .order_by(SupportPlan.id.desc())
        .limit(1)
    )


def _support_plan_facts(
    session: Session,
    plan: SupportPlan,
    school_id: int,
    meetings: list[Meeting],
    tz: str,
    today: date,
) -> dict[str, object]:
    """The SEN support cycle: when the plan started, was last reviewed, and met parents."""
    values: dict[str, object] = {"support_plan_started_on": plan.started_on}
    last_review = session.scalar(
        select(PlanReview.held_on)
        .where(PlanReview.plan_id == plan.id)
        .order_by(PlanReview.held_on.desc())
        .limit(1)
    )
    if last_review is not None and last_review >= plan.started_on:
        values["support_plan_last_reviewed_on"] = last_review
    frequency = school_policy.load(session, school_id).review("sen_support")
    values["review_frequency"] = ReviewFrequency(frequency)
    met = _last_parent_meeting(meetings, tz, today)
    if met is not None:
        values["last_parent_meeting_on"] = met
    return values


def _last_parent_meeting(meetings: list[Meeting], tz: str, today: date) -> date | None:
    """The last meeting with the parents of a pupil on SEN support (Code 6.65): a review
    meeting or a parents' meeting that has taken place, plan or no plan; one marked not
    held did not meet them."""
    met = [
        _local_date(m.starts_at, tz)
        for m in meetings
        if _kind(m) in ("sen_support_review", "parent_meeting")
        and m.status not in NOT_HELD_STATUSES
        and _local_date(m.starts_at, tz) <= today
    ]
    return met[-1] if met else None


def _reintegration_facts(meetings: list[Meeting], tz: str, today: date) -> dict[str, object]:
    reintegration = [_local_date(m.starts_at, tz) for m in meetings if "reintegration" in _kind(m)]
    if not reintegration:
        return {}
    values: dict[str, object] = {"reintegration_started_on": reintegration[0]}
    past = [d for d in reintegration if d <= today]
    if past and past[-1] > reintegration[0]:
        values["reintegration_last_reviewed_on"] = past[-1]
    return values


def _phase_transfer_facts(session: Session, pupil: Pupil, today: date) -> dict[str, object]:
    """The phase transfer as recorded on the pupil, else worked out from their year group
    and the school's last year group (reg 18: the plan is amended in the calendar year of
    the transfer)."""
    if pupil.phase_transfer_year:
        return {"phase_transfer_year": pupil.phase_transfer_year}
    school = session.get(School, pupil.school_id)
    last = school_settings.of(school).last_year_group if school is not None else None
    if last is None:
        highest = session.scalar(
            select(func.max(Pupil.year_group)).where(
                Pupil.school_id == pupil.school_id, Pupil.active
            )
        )
        last = review_dates.likely_last_year_group(highest)
    found = review_dates.phase_transfer_for(pupil.year_group, today, last)
    if found is None:
        return {}
    year, kind = found
    return {"phase_transfer_year": year, "phase_transfer_kind": kind}


def _sen_support_without_plan(
    session: Session, pupil: Pupil, meetings: list[Meeting], tz: str, today: date
) -> dict[str, object]:
    """A pupil on SEN support with no plan written yet still has a review on the school's
    cycle: counted from when they went onto SEN support (else from the start of the school
    year, a date that does not slide, so a review never recorded shows as overdue rather
    than moving on every night) and from the last review meeting held."""
    changed = session.scalar(
        select(SenStatusChange.changed_at)
        .where(SenStatusChange.pupil_id == pupil.id, SenStatusChange.to_status == SEN_SUPPORT)
        .order_by(SenStatusChange.changed_at.desc())
        .limit(1)
    )
    started = _local_date(changed, tz) if changed is not None else None
    if started is None:
        started = review_dates.school_year_start(today)
    values: dict[str, object] = {"support_plan_started_on": started}
    frequency = school_policy.load(session, pupil.school_id).review(SEN_SUPPORT)
    values["review_frequency"] = ReviewFrequency(frequency)
    held = [
        _local_date(m.starts_at, tz)
        for m in meetings
        if _kind(m) == "sen_support_review" and m.status in HELD_STATUSES
    ]
    if held and held[-1] >= started:
        values["support_plan_last_reviewed_on"] = held[-1]
    met = _last_parent_meeting(meetings, tz, today)
    if met is not None and met >= started:
        values["last_parent_meeting_on"] = met
    return values


def gather_facts(session: Session, pupil: Pupil, today: date) -> GatheredFacts:
    """Everything the rules read about one pupil, from wherever it is recorded."""
    school = session.get(School, pupil.school_id)
    tz = school.timezone if school else "Europe/London"
    values: dict[str, object] = {"date_of_birth": pupil.date_of_birth}
    exemptions: list[Exemption] = []
    case = _open_case(session, pupil)
    if case is not None:
        values.update(_case_facts(case))
        exemptions = _exemptions(session, case)
    has_plan = case is not None or pupil.sen_status == EHC_PLAN
    if "phase_transfer_year" not in values and has_plan:
        values.update(_phase_transfer_facts(session, pupil, today))
    meetings = _live_meetings(session, pupil)
    if has_plan:
        recorded = case.last_annual_review_on if case is not None else None
        values.update(_annual_review_facts(recorded, meetings, tz))
    review_on = None
    plan = _active_support_plan(session, pupil)
    if plan is not None:
        values.update(_support_plan_facts(session, plan, pupil.school_id, meetings, tz, today))
        review_on = plan.next_review_on
    elif pupil.sen_status == SEN_SUPPORT:
        values.update(_sen_support_without_plan(session, pupil, meetings, tz, today))
    values.update(_reintegration_facts(meetings, tz, today))
    if pupil.leaving_on is not None and has_cp_file(session, pupil):
        values["pupil_leaving_on"] = pupil.leaving_on
        values["cp_file_received_on"] = pupil.cp_file_received_on
    return GatheredFacts(_safe_facts(values, pupil.id), tuple(exemptions), review_on)


def has_cp_file(session: Session, pupil: Pupil) -> bool:
    """A child protection file: any safeguarding concern on record for the pupil, or the
    DSL's flag (a file that came from a previous school, say)."""
    if pupil.cp_file_flagged:
        return True
    return (
        session.scalar(
            select(Concern.id).where(Concern.pupil_id == pupil.id, Concern.safeguarding).limit(1)
        )
        is not None
    )


def _safe_facts(values: dict[str, object], pupil_id: int) -> PupilFacts:
    """Facts recorded out of order (a decision before its request) drop the later one."""
    try:
        return PupilFacts(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        log.warning("pupil %s: facts out of order (%s); dropping the offending date", pupil_id, exc)
        text = str(exc)
        name = text.split(" ", 1)[0]
        if name in values:
            values = {k: v for k, v in values.items() if k != name}
            return _safe_facts(values, pupil_id)
        return PupilFacts(date_of_birth=values.get("date_of_birth"))  # type: ignore[arg-type]


def _compute(
    facts: PupilFacts, calendar: SchoolCalendar, exemptions: Iterable[Exemption]
) -> list[DueDate]:
    usable = []
    for exemption in exemptions:
        try:
            timescales.check_exemptions(facts, [exemption])
        except ValueError as exc:
            log.warning("exemption not applied: %s", exc)
            continue
        usable.append(exemption)
    return timescales.compute_deadlines(facts, calendar, usable)


# --- storing -------------------------------------------------------------------------------


@dataclass
class RecomputeResult:
    opened: int = 0
    changed: int = 0
    closed: int = 0


def _store(
    session: Session,
    *,
    school_id: int,
    pupil_id: int | None,
    subject_type: str,
    subject_id: int,
    dues: list[DueDate],
    keep: frozenset[str] | None,
    now: datetime,
    owner_staff_id: int | None = None,
) -> RecomputeResult:
    result = RecomputeResult()
    existing = {
        row.kind: row
        for row in session.scalars(
            select(Deadline).where(
                Deadline.subject_type == subject_type, Deadline.subject_id == subject_id
            )
        )
    }
    seen: set[str] = set()
    for due in dues:
        if due.kind in NOT_MATERIALISED or (keep is not None and due.kind not in keep):
            continue
        seen.add(due.kind)
        status = SUSPENDED if due.suspended else MET if due.met_on is not None else OPEN
        source = due.source[:200]
        row = existing.get(due.kind)
        if row is None:
            session.add(
                Deadline(
                    school_id=school_id,
                    pupil_id=pupil_id,
                    kind=due.kind,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    due_on=due.due,
                    owner_role=due.owner.value,
                    owner_staff_id=owner_staff_id,
                    status=status,
                    source=source,
                    computed_at=now,
                    done_at=now if status == MET else None,
                )
            )
            result.opened += 1
            continue
        moved = row.due_on != due.due
        if status == OPEN and row.status == DONE and not moved:
            status = DONE  # staff marked it done; the facts have not moved it
        if moved or row.status != status or row.source != source:
            result.changed += 1
            row.due_on = due.due
            row.status = status
            row.source = source
            row.owner_role = due.owner.value
            row.done_at = row.done_at if status == DONE else (now if status == MET else None)
        if owner_staff_id is not None:
            row.owner_staff_id = owner_staff_id
        row.computed_at = now
    for kind, row in existing.items():
        if kind not in seen and row.status in LIVE_STATUSES:
            row.status = CANCELLED
            row.computed_at = now
            result.closed += 1
    return result


def recompute_pupil(
    session: Session, pupil_id: int, now: datetime, calendar: SchoolCalendar | None = None
) -> RecomputeResult:
    """Work out and store one pupil's deadlines from the facts as they are now."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        return RecomputeResult()
    school = session.get(School, pupil.school_id)
    cal = calendar or terms.calendar_for(session, pupil.school_id)
    gathered = gather_facts(session, pupil, school_today(school, now))
    dues = _compute(gathered.facts, cal, gathered.exemptions)
    if gathered.review_on is not None:
        # The plan carries the review date the school agreed; it is shown and reminded from
        # the plan itself (`plan_reviews_due`), so a second row would list it twice.
        dues = [d for d in dues if d.kind != "sen_support.review"]
    pupil_kinds = frozenset(RULES_BY_KIND) - CONCERN_KINDS - ADULT_KINDS
    if not pupil.active:
        # A pupil who has left keeps one duty: their child protection file follows them.
        dues = [d for d in dues if d.kind in AFTER_LEAVING]
    return _store(
        session,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        subject_type="pupil",
        subject_id=pupil.id,
        dues=dues,
        keep=pupil_kinds,
        now=now,
    )


def referral_of(session: Session, concern_id: int) -> ConcernAction | None:
    """The latest referral to children's social care recorded on a concern."""
    actions = session.scalars(
        select(ConcernAction)
        .where(ConcernAction.concern_id == concern_id)
        .order_by(ConcernAction.at.desc(), ConcernAction.id.desc())
    )
    return next((a for a in actions if is_referral(a)), None)


def la_response_of(session: Session, concern_id: int, after: datetime) -> ConcernAction | None:
    return session.scalar(
        select(ConcernAction)
        .where(
            ConcernAction.concern_id == concern_id,
            ConcernAction.kind.in_(LA_RESPONSE_KINDS),
            ConcernAction.at >= after,
        )
        .order_by(ConcernAction.at)
        .limit(1)
    )


def recompute_concern(
    session: Session, concern_id: int, now: datetime, calendar: SchoolCalendar | None = None
) -> RecomputeResult:
    """A referral's deadlines: the LA's one working day, then the DSL's follow-up."""
    concern = session.get(Concern, concern_id)
    if concern is None:
        return RecomputeResult()
    school = session.get(School, concern.school_id)
    tz = school.timezone if school else "Europe/London"
    referral = referral_of(session, concern.id)
    dues: list[DueDate] = []
    if referral is not None and concern.status not in CLOSED_CONCERN:
        response = la_response_of(session, concern.id, referral.at)
        made = _local_date(referral.at, tz)
        answered = _local_date(response.at, tz) if response else None
        facts = PupilFacts(
            referral_made_on=made,
            referral_acknowledged_on=max(answered, made) if answered else None,
        )
        cal = calendar or terms.calendar_for(session, concern.school_id)
        dues = timescales.compute_deadlines(facts, cal)
    return _store(
        session,
        school_id=concern.school_id,
        pupil_id=concern.pupil_id,
        subject_type="concern",
        subject_id=concern.id,
        dues=dues,
        keep=CONCERN_KINDS,
        now=now,
        owner_staff_id=referral.actor_id if referral is not None else None,
    )


def recompute_adult_concern(
    session: Session,
    *,
    concern_id: int,
    school_id: int,
    reported_at: datetime | None,
    consulted_on: date | None,
    owner_staff_id: int | None,
    now: datetime,
    calendar: SchoolCalendar | None = None,
) -> date | None:
    """An allegation's LADO consultation: one working day, owned by the case manager (no
    pupil). `reported_at` None (a low-level concern) or no owner: no deadline. Returns the
    due date."""
    school = session.get(School, school_id)
    tz = school.timezone if school else "Europe/London"
    dues: list[DueDate] = []
    if reported_at is not None and owner_staff_id is not None:
        reported_on = _local_date(reported_at, tz)
        facts = PupilFacts(
            allegation_reported_on=reported_on,
            lado_consulted_on=max(consulted_on, reported_on) if consulted_on else None,
        )
        cal = calendar or terms.calendar_for(session, school_id)
        found = timescales.deadline("adults.lado_consultation", facts, cal)
        dues = [found] if found is not None else []
    _store(
        session,
        school_id=school_id,
        pupil_id=None,
        subject_type=ADULT_CONCERN,
        subject_id=concern_id,
        dues=dues,
        keep=ADULT_KINDS,
        now=now,
        owner_staff_id=owner_staff_id,
    )
    return dues[0].due if dues else None


def recompute_school(session: Session, school_id: int, now: datetime) -> RecomputeResult:
    """Every pupil with facts, and every concern with a referral, in one school."""
    cal = terms.calendar_for(session, school_id)
    total = RecomputeResult()
    pupil_ids = set(
        session.scalars(select(EhcCase.pupil_id).join(Pupil).where(Pupil.school_id == school_id))
    )
    pupil_ids |= set(
        session.scalars(
            select(SupportPlan.pupil_id).join(Pupil).where(Pupil.school_id == school_id)
        )
    )
    pupil_ids |= set(
        session.scalars(select(Meeting.pupil_id).where(Meeting.school_id == school_id))
    )
    pupil_ids |= set(
        session.scalars(
            select(Pupil.id).where(
                Pupil.school_id == school_id, Pupil.sen_status.in_((SEN_SUPPORT, EHC_PLAN))
            )
        )
    )
    pupil_ids |= set(
        session.scalars(
            select(Deadline.pupil_id).where(
                Deadline.school_id == school_id, Deadline.subject_type == "pupil"
            )
        )
    )
    pupil_ids |= set(
        session.scalars(
            select(Pupil.id).where(Pupil.school_id == school_id, Pupil.leaving_on.is_not(None))
        )
    )
    for pupil_id in sorted(p for p in pupil_ids if p is not None):
        _add(total, recompute_pupil(session, pupil_id, now, cal))
    concern_ids = set(
        session.scalars(
            select(ConcernAction.concern_id)
            .join(Concern, Concern.id == ConcernAction.concern_id)
            .where(Concern.school_id == school_id)
        )
    )
    for concern_id in sorted(concern_ids):
        _add(total, recompute_concern(session, concern_id, now, cal))
    for adult in session.scalars(
        select(AdultConcern).where(
            AdultConcern.school_id == school_id, AdultConcern.kind == "allegation"
        )
    ):
        managers = policy.case_manager_ids(session, school_id, adult.subject_staff_id)
        recompute_adult_concern(
            session,
            concern_id=adult.id,
            school_id=school_id,
            reported_at=adult.raised_at,
            consulted_on=adult.lado_consulted_on,
            owner_staff_id=managers[0] if managers else None,
            now=now,
            calendar=cal,
        )
    return total


def _add(total: RecomputeResult, part: RecomputeResult) -> None:
    total.opened += part.opened
    total.changed += part.changed
    total.closed += part.closed


# --- keeping them fresh: recompute inside the transaction that changed a fact --------------

_PENDING = "sendbot.deadlines.pending"
_BUSY = "sendbot.deadlines.busy"
_PUPIL_FACT_ATTRS = (
    "date_of_birth",
    "phase_transfer_year",
    "active",
    "sen_status",
    "year_group",
    "leaving_on",
    "cp_file_flagged",
    "cp_file_received_on",
)


# Rows that name whose deadlines they change: (model, pending set, the column naming it).
_FACT_ROWS: tuple[tuple[type[Any], str, str], ...] = (
    (EhcCase, "pupils", "pupil_id"),
    (Meeting, "pupils", "pupil_id"),
    (SupportPlan, "pupils", "pupil_id"),
    (ExemptionRow, "cases", "ehc_case_id"),
    (PlanReview, "plans", "plan_id"),
    (ConcernAction, "concerns", "concern_id"),
    (TermDate, "schools", "school_id"),
)
# Rows whose own change counts once they are updated: (model, pending set, the attributes
# that are facts, or None when any change is one).
_UPDATED_FACT_ROWS: tuple[tuple[type[Any], str, tuple[str, ...] | None], ...] = (
    (Concern, "concerns", None),
    (Pupil, "pupils", _PUPIL_FACT_ATTRS),
    (School, "schools", ("settings", "nation")),
)


def _has_changes(obj: object, names: tuple[str, ...] | None) -> bool:
    if names is None:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session: Session, obj: object) -> tuple[str, Any] | None:
    """The pending set a changed row goes into, and the id it adds; None if it is no fact."""
    for model, key, column in _FACT_ROWS:
        if isinstance(obj, model):
            ident = getattr(obj, column)
            return None if key == "pupils" and ident is None else (key, ident)
    if isinstance(obj, Pupil) and obj in session.new:
        # A pupil arriving with SEND (a roster import) has reviews due from day one.
        return ("pupils", obj.id) if obj.sen_status in (SEN_SUPPORT, EHC_PLAN) else None
    for model, key, names in _UPDATED_FACT_ROWS:
        if isinstance(obj, model):
            if obj in session.dirty and _has_changes(obj, names):
                return key, obj.id
            return None
    return None


def _collect(session: Session, flush_context: object) -> None:
    if session.info.get(_BUSY):
        return
    pending = session.info.setdefault(
        _PENDING,
        {"pupils": set(), "cases": set(), "plans": set(), "concerns": set(), "schools": set()},
    )
    for obj in (*session.new, *session.dirty, *session.deleted):
        touched = _touched(session, obj)
        if touched is not None:
            key, ident = touched
            pending[key].add(ident)


def _apply(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # before_commit runs before commit's own flush: collect first
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()) or session.info.get(_BUSY):
        return
    now = session.info.get("sendbot.now") or SystemClock().now()
    session.info[_BUSY] = True
    try:
        with session.begin_nested():
            _recompute_pending(session, pending, now)
    except Exception:  # never lose the caller's change over a deadline; the nightly run retries
        log.exception("deadlines could not be recomputed now; the nightly run will retry")
    finally:
        session.info.pop(_BUSY, None)


def _recompute_pending(session: Session, pending: dict[str, set[int]], now: datetime) -> None:
    session.flush()
    pupils = set(pending["pupils"])
    if pending["cases"]:
        pupils |= set(
            session.scalars(select(EhcCase.pupil_id).where(EhcCase.id.in_(pending["cases"])))
        )
    if pending["plans"]:
        pupils |= set(
            session.scalars(
                select(SupportPlan.pupil_id).where(SupportPlan.id.in_(pending["plans"]))
            )
        )
    for school_id in sorted(pending["schools"]):
        recompute_school(session, school_id, now)
    for pupil_id in sorted(pupils):
        recompute_pupil(session, pupil_id, now)
    for concern_id in sorted(pending["concerns"]):
        recompute_concern(session, concern_id, now)


def recomputed(session: Session, school_id: int) -> None:
    """A service that has just recomputed a school's deadlines itself: the commit's hook
    need not do the whole school again."""
    pending = session.info.get(_PENDING)
    if pending:
        pending["schools"].discard(school_id)


def _forget(session: Session, *args: object) -> None:
    session.info.pop(_PENDING, None)


def keep_fresh(factory: sessionmaker[Session]) -> None:
    """Recompute deadlines in every transaction of this factory's sessions that changes a
    fact. A session hook for `store.db.session_factory`; sessions made elsewhere are left
    alone.

    A service may set `session.info["sendbot.now"]` to its clock's time, so a frozen or
    fast-forwarded clock stamps the recomputation too.
    """
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "before_commit", _apply)
    event.listen(factory, "after_rollback", _forget)


# --- reading them back ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineView:
    id: int | None  # the deadline's; None for a plan's agreed review (`plan_id` says which)
    kind: str
    title: str
    description: str
    pupil_id: int | None
    pupil_name: str | None
    due_on: date
    days_left: int
    owner_role: str
    owner: str
    status: str
    source: str
    plan_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            **({"plan_id": self.plan_id} if self.plan_id is not None else {}),
            "kind": self.kind,
            "title": self.title,
            "pupil_id": self.pupil_id,
            "pupil": self.pupil_name,
            "due_on": self.due_on.isoformat(),
            "days_left": self.days_left,
            "owner_role": self.owner_role,
            "owner": self.owner,
            "status": self.status,
            "source": self.source,
        }


OWNER_WORDS = {
    Owner.LA.value: "local authority",
    Owner.PARENT.value: "family",
    Owner.SCHOOL.value: "school",
    Owner.SENCO.value: "SENCO",
    Owner.DSL.value: "DSL",
    Owner.STAFF.value: "staff",
    Owner.ANYONE.value: "anyone",
    Owner.CASE_MANAGER.value: "case manager",
}


def reminder_role(owner_role: str) -> Role:
    """Whose job it is in school to act on (or chase) this deadline."""
    return Role.DSL if owner_role == Owner.DSL.value else Role.SENCO


def staff_with_role(session: Session, school_id: int, role: Role) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(Staff.school_id == school_id, Staff.active, StaffRole.role == role.value)
            .order_by(Staff.id)
        )
    )


def owners(session: Session, row: Deadline) -> list[Staff]:
    """The named owner if still active, else everyone in school with the owning role. A
    deadline about an adult has only its named owner, the case manager: never a role."""
    if row.owner_staff_id is not None:
        staff = session.get(Staff, row.owner_staff_id)
        if staff is not None and staff.active:
            return [staff]
    if row.subject_type == ADULT_CONCERN:
        return []
    return staff_with_role(session, row.school_id, reminder_role(row.owner_role))


def law_notice(session: Session, school_id: int) -> str | None:
    """For a school outside England: England's EHC rules are not applied, and what applies
    there instead. None for a school in England."""
    school = session.get(School, school_id)
    if school is None:
        return None
    return timescales.ehc_rules_not_applied(parse_nation(school.nation))


def title_of(kind: str) -> str:
    """A deadline's name in plain words for people to read: its rule's own title ('Annual
    review of the EHC plan'), else its kind written out, never the raw rule id."""
    rule = RULES_BY_KIND.get(kind)
    if rule is not None:
        return rule.title
    words = kind.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _view(session: Session, row: Deadline, pupil: Pupil | None, today: date) -> DeadlineView:
    rule = RULES_BY_KIND.get(row.kind)
    people = owners(session, row)
    who = OWNER_WORDS.get(row.owner_role, row.owner_role)
    if row.owner_role not in (Owner.LA.value, Owner.PARENT.value) and people:
        who = f"{who}: {', '.join(p.display_name for p in people)}"
    elif people:
        who = f"{who} (school contact: {', '.join(p.display_name for p in people)})"
    return DeadlineView(
        id=row.id,
        kind=row.kind,
        title=title_of(row.kind),
        description=rule.description if rule else "",
        pupil_id=row.pupil_id,
        pupil_name=pupil.display_name if pupil else None,
        due_on=row.due_on,
        days_left=(row.due_on - today).days,
        owner_role=row.owner_role,
        owner=who,
        status=row.status,
        source=row.source,
    )


def list_deadlines(
    session: Session,
    now: datetime,
    *,
    school_id: int | None = None,
    pupil_id: int | None = None,
    include_closed: bool = False,
) -> list[DeadlineView]:
    if school_id is None and pupil_id is None:
        raise ValueError("name a school or a pupil")
    query = select(Deadline, Pupil).outerjoin(Pupil, Pupil.id == Deadline.pupil_id)
    if school_id is not None:
        query = query.where(Deadline.school_id == school_id)
    if pupil_id is not None:
        query = query.where(Deadline.pupil_id == pupil_id)
    if not include_closed:
        query = query.where(Deadline.status.in_(LIVE_STATUSES))
    rows = session.execute(query.order_by(Deadline.due_on, Deadline.kind, Deadline.id)).all()
    if not rows:
        return []
    school = session.get(School, rows[0][0].school_id)
    today = school_today(school, now)
    return [_view(session, row, pupil, today) for row, pupil in rows]


# --- plan reviews: dated on the plan itself ------------------------------------------------


@dataclass(frozen=True)
class PlanReviewDue:
    plan_id: int
    pupil_id: int
    pupil_name: str
    kind: str
    due_on: date


def plan_reviews_due(session: Session, school_id: int, until: date) -> list[PlanReviewDue]:
    """Active support and monitoring plans whose agreed review date is by `until`.

    EHC plans are left out: their review is the statutory annual review deadline.
    """
    rows = session.execute(
        select(SupportPlan, Pupil)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            Pupil.school_id == school_id,
            Pupil.active,
            SupportPlan.status == "active",
            SupportPlan.kind != "ehc_plan",
            SupportPlan.next_review_on.is_not(None),
            SupportPlan.next_review_on <= until,
        )
        .order_by(SupportPlan.next_review_on, SupportPlan.id)
    ).all()
    return [
        PlanReviewDue(plan.id, pupil.id, pupil.display_name, plan.kind, plan.next_review_on)
        for plan, pupil in rows
        if plan.next_review_on is not None
    ]


PLAN_REVIEW = "plan_review"


def plan_review_views(
    session: Session, now: datetime, *, school_id: int | None = None, pupil_id: int | None = None
) -> list[DeadlineView]:
    """Each active support or monitoring plan's agreed next review, as a line beside the
    deadlines: the plan carries that date instead of a `sen_support.review` row, so a list of
    deadlines without it would leave out the review the SENCO agreed (Code 6.65)."""
    query = (
        select(SupportPlan, Pupil)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            Pupil.active,
            SupportPlan.status == "active",
            SupportPlan.kind != "ehc_plan",
            SupportPlan.next_review_on.is_not(None),
        )
        .order_by(SupportPlan.next_review_on, SupportPlan.id)
    )
    if school_id is not None:
        query = query.where(Pupil.school_id == school_id)
    if pupil_id is not None:
        query = query.where(Pupil.id == pupil_id)
    views = []
    for plan, pupil in session.execute(query).all():
        assert plan.next_review_on is not None
        names = school_policy.load(session, pupil.school_id)
        today = school_today(session.get(School, pupil.school_id), now)
        people = staff_with_role(session, pupil.school_id, Role.SENCO)
        cited = "Code 6.44, 6.65; school policy" if plan.kind == SEN_SUPPORT else "school policy"
        views.append(
            DeadlineView(
                id=None,
                kind=PLAN_REVIEW,
                title=f"{names.plan_name(plan.kind)} review (the date agreed)",
                description="The review date agreed for this plan.",
                pupil_id=pupil.id,
                pupil_name=pupil.display_name,
                due_on=plan.next_review_on,
                days_left=(plan.next_review_on - today).days,
                owner_role=Owner.SENCO.value,
                owner=f"SENCO: {', '.join(p.display_name for p in people)}" if people else "SENCO",
                status=OPEN,
                source=cited,
                plan_id=plan.id,
            )
        )
    return views


# --- marking one done ----------------------------------------------------------------------


class DeadlineNotFound(LookupError):
    """No such deadline in the actor's school."""


def may_mark_done(actor: StaffActor, row: Deadline) -> bool:
    return policy.may_mark_deadline_done(actor, row)


def mark_done(session: Session, actor: StaffActor, deadline_id: int, now: datetime) -> str:
    """The "Done" button on a reminder: stops its reminders and its overdue line."""
    row = session.get(Deadline, deadline_id)
    if row is None or row.school_id != actor.school_id:
        raise DeadlineNotFound("I can't find that deadline.")
    rule = RULES_BY_KIND.get(row.kind)
    title = rule.title if rule else row.kind
    if not may_mark_done(actor, row):
        return f"Only the owner of this deadline can mark it done ({title})."
    if row.status == DONE:
        return f"Already marked done: {title}."
    row.status = DONE
    row.done_at = now
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="deadline.done",
        object_type="deadline",
        object_id=row.id,
        school_id=row.school_id,
        pupil_id=row.pupil_id,
        details={"kind": row.kind, "due_on": row.due_on.isoformat()},
    )
    return f"Marked done: {title} (due {row.due_on:%a %-d %b %Y})."


DONE_ACTION = action_ids.DEADLINE_DONE


def done_action_id(session: Session, deadline_id: int) -> str:
    """A reminder's Done button, sealed like every other button id."""
    return action_ids.seal(session, DONE_ACTION, deadline_id)
