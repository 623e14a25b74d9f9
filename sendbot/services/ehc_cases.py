"""A pupil's EHC case, step by step: the dates that start the statutory deadlines.

The SENCO records each step as the school hears of it (a chat flow, or the MIS columns of
the roster import). Each recorded step is audited, and the pupil's deadlines are worked out
again at once (`deadlines.recompute_pupil`), so the reply can say what is due next; the
session hook recomputes them again at commit, whoever changed the case.

A pupil whose SEN status is "EHC plan" but whose case has no plan-issued or last-review
date has no annual review deadline at all: `missing_dates` lists them for the SENCO's
digest until the dates are added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.calendar import parse_nation
from sendbot.domain.people import SenStatus
from sendbot.domain.timescales import Exemption, ExemptionKind, ehc_rules_apply
from sendbot.services import audit, deadlines, policy
from sendbot.services.actors import StaffActor
from sendbot.services.policy import Action
from sendbot.store.models import EhcCase, Pupil, School
from sendbot.store.models import Exemption as ExemptionRow


class EhcStepInvalid(ValueError):
    """A step a person can put right; the message says how."""


@dataclass(frozen=True)
class Step:
    key: str
    label: str  # how a summary names it: "Final plan issued"
    column: str  # the EhcCase date it sets
    question: str  # "When was the final plan issued?"


STEPS: tuple[Step, ...] = (
    Step("request", "Assessment requested", "request_received_on",
         "When did the local authority receive the request for an EHC needs assessment?"),
    Step("decision", "Local authority's decision on assessing", "decision_on",
         "When did the local authority decide whether to assess?"),
    Step("advice_requested", "Advice requested", "advice_requested_on",
         "When did the local authority ask for advice (from the school and others)?"),
    Step("advice_given", "Advice given", "advice_received_on",
         "When was the school's advice given?"),
    Step("draft", "Draft plan received", "draft_served_on",
         "When was the draft plan sent to the family?"),
    Step("final", "Final plan issued", "final_issued_on",
         "When was the final EHC plan issued?"),
    Step("annual_review", "Last annual review", "last_annual_review_on",
         "When was the plan's last annual review held?"),
    Step("review_decision", "LA's decision after the annual review", "review_decided_on",
         "When did the local authority send its decision after the annual review?"),
    Step("amendment", "Amendment notice", "amendments_sent_on",
         "When was the notice of proposed amendments sent to the family?"),
    Step("reassessment", "Re-assessment requested", "reassessment_requested_on",
         "When was the request for a re-assessment made?"),
    Step("reassessment_decision", "Decision to re-assess", "reassessment_decided_on",
         "When did the local authority decide to re-assess?"),
    Step("decision_letter", "Decision letter (right of appeal)", "decision_letter_sent_on",
         "When was the local authority's decision letter, the one that gives the right of "
         "appeal, sent?"),
    Step("mediation", "Mediation certificate", "mediation_certificate_issued_on",
         "When was the mediation certificate issued?"),
    Step("appeal", "Appeal registered", "appeal_registered_on",
         "When was the appeal registered with the tribunal?"),
)  # fmt: skip
STEPS_BY_KEY = {step.key: step for step in STEPS}
STEPS_BY_COLUMN = {step.column: step for step in STEPS}
EXEMPTION = "exemption"
# The deadlines each step starts, so the reply can name what it leads to.
STARTS: dict[str, tuple[str, ...]] = {
    "request": ("ehc.assessment_decision",),
    "decision": ("ehc.final_plan", "ehc.mediation_contact"),
    "advice_requested": ("ehc.advice",),
    "draft": ("ehc.draft_comments",),
    "final": ("ehc.annual_review", "ehc.under5_review"),
    "annual_review": ("ehc.annual_review", "ehc.under5_review"),
    "amendment": ("ehc.amendment_representations", "ehc.final_amended_plan"),
    "reassessment": ("ehc.reassessment_decision",),
    "reassessment_decision": ("ehc.reassessment_final_plan",),
    "decision_letter": ("ehc.mediation_contact", "ehc.appeal"),
    "mediation": ("ehc.appeal",),
}

REQUESTED_BY = {
    "parent": "a parent or carer",
    "school": "the school",
    "young_person": "the young person",
    "other": "someone else",
}
OUTCOMES = {"assess": "to assess", "not_assess": "not to assess"}
# What the LA may decide after a review (reg 20(10)).
REVIEW_DECISIONS = {
    "maintain": "keep the plan as it is",
    "amend": "amend the plan",
    "cease": "cease to maintain the plan",
}
EXEMPTION_WORDS = {
    ExemptionKind.SCHOOL_CLOSURE.value: "the school was closed for at least 4 weeks",
    ExemptionKind.EARLY_YEARS_CLOSURE.value: "the early years setting was closed for 4 weeks",
    ExemptionKind.PERSONAL_CIRCUMSTANCES.value: "the family's exceptional personal circumstances",
    ExemptionKind.ABSENT_FROM_AREA.value: "the family was away from the area for 4 weeks",
    ExemptionKind.MISSED_APPOINTMENT.value: "an appointment for advice was missed",
}

# Which recorded date cannot come before which: the case reads in this order.
ORDER: tuple[tuple[str, str], ...] = (
    ("decision_on", "request_received_on"),
    ("advice_requested_on", "request_received_on"),
    ("advice_received_on", "advice_requested_on"),
    ("draft_served_on", "request_received_on"),
    ("final_issued_on", "request_received_on"),
    ("final_issued_on", "draft_served_on"),
    ("last_annual_review_on", "final_issued_on"),
    ("review_decided_on", "final_issued_on"),
    ("reassessment_decided_on", "reassessment_requested_on"),
    ("mediation_certificate_issued_on", "decision_letter_sent_on"),
    ("appeal_registered_on", "decision_letter_sent_on"),
)


def order_problems(values: Mapping[str, object]) -> list[str]:
    """Each pair of dates recorded out of order, in plain words."""
    problems = []
    for later, earlier in ORDER:
        a, b = values.get(later), values.get(earlier)
        if isinstance(a, date) and isinstance(b, date) and a < b:
            problems.append(
                f"{STEPS_BY_COLUMN[later].label} ({a:%-d %b %Y}) cannot be before "
                f"{STEPS_BY_COLUMN[earlier].label.lower()} ({b:%-d %b %Y})"
            )
    return problems


def case_values(case: EhcCase) -> dict[str, object]:
    return {step.column: getattr(case, step.column) for step in STEPS}


def open_case(session: Session, pupil_id: int) -> EhcCase | None:
    return session.scalar(
        select(EhcCase)
        .where(EhcCase.pupil_id == pupil_id, EhcCase.status != "closed")
        .order_by(EhcCase.id.desc())
        .limit(1)
    )


def case_for(session: Session, pupil_id: int) -> EhcCase:
    """The pupil's open case, opened now if they have none."""
    case = open_case(session, pupil_id)
    if case is None:
        case = EhcCase(pupil_id=pupil_id, status="open")
        session.add(case)
        session.flush()
    return case


def has_dates(case: EhcCase | None) -> bool:
    """Whether the annual review can be worked out: a plan-issued or last-review date."""
    return case is not None and (
        case.final_issued_on is not None or case.last_annual_review_on is not None
    )


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    pupil_id: int
    steps: tuple[tuple[str, date], ...]  # (label, date), in the order of STEPS
    missing_dates: bool

    def lines(self) -> list[str]:
        return [f"{label}: {day:%a %-d %b %Y}" for label, day in self.steps]


def summary(session: Session, actor: StaffActor, pupil_id: int) -> CaseSummary:
    policy.require(session, actor, Action.RECORD_EHC_STEP, pupil_id)
    case = open_case(session, pupil_id)
    steps: list[tuple[str, date]] = []
    if case is not None:
        for step in STEPS:
            day = getattr(case, step.column)
            if day is not None:
                steps.append((step.label, day))
    return CaseSummary(pupil_id, tuple(steps), not has_dates(case))


@dataclass(frozen=True)
class MissingDates:
    pupil_id: int
    pupil_name: str
    has_case: bool


def missing_dates(session: Session, school_id: int) -> list[MissingDates]:
    """Pupils with an EHC plan whose annual review cannot be worked out yet; none in a school
    outside England, where EHC plans' deadlines are not applied at all."""
    school = session.get(School, school_id)
    if school is None or not ehc_rules_apply(parse_nation(school.nation)):
        return []
    rows = session.execute(
        select(Pupil)
        .where(
            Pupil.school_id == school_id,
            Pupil.active,
            Pupil.sen_status == SenStatus.EHC_PLAN.value,
        )
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    ).scalars()
    found = []
    for pupil in rows:
        case = open_case(session, pupil.id)
        if not has_dates(case):
            found.append(MissingDates(pupil.id, pupil.display_name, case is not None))
    return found


# --- recording -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    pupil_name: str
    step_label: str
    on: date
    next_due: tuple[str, date] | None  # the pupil's next open deadline, after the change


def _check_date(on: date, today: date) -> None:
    if on > today:
        raise EhcStepInvalid(
            "That date is in the future. Please record a step once it has happened."
        )


def _pupil(session: Session, actor: StaffActor, pupil_id: int) -> Pupil:
    policy.require(session, actor, Action.RECORD_EHC_STEP, pupil_id)
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None  # the policy found it in the actor's school
    return pupil


def _next_due(
    session: Session, pupil_id: int, now: datetime, started: tuple[str, ...]
) -> tuple[str, date] | None:
    """What the step just recorded leads to: the first open deadline it starts (overdue
    or not), else the pupil's next open one still ahead."""
    live = [
        view
        for view in deadlines.list_deadlines(session, now, pupil_id=pupil_id)
        if view.status == deadlines.OPEN and view.kind not in deadlines.NOT_REMINDED
    ]
    chosen = next((v for v in live if v.kind in started), None)
    chosen = chosen or next((v for v in live if v.days_left >= 0), None)
    return (chosen.title, chosen.due_on) if chosen else None


def _extras(step: Step, requested_by: str | None, outcome: str | None) -> dict[str, str]:
    extras: dict[str, str] = {}
    if step.key == "request" and requested_by is not None:
        if requested_by not in REQUESTED_BY:
            raise EhcStepInvalid("Who made the request: a parent, the school, or someone else?")
        extras["requested_by"] = requested_by
    if step.key == "decision" and outcome is not None:
        if outcome not in OUTCOMES:
            raise EhcStepInvalid("Did the local authority decide to assess, or not to assess?")
        extras["decision_outcome"] = outcome
    if step.key == "review_decision":
        if outcome not in REVIEW_DECISIONS:
            raise EhcStepInvalid(
                "Did the local authority decide to keep the plan as it is, amend it, or cease it?"
            )
        extras["review_decision"] = outcome
    return extras


def record_step(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    step_key: str,
    on: date,
    now: datetime,
    today: date,
    *,
    requested_by: str | None = None,
    outcome: str | None = None,
) -> Recorded:
    """Set one step's date on the pupil's case (opened if need be), audited, deadlines
    recomputed in the same transaction."""
    pupil = _pupil(session, actor, pupil_id)
    step = STEPS_BY_KEY.get(step_key)
    if step is None:
        raise EhcStepInvalid("Please choose one of the steps listed.")
    _check_date(on, today)
    extras = _extras(step, requested_by, outcome)
    case = case_for(session, pupil.id)
    problems = order_problems({**case_values(case), step.column: on})
    if problems:
        raise EhcStepInvalid(f"{problems[0]}. Please check the date.")
    before = getattr(case, step.column)
    setattr(case, step.column, on)
    for name, value in extras.items():
        setattr(case, name, value)
    details: dict[str, object] = {"step": step.key, "on": on.isoformat(), **extras}
    if before is not None and before != on:
        details["was"] = before.isoformat()
    _audit(session, actor, now, "ehc_case.step", case, details)
    return _recomputed(session, pupil, step.label, on, now, STARTS.get(step.key, ()))


def record_exemption(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    kind: str,
    reason: str,
    starts_on: date,
    ends_on: date | None,
    now: datetime,
    today: date,
) -> Recorded:
    """An exception the regulations allow (reg 10(4), reg 8(2)): the clock stops while it
    lasts. Checked by the domain's own rules before it is kept."""
    pupil = _pupil(session, actor, pupil_id)
    _check_date(starts_on, today)
    try:
        Exemption(kind=ExemptionKind(kind), reason=reason, starts_on=starts_on, ends_on=ends_on)
    except ValueError as exc:
        raise EhcStepInvalid(f"That exemption cannot be recorded: {exc}.") from exc
    case = case_for(session, pupil.id)
    row = ExemptionRow(
        ehc_case_id=case.id,
        rule="",
        kind=kind,
        reason=reason.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    details: dict[str, object] = {"exemption": kind, "starts_on": starts_on.isoformat()}
    if ends_on is not None:
        details["ends_on"] = ends_on.isoformat()
    _audit(session, actor, now, "ehc_case.exemption", case, details)
    return _recomputed(session, pupil, "Exemption", starts_on, now)


def _audit(
    session: Session,
    actor: StaffActor,
    now: datetime,
    action: str,
    case: EhcCase,
    details: dict[str, object],
) -> None:
    pupil = session.get(Pupil, case.pupil_id)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type="ehc_case",
        object_id=case.id,
        school_id=pupil.school_id if pupil else None,
        pupil_id=case.pupil_id,
        details=details,
    )


def _recomputed(
    session: Session,
    pupil: Pupil,
    label: str,
    on: date,
    now: datetime,
    started: tuple[str, ...] = (),
) -> Recorded:
    session.info["sendbot.now"] = now  # the commit hook's recompute uses the same clock
    session.flush()
    deadlines.recompute_pupil(session, pupil.id, now)
    session.flush()
    return Recorded(pupil.display_name, label, on, _next_due(session, pupil.id, now, started))
