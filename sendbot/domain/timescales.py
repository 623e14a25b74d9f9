"""Statutory and policy deadlines for SEND and safeguarding in English schools.

Every rule in the table at the top of shared domain/SEND_TIMESCALES.md ("the reference") is a
`Rule` here: data (kind, owner, source, evidence grade, the exemptions it allows) plus one
small function that turns a pupil's recorded facts into a due date. `compute_deadlines` runs
them all. The scheduler materialises the result as `Deadline` rows; nothing here reads the
clock or the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sendbot.domain.calendar import (
    Nation,
    SchoolCalendar,
    TermDatesMissing,
    add_days,
    add_months,
    add_weeks,
    last_day_of_months_starting_with,
    require_date,
)

SUMMER_CLOSURE_MIN_DAYS = 28  # "at least 4 continuous weeks" (reg 10(4)(a),(b),(d))


class Owner(StrEnum):
    """Who owes the action; the scheduler maps these to people or to chasing the LA."""

    LA = "la"
    SCHOOL = "school"
    PARENT = "parent"
    DSL = "dsl"
    SENCO = "senco"
    STAFF = "staff"
    ANYONE = "anyone"
    # The headteacher, or the chair of governors when the concern is about the headteacher.
    CASE_MANAGER = "case_manager"


class PhaseTransfer(StrEnum):
    SECONDARY_TO_POST16 = "secondary_to_post16"  # reg 18(1)(a): before 31 March
    OTHER = "other"  # reg 18(1)(b): before 15 February


class ReviewFrequency(StrEnum):
    """School policy for SEN support reviews (the seeds show both)."""

    TERMLY = "termly"
    HALF_TERMLY = "half_termly"


class ExemptionKind(StrEnum):
    """The exceptions the regulations list; nothing else (not a waiting list) qualifies."""

    SCHOOL_CLOSURE = "school_closure"  # reg 5(4)(a), 10(4)(a), 13(3), 27(3)(a)
    EARLY_YEARS_CLOSURE = "early_years_closure"  # reg 5(4)(b), 10(4)(b), 13(3), 27(3)(b)
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"  # reg 10(4)(c); reg 8(2)(a)
    ABSENT_FROM_AREA = "absent_from_area"  # reg 10(4)(d); reg 8(2)(b)
    MISSED_APPOINTMENT = "missed_appointment"  # reg 8(2)(c) only


# The four exceptions of reg 10(4)(a)-(d), which regs 5(4), 13(3) and 27(3) repeat.
REG_10_4 = frozenset(
    {
        ExemptionKind.SCHOOL_CLOSURE,
        ExemptionKind.EARLY_YEARS_CLOSURE,
        ExemptionKind.PERSONAL_CIRCUMSTANCES,
        ExemptionKind.ABSENT_FROM_AREA,
    }
)
# reg 8(2): no school-holiday exception for the six-week advice.
REG_8_2 = frozenset(
    {
        ExemptionKind.PERSONAL_CIRCUMSTANCES,
        ExemptionKind.ABSENT_FROM_AREA,
        ExemptionKind.MISSED_APPOINTMENT,
    }
)
_MIN_FOUR_WEEKS = frozenset(
    {
        ExemptionKind.SCHOOL_CLOSURE,
        ExemptionKind.EARLY_YEARS_CLOSURE,
        ExemptionKind.ABSENT_FROM_AREA,
    }
)


# --- facts in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilFacts:
    """What the rules read about one pupil: the EHC case, SEN support, reintegration and
    safeguarding dates. Every field is optional; a rule with no starting fact says nothing."""

    # EHC needs assessment (reference section 2)
    request_received_on: date | None = None
    assessment_decided_on: date | None = None
    advice_requested_on: date | None = None
    draft_served_on: date | None = None
    final_issued_on: date | None = None
    # annual review (section 3)
    last_annual_review_on: date | None = None
    review_meeting_on: date | None = None
    review_meeting_held: bool = False  # staff marked that meeting held
    review_decided_on: date | None = None  # the LA's decision after a review (reg 20(10))
    amendments_sent_on: date | None = None
    date_of_birth: date | None = None
    # phase transfer (section 4): the calendar year of the move
    phase_transfer_year: int | None = None
    phase_transfer_kind: PhaseTransfer | None = None
    # re-assessment (section 5); decided_on is the reg 25(1) notice of a decision to re-assess
    last_assessment_on: date | None = None
    reassessment_requested_on: date | None = None
    reassessment_decided_on: date | None = None
    # disagreement (section 7)
    decision_letter_sent_on: date | None = None
    mediation_certificate_issued_on: date | None = None
    # SEN support (section 9)
    support_plan_started_on: date | None = None
    support_plan_last_reviewed_on: date | None = None
    review_frequency: ReviewFrequency = ReviewFrequency.TERMLY
    last_parent_meeting_on: date | None = None
    # reintegration / reduced timetable (seed 000)
    reintegration_started_on: date | None = None
    reintegration_last_reviewed_on: date | None = None
    # safeguarding (section 10)
    concern_logged_on: date | None = None
    immediate_danger: bool = False
    referral_made_on: date | None = None
    referral_acknowledged_on: date | None = None
    pupil_leaving_on: date | None = None  # only for a pupil with a child protection file
    cp_file_received_on: date | None = None  # the new school confirmed receipt
    # an allegation about an adult working in the school (SAFEGUARDING.md section 3): the
    # day it reached sendbot; it is about an adult, so it is the only fact such a record has
    allegation_reported_on: date | None = None
    lado_consulted_on: date | None = None

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name.endswith("_on") and value is not None:
                require_date(value, name)
        object.__setattr__(self, "review_frequency", ReviewFrequency(self.review_frequency))
        if self.phase_transfer_kind is not None:
            object.__setattr__(self, "phase_transfer_kind", PhaseTransfer(self.phase_transfer_kind))
            if self.phase_transfer_year is None:
                raise ValueError("a phase-transfer kind needs the year of the transfer")
        year = self.phase_transfer_year
        if year is not None and (
            isinstance(year, bool) or not isinstance(year, int) or not 1900 < year < 3000
        ):
            raise ValueError(f"phase_transfer_year must be a calendar year, not {year!r}")
        self._check_order()

    def _check_order(self) -> None:
        after = [
            ("assessment_decided_on", "request_received_on"),
            ("advice_requested_on", "request_received_on"),
            ("draft_served_on", "request_received_on"),
            ("final_issued_on", "request_received_on"),
            ("final_issued_on", "draft_served_on"),
            ("reassessment_decided_on", "reassessment_requested_on"),
            ("referral_acknowledged_on", "referral_made_on"),
            ("lado_consulted_on", "allegation_reported_on"),
            ("support_plan_last_reviewed_on", "support_plan_started_on"),
            ("reintegration_last_reviewed_on", "reintegration_started_on"),
        ]
        for later, earlier in after:
            a, b = getattr(self, later), getattr(self, earlier)
            if a is not None and b is not None and a < b:
                raise ValueError(
                    f"{later} ({a.isoformat()}) cannot be before {earlier} ({b.isoformat()})"
                )


@dataclass(frozen=True)
class Exemption:
    """A recorded exception: the clock stops from `starts_on` to `ends_on` (inclusive).

    `rule` names the one deadline kind it is recorded against; None means every rule that
    allows this kind of exception. With no `ends_on` the exception is still going on, and
    the deadlines it touches are suspended.
    """

    kind: ExemptionKind
    reason: str
    starts_on: date
    ends_on: date | None = None
    rule: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ExemptionKind(self.kind))
        if not self.reason.strip():
            raise ValueError("an exemption needs a reason staff can read back")
        if self.ends_on is not None:
            if self.ends_on < self.starts_on:
                raise ValueError("an exemption cannot end before it starts")
            if self.kind in _MIN_FOUR_WEEKS and self.days < SUMMER_CLOSURE_MIN_DAYS:
                raise ValueError(
                    f"a {self.kind.value} exemption needs at least 4 continuous weeks "
                    f"(reg 10(4)); this one is {self.days} days"
                )

    @property
    def days(self) -> int:
        if self.ends_on is None:
            raise ValueError("an ongoing exemption has no length yet")
        return (self.ends_on - self.starts_on).days + 1

    def advice_window(self) -> tuple[date, date]:
        """For a closure: when an advice request must fall (one week before it closes to one
        week before it reopens, reg 10(4)(a))."""
        if self.ends_on is None:
            raise ValueError("a closure exemption needs the day the school reopens")
        reopens = self.ends_on + timedelta(days=1)
        return self.starts_on - timedelta(weeks=1), reopens - timedelta(weeks=1)


# --- deadlines out -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    """One deadline for one pupil, ready to store as a `Deadline` row.

    `due` already includes any exemption; `original_due` is the date before it. When
    `suspended` is True no new date can be worked out (an exception is still going on) and
    `due` keeps the original date only so the row has one.
    """

    kind: str
    due: date
    owner: Owner
    description: str
    source: str
    counted_from: date | None = None
    original_due: date | None = None
    exemption_reason: str | None = None
    suspended: bool = False
    met_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Timing:
    """A rule's raw answer before exemptions: the due date and what it was counted from."""

    due: date
    counted_from: date | None
    met_on: date | None = None
    note: str | None = None


Compute = Callable[[PupilFacts, SchoolCalendar], "Timing | None"]


@dataclass(frozen=True)
class Rule:
    kind: str
    title: str
    starts_from: str
    period: str
    owner: Owner
    law: str  # the regulation or guidance paragraph
    section: str  # the section of the reference
    grade: str  # the reference's evidence grade: P, Q, S or U
    description: str  # plain English for staff
    compute: Compute
    exemptions: frozenset[ExemptionKind] = frozenset()
    # What the law's own words make of the due date, for staff: "{last_day}" is the due
    # date, "{day_after}" the day after it (the date a "before ..." rule names).
    says: str = ""

    @property
    def source(self) -> str:
        """What staff read as the rule's authority: the law itself, never the reference file
        (the section and grade stay on the rule for whoever checks it against the reference)."""
        return self.law

    @property
    def citation(self) -> str:
        """The regulation, Act section or Code paragraph, as a staff message cites it."""
        return self.law

    @property
    def statutory_ehc(self) -> bool:
        """An EHC plan rule: the law of England (CFA 2014 Part 3, SEND Regs 2014) only."""
        return self.kind.startswith("ehc.")

    def law_says(self, due: date) -> str:
        """The law's words for this due date in plain English ('' when the rule has none)."""
        if not self.says:
            return ""
        return self.says.format(
            last_day=f"{due:%-d %B %Y}", day_after=f"{due + timedelta(days=1):%-d %B %Y}"
        )


# --- the law's words as dates --------------------------------------------------------------


def last_day_within_days_of(received: date, days: int) -> date:
    """ "within N days of receiving" (reg 25): the day of receipt is not counted, as with
    "within 6 weeks of receiving" (reg 5), which this module counts as R + 42 days. Only
    "beginning with the day" (reg 13(1), 22(2)) counts the first day, and says so."""
    return add_days(received, days)


def last_day_before(named: date) -> date:
    """ "before 15 February" (reg 18(1)): the named day is too late; the day before is the
    last one."""
    return add_days(named, -1)


def phase_transfer_named_date(year: int, kind: PhaseTransfer | None) -> date:
    """The date reg 18(1) names for the calendar year of the transfer: 31 March for secondary
    school to a post-16 institution (a), 15 February in any other case (b)."""
    if kind is PhaseTransfer.SECONDARY_TO_POST16:
        return date(year, 3, 31)
    return date(year, 2, 15)


def phase_transfer_last_day(year: int, kind: PhaseTransfer | None) -> date:
    """The last day for the amended plan: the day before the date reg 18(1) names."""
    return last_day_before(phase_transfer_named_date(year, kind))


def annual_review_last_day(made_or_last_reviewed: date) -> date:
    """CFA 2014 s44(1): "in the period of 12 months starting with" the date the plan was made
    or last reviewed. That date is day one, so the last day is the day before the
    anniversary (29 February 2024 -> 28 February 2025)."""
    return last_day_of_months_starting_with(made_or_last_reviewed, 12)


# --- the rule functions --------------------------------------------------------------------


def _after(anchor: date | None, *, weeks: int = 0, days: int = 0, months: int = 0) -> Timing | None:
    if anchor is None:
        return None
    due = add_months(anchor, months) if months else anchor
    return Timing(due=add_days(add_weeks(due, weeks), days), counted_from=anchor)


def _assessment_decision(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    t = _after(f.request_received_on, weeks=6)
    done = f.assessment_decided_on or f.draft_served_on or f.final_issued_on
    return t and Timing(t.due, t.counted_from, met_on=done)


def _advice(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.advice_requested_on, weeks=6)


def _no_plan_decision(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # A served draft (or an issued plan) means the LA decided to issue: this one is moot.
    t = _after(f.request_received_on, weeks=16)
    return t and Timing(t.due, t.counted_from, met_on=f.draft_served_on or f.final_issued_on)


def _draft_comments(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # "at least 15 days, beginning with the day on which the draft was served": day 1 is D.
    return _after(f.draft_served_on, days=14)


def _final_plan(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    t = _after(f.request_received_on, weeks=20)
    return t and Timing(t.due, t.counted_from, met_on=f.final_issued_on)


def _review_anchor(f: PupilFacts) -> date | None:
    dates = [d for d in (f.final_issued_on, f.last_annual_review_on) if d is not None]
    return max(dates, default=None)


def _annual_review(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    anchor = _review_anchor(f)
    if anchor is None:
        return None
    return Timing(due=annual_review_last_day(anchor), counted_from=anchor)


def _under5_review(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    anchor = _review_anchor(f)
    if anchor is None or f.date_of_birth is None:
        return None
    if add_months(f.date_of_birth, 60) <= anchor:
        return None  # five or older at the last review: the annual rule is enough
    return _after(anchor, months=6)


def _before_review(f: PupilFacts) -> Timing | None:
    # Two weeks before the meeting; a meeting that was held needed its papers no longer.
    t = _after(f.review_meeting_on, weeks=-2)
    return t and Timing(t.due, t.counted_from, met_on=_held_review(f))


def _review_invitations(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _before_review(f)


def _review_advice(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _before_review(f)


def _held_review(f: PupilFacts) -> date | None:
    """The review meeting, once staff said it was held: the report and the LA's decision
    count from a meeting that happened, not from one booked."""
    return f.review_meeting_on if f.review_meeting_held else None


def _review_report(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(_held_review(f), weeks=2)


def _review_la_decision(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    t = _after(_held_review(f), weeks=4)
    decided = f.review_decided_on
    # Only a decision made on or after the meeting answers it: an older one was about the
    # review before.
    met = decided if t and decided and decided >= (t.counted_from or decided) else None
    return t and Timing(t.due, t.counted_from, met_on=met)


def _amendment_representations(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.amendments_sent_on, days=14)  # 15 days beginning with the day served


def _final_amended_plan(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.amendments_sent_on, weeks=8)


def _phase_transfer(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    year = f.phase_transfer_year
    if year is None:
        return None
    note = None
    if f.phase_transfer_kind is None:
        note = (
            "Kind of transfer not recorded: using 'before 15 February' (last day 14 February), "
            "the earlier of the two dates."
        )
    due = phase_transfer_last_day(year, f.phase_transfer_kind)
    return Timing(due=due, counted_from=None, note=note)


def _phase_transfer_review_meeting(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # Work back 4 weeks (LA decision) + 8 weeks (final amended plan) from the last day for
    # the amended plan, to the last working day on or before it: not a Sunday meeting.
    t = _phase_transfer(f, cal)
    if t is None:
        return None
    latest = cal.add_working_days(add_weeks(t.due, -12) + timedelta(days=1), -1)
    return Timing(due=latest, counted_from=None, note=t.note)


def _reassessment_decision(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # "within 15 days of receiving the request": the day it arrived is not counted (Q + 15).
    received = f.reassessment_requested_on
    if received is None:
        return None
    due = last_day_within_days_of(received, 15)
    return Timing(due, received, met_on=f.reassessment_decided_on)


def _reassessment_final_plan(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    if f.reassessment_decided_on is not None:
        return _after(f.reassessment_decided_on, weeks=14)
    decision = _reassessment_decision(f, cal)
    if decision is None:
        return None
    note = (
        "Provisional: counted from the latest day the decision to re-assess is due. "
        "Only applies if the local authority decides to re-assess."
    )
    return Timing(due=add_weeks(decision.due, 14), counted_from=decision.due, note=note)


def _reassessment_earliest(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.last_assessment_on, months=6)


def _mediation_contact(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.decision_letter_sent_on, months=2)


def _appeal(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    t = _after(f.decision_letter_sent_on, months=2)
    certificate = f.mediation_certificate_issued_on
    if t is None or certificate is None:
        return t
    by_certificate = add_months(certificate, 1)
    if by_certificate > t.due:
        return Timing(due=by_certificate, counted_from=certificate)
    return t


def _period_end(cal: SchoolCalendar, anchor: date, half_termly: bool, skip: bool) -> date | None:
    """End of the term (or half term) holding `anchor`, or of the next one when `skip`.

    An anchor in a holiday or half-term break belongs to the next period either way.
    """
    periods = cal.review_periods(half_termly)
    index = next((i for i, (a, b) in enumerate(periods) if a <= anchor <= b), None)
    if index is not None:
        target = index + 1 if skip else index
    else:
        target = next((i for i, (a, _) in enumerate(periods) if a > anchor), len(periods))
    if target >= len(periods):
        return None
    first, _ = periods[target]
    return cal.end_of_current_half_term(first) if half_termly else cal.end_of_current_term(first)


def _termly(
    cal: SchoolCalendar, started: date | None, last: date | None, half_termly: bool
) -> Timing | None:
    """A plan started this term is reviewed by the end of this term; after a review, by the
    end of the next one. Without term dates, fall back to 12 (or 6) weeks and say so."""
    anchor, skip = (last, True) if last is not None else (started, False)
    if anchor is None:
        return None
    due = _period_end(cal, anchor, half_termly, skip)
    if due is not None:
        return Timing(due=due, counted_from=anchor)
    weeks = 6 if half_termly else 12
    note = (
        f"The school's term dates for this period are not set up, so this is counted as "
        f"{weeks} weeks. Add the term dates to get the end of term."
    )
    return Timing(due=add_weeks(anchor, weeks), counted_from=anchor, note=note)


def _sen_support_review(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    half = f.review_frequency is ReviewFrequency.HALF_TERMLY
    return _termly(cal, f.support_plan_started_on, f.support_plan_last_reviewed_on, half)


def _sen_support_parent_meeting(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # "at least three times each year": one meeting a term, whatever the review policy.
    if f.support_plan_started_on is None and f.last_parent_meeting_on is None:
        return None
    return _termly(cal, f.support_plan_started_on, f.last_parent_meeting_on, False)


def _reintegration_review(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.reintegration_last_reviewed_on or f.reintegration_started_on, weeks=2)


def _tell_dsl(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.concern_logged_on)


def _immediate_danger(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    return _after(f.concern_logged_on) if f.immediate_danger else None


def _la_referral_response(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    if f.referral_made_on is None:
        return None
    due = cal.add_working_days(f.referral_made_on, 1)
    return Timing(due, f.referral_made_on, met_on=f.referral_acknowledged_on)


def _referral_follow_up(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    # The referrer chases on the working day after the LA's one working day has run out.
    t = _la_referral_response(f, cal)
    return t and Timing(cal.add_working_days(t.due, 1), t.counted_from, met_on=t.met_on)


def _cp_file_transfer(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    leaving = f.pupil_leaving_on
    if leaving is None:
        return None
    try:
        if cal.term_containing(leaving) is None:
            due = cal.first_n_days_of_next_term(leaving, 5)[-1]  # left in the holidays
        else:
            due = cal.add_school_days(leaving, 5)  # in-year: may run into the next term
        return Timing(due=due, counted_from=leaving, met_on=f.cp_file_received_on)
    except TermDatesMissing:
        # Every school day is a working day, so 5 working days is never later.
        note = (
            "The school's term dates are not set up far enough, so this is counted as "
            "5 working days."
        )
        return Timing(
            due=cal.add_working_days(leaving, 5),
            counted_from=leaving,
            met_on=f.cp_file_received_on,
            note=note,
        )


def _lado_consultation(f: PupilFacts, cal: SchoolCalendar) -> Timing | None:
    """One working day from the day the allegation was reported: a report on a Friday is
    due on Monday, one before a bank holiday on the next working day after it."""
    if f.allegation_reported_on is None:
        return None
    due = cal.add_working_days(f.allegation_reported_on, 1)
    return Timing(due, f.allegation_reported_on, met_on=f.lado_consulted_on)


# --- the rules, in the order of the reference's table ----------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        kind="ehc.assessment_decision",
        title="LA decides whether to carry out an EHC needs assessment",
        starts_from="request received",
        period="6 weeks",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 5(1)-(4); Code 9.40-9.42",
        section="2.1",
        grade="P",
        description=(
            "The local authority must decide whether to carry out an EHC needs assessment "
            "and tell the family and the school."
        ),
        compute=_assessment_decision,
        exemptions=REG_10_4,
    ),
    Rule(
        kind="ehc.advice",
        title="Advice for the EHC needs assessment",
        starts_from="request for advice received",
        period="6 weeks",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 8; Code ch. 9 (about 9.41, not verified)",
        section="2.3, 2.3a",
        grade="Q/U",
        description=(
            "Send the school's advice for the EHC needs assessment to the local authority. "
            "School holidays do not pause this."
        ),
        compute=_advice,
        exemptions=REG_8_2,
    ),
    Rule(
        kind="ehc.no_plan_decision",
        title="LA decides not to issue an EHC plan",
        starts_from="request received",
        period="16 weeks",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 10(1)-(4)",
        section="2.4",
        grade="P",
        description=(
            "If the local authority decides not to issue an EHC plan, it must tell the "
            "family, with reasons and appeal rights, by this date."
        ),
        compute=_no_plan_decision,
        exemptions=REG_10_4,
    ),
    Rule(
        kind="ehc.draft_comments",
        title="Comments on the draft EHC plan",
        starts_from="draft served (day 1)",
        period="15 days counting the day served",
        owner=Owner.PARENT,
        law="SEND Regs 2014 reg 13(1)(a)",
        section="2.6, 2.7",
        grade="P",
        description=(
            "Last day for the family (and the school) to comment on the draft EHC plan, "
            "ask for a school to be named or ask for a meeting."
        ),
        compute=_draft_comments,
    ),
    Rule(
        kind="ehc.final_plan",
        title="Final EHC plan issued",
        starts_from="request received",
        period="20 weeks",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 13(2),(3); reg 10(4)",
        section="2.8",
        grade="P",
        description="The local authority must issue the final EHC plan by this date.",
        compute=_final_plan,
        exemptions=REG_10_4,
    ),
    Rule(
        kind="ehc.annual_review",
        title="Annual review of the EHC plan",
        starts_from="plan issued or last review",
        period="in the 12 months starting with that day: last day the day before the anniversary",
        owner=Owner.SCHOOL,
        law="CFA 2014 s44(1); Code 9.169",
        section="3.1",
        grade="P/Q",
        description=(
            "The EHC plan must be reviewed by this date. It is the local authority's duty; "
            "the school usually holds the meeting. Leave time for the LA's decision."
        ),
        compute=_annual_review,
        says=(
            "The law says the plan must be reviewed in the 12 months starting with the day "
            "it was made or last reviewed, so the last day is {last_day}, the day before "
            "the anniversary."
        ),
    ),
    Rule(
        kind="ehc.under5_review",
        title="Review for a child under 5 (guidance)",
        starts_from="plan issued or last review",
        period="3 to 6 months",
        owner=Owner.LA,
        law="Code 9.178 (guidance, not a duty)",
        section="3.2",
        grade="Q",
        description=(
            "For a child under 5, guidance says to consider a review every 3 to 6 months. "
            "This is the 6-month point."
        ),
        compute=_under5_review,
    ),
    Rule(
        kind="ehc.review_invitations",
        title="Annual review invitations sent",
        starts_from="review meeting",
        period="2 weeks before",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 20(2),(3); reg 21(2),(3)",
        section="3.4",
        grade="P",
        description=(
            "Send the annual review invitations (family, LA, health and social care) "
            "at least 2 weeks before the meeting."
        ),
        compute=_review_invitations,
    ),
    Rule(
        kind="ehc.review_advice",
        title="Annual review advice circulated",
        starts_from="review meeting",
        period="2 weeks before",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 20(4); reg 21(4)",
        section="3.5",
        grade="P",
        description=(
            "Collect the advice and reports for the annual review and send them to everyone "
            "invited, at least 2 weeks before the meeting."
        ),
        compute=_review_advice,
    ),
    Rule(
        kind="ehc.review_report",
        title="Annual review report sent",
        starts_from="review meeting",
        period="2 weeks after",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 20 (para not seen); reg 21(7)",
        section="3.7",
        grade="P/S",
        description=(
            "Send the written report of the annual review to the local authority and "
            "everyone invited."
        ),
        compute=_review_report,
    ),
    Rule(
        kind="ehc.review_la_decision",
        title="LA decision after the annual review",
        starts_from="review meeting",
        period="4 weeks after",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 20/21 (para not seen); R (L) v Devon CC [2022] EWHC 493",
        section="3.8, 3.12",
        grade="S",
        description=(
            "The local authority must decide to keep, amend or cease the plan, and send any "
            "proposed amendments with its decision."
        ),
        compute=_review_la_decision,
    ),
    Rule(
        kind="ehc.amendment_representations",
        title="Comments on proposed amendments",
        starts_from="amendments sent (day 1)",
        period="15 days counting the day sent",
        owner=Owner.PARENT,
        law="SEND Regs 2014 reg 22(2)",
        section="3.9",
        grade="P",
        description=(
            "Last day for the family to comment on the proposed amendments, ask for a school "
            "to be named or ask for a meeting."
        ),
        compute=_amendment_representations,
    ),
    Rule(
        kind="ehc.final_amended_plan",
        title="Final amended EHC plan",
        starts_from="amendments sent",
        period="8 weeks",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 22(3)",
        section="3.10",
        grade="P",
        description="The local authority must issue the final amended EHC plan by this date.",
        compute=_final_amended_plan,
    ),
    Rule(
        kind="ehc.phase_transfer",
        title="Phase transfer: plan amended and school named",
        starts_from="calendar year of the transfer",
        period=(
            "before 15 February, last day 14 February (before 31 March, last day 30 March, "
            "for secondary to post-16)"
        ),
        owner=Owner.LA,
        law="SEND Regs 2014 reg 18(1)(a),(b); Code 9.179",
        section="4.1, 4.2",
        grade="P",
        description=(
            "The local authority must finish the review and amend the plan, naming the next "
            "school or college."
        ),
        compute=_phase_transfer,
        says=(
            "The law says the amended plan must be finalised before {day_after}, so the last "
            "day is {last_day}."
        ),
    ),
    Rule(
        kind="ehc.phase_transfer_review_meeting",
        title="Phase transfer: latest review meeting (back-planning)",
        starts_from="phase transfer date",
        period="12 weeks before (4 + 8 weeks)",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 18 with reg 20 and 22(3); practice per SEND Advice Surrey",
        section="4.5, 14.3",
        grade="S",
        description=(
            "Hold the phase-transfer review by this date so the 4-week decision and 8-week "
            "amendment can finish in time. The autumn term is usual."
        ),
        compute=_phase_transfer_review_meeting,
    ),
    Rule(
        kind="ehc.reassessment_decision",
        title="LA decides whether to re-assess",
        starts_from="re-assessment request received",
        period="within 15 days of receiving it: the day it arrived is not counted",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 25",
        section="5.2",
        grade="S",
        description=(
            "The local authority must decide whether to re-assess and tell the family, with "
            "appeal rights if it refuses."
        ),
        compute=_reassessment_decision,
        says=(
            "The law says within 15 days of receiving the request. The day it arrived is not "
            "counted, so the last day is {last_day}."
        ),
    ),
    Rule(
        kind="ehc.reassessment_final_plan",
        title="Final plan after re-assessment",
        starts_from="decision to re-assess",
        period="14 weeks",
        owner=Owner.LA,
        law="SEND Regs 2014 reg 27(2),(3)",
        section="5.5",
        grade="P",
        description=(
            "The local authority must issue the amended or new EHC plan after re-assessment "
            "by this date."
        ),
        compute=_reassessment_final_plan,
        exemptions=REG_10_4,
    ),
    Rule(
        kind="ehc.reassessment_earliest",
        title="Earliest re-assessment",
        starts_from="last assessment",
        period="6 months",
        owner=Owner.SCHOOL,
        law="SEND Regs 2014 reg 24 (text not retrieved)",
        section="5.3",
        grade="S",
        description=(
            "Before this date the local authority need not re-assess unless it thinks it "
            "necessary. The school may ask from now on."
        ),
        compute=_reassessment_earliest,
    ),
    Rule(
        kind="ehc.mediation_contact",
        title="Contact the mediation adviser",
        starts_from="decision letter sent",
        period="2 months",
        owner=Owner.PARENT,
        law="SEND Regs 2014 reg 33",
        section="7.2",
        grade="P",
        description=(
            "Last day for the family to contact the mediation adviser about an appeal. "
            "Counted from when the letter was sent, not received."
        ),
        compute=_mediation_contact,
    ),
    Rule(
        kind="ehc.appeal",
        title="Appeal to the SEND Tribunal",
        starts_from="decision letter sent, or mediation certificate issued",
        period="2 months, or 1 month from the certificate if later",
        owner=Owner.PARENT,
        law="HESC Rules 2008 r.20(1)(c)",
        section="7.5",
        grade="P",
        description="The SEND Tribunal must receive the family's appeal by this date.",
        compute=_appeal,
    ),
    Rule(
        kind="sen_support.review",
        title="SEN support review (assess, plan, do, review)",
        starts_from="plan start or last review",
        period="school policy: termly or half-termly",
        owner=Owner.SENCO,
        law="Code 6.44, 6.65; school policy",
        section="9",
        grade="Q",
        description=(
            "Review the SEN support plan with the class teacher: progress on targets, "
            "what to change, the next targets."
        ),
        compute=_sen_support_review,
    ),
    Rule(
        kind="sen_support.parent_meeting",
        title="Meet parents about SEN support",
        starts_from="plan start or last parent meeting",
        period="once a term (at least 3 times a year)",
        owner=Owner.SENCO,
        law="Code 6.65",
        section="9, 14.7",
        grade="Q",
        description=(
            "Meet the parents this term to agree outcomes and review progress, and give them "
            "a written record."
        ),
        compute=_sen_support_parent_meeting,
    ),
    Rule(
        kind="reintegration.review",
        title="Reduced timetable (reintegration) plan review",
        starts_from="plan start or last review",
        period="2 weeks",
        owner=Owner.SENCO,
        law="School policy (fortnightly reintegration meetings)",
        section="seed 000",
        grade="Q",
        description=(
            "Review the reduced timetable with the headteacher and the family: it should "
            "be short and move back to full time."
        ),
        compute=_reintegration_review,
    ),
    Rule(
        kind="safeguarding.tell_dsl",
        title="Safeguarding concern to the DSL",
        starts_from="concern logged",
        period="immediately",
        owner=Owner.STAFF,
        law="KCSIE 2025 Part one (paras 56-57 in the 2023 copy)",
        section="10.2, 10.3",
        grade="Q",
        description="Tell the DSL or a deputy now. Do not wait until the end of the day.",
        compute=_tell_dsl,
    ),
    Rule(
        kind="safeguarding.immediate_danger",
        title="Child in immediate danger",
        starts_from="concern logged",
        period="now",
        owner=Owner.ANYONE,
        law="KCSIE 2025 Part one and flowchart",
        section="10.5",
        grade="S",
        description="If a child is in immediate danger, call 999 now. Anyone can do this.",
        compute=_immediate_danger,
    ),
    Rule(
        kind="safeguarding.la_referral_response",
        title="LA acknowledges a referral and decides next steps",
        starts_from="referral made",
        period="1 working day",
        owner=Owner.LA,
        law="KCSIE 2025 Part one; Working Together 2023",
        section="10.7",
        grade="Q/S",
        description=(
            "Children's social care should acknowledge the referral and decide the next "
            "steps within one working day."
        ),
        compute=_la_referral_response,
    ),
    Rule(
        kind="safeguarding.referral_follow_up",
        title="Follow up a referral with no reply",
        starts_from="referral made",
        period="the working day after the LA's one working day",
        owner=Owner.DSL,
        law="KCSIE 2025 Part one (referrer follows up; escalate if needed)",
        section="10.8",
        grade="Q",
        description=(
            "If children's social care has not replied, follow up the referral. If the "
            "child's situation does not improve, use the escalation procedure."
        ),
        compute=_referral_follow_up,
    ),
    Rule(
        kind="safeguarding.cp_file_transfer",
        title="Child protection file to the new school",
        starts_from="pupil leaves",
        period="5 school days, or the first 5 days of the new term",
        owner=Owner.DSL,
        law="KCSIE 2025 Annex C",
        section="10.12",
        grade="Q",
        description=(
            "If the pupil has a child protection file, send it to the new school's DSL, "
            "separately and securely, and get confirmation of receipt."
        ),
        compute=_cp_file_transfer,
    ),
    Rule(
        kind="adults.lado_consultation",
        title="Consult the LADO about an allegation against an adult",
        starts_from="allegation reported to the case manager",
        period="1 working day",
        owner=Owner.CASE_MANAGER,
        law=(
            "KCSIE 2025 Part four, section one (allegations that may meet the harm "
            "threshold); Working Together 2023"
        ),
        section="SAFEGUARDING.md 3",
        grade="U",
        description=(
            "The case manager (the headteacher, or the chair of governors if it is about the "
            "headteacher) discusses the allegation with the LADO within one working day."
        ),
        compute=_lado_consultation,
    ),
)

RULES_BY_KIND: dict[str, Rule] = {rule.kind: rule for rule in RULES}


# --- exemptions ----------------------------------------------------------------------------


def check_exemptions(facts: PupilFacts, exemptions: Iterable[Exemption]) -> None:
    """Refuse exemptions the regulations do not allow, so staff hear it when they record one."""
    for exemption in exemptions:
        if exemption.rule is not None:
            rule = RULES_BY_KIND.get(exemption.rule)
            if rule is None:
                raise ValueError(f"no deadline rule is called '{exemption.rule}'")
            if exemption.kind not in rule.exemptions:
                allowed = ", ".join(sorted(k.value for k in rule.exemptions)) or "none"
                raise ValueError(
                    f"{rule.kind} ({rule.law}) does not allow a {exemption.kind.value} "
                    f"exemption; it allows: {allowed}"
                )
        if exemption.kind is ExemptionKind.SCHOOL_CLOSURE:
            _check_closure(facts, exemption)


def _check_closure(facts: PupilFacts, exemption: Exemption) -> None:
    if exemption.ends_on is None:
        raise ValueError("a school closure exemption needs the closure's last day")
    asked = facts.advice_requested_on
    first, last = exemption.advice_window()
    if asked is not None and not first <= asked <= last:
        raise ValueError(
            f"the closure exemption (reg 10(4)(a)) applies only when the school was asked for "
            f"advice between {first.isoformat()} and {last.isoformat()}; it was asked on "
            f"{asked.isoformat()}"
        )


def closure_exemption(advice_requested_on: date, calendar: SchoolCalendar) -> Exemption | None:
    """The reg 10(4)(a) exemption a school calendar implies, if advice was asked for in the
    window before a closure of 4 weeks or more (in practice the summer holiday)."""
    for first, last in calendar.closures(min_days=SUMMER_CLOSURE_MIN_DAYS):
        candidate = Exemption(
            kind=ExemptionKind.SCHOOL_CLOSURE,
            reason=(
                f"School closed {first.isoformat()} to {last.isoformat()} and its advice was "
                f"requested on {advice_requested_on.isoformat()}."
            ),
            starts_on=first,
            ends_on=last,
        )
        window_first, window_last = candidate.advice_window()
        if window_first <= advice_requested_on <= window_last:
            return candidate
    return None


def _pause(
    counted_from: date, due: date, exemptions: list[Exemption]
) -> tuple[date, bool, list[Exemption]]:
    """Stop the clock on every exempt day after `counted_from`; report which ones bit.

    The regulations only lift the deadline ("as soon as practicable" still applies); pausing
    for the exempt days is sendbot's way of keeping a date in front of staff.
    """
    used: list[Exemption] = []
    for exemption in sorted(exemptions, key=lambda e: e.starts_on):
        if exemption.ends_on is None:
            if exemption.starts_on <= due:
                return due, True, [*used, exemption]
            continue
        first = max(exemption.starts_on, counted_from + timedelta(days=1))
        if exemption.ends_on < first or first > due:
            continue
        due += exemption.ends_on - first + timedelta(days=1)
        used.append(exemption)
    return due, False, used


def _merge(exemptions: list[Exemption]) -> list[Exemption]:
    """Overlapping closed exemptions would pause the same day twice; merge them first."""
    ongoing = [e for e in exemptions if e.ends_on is None]
    closed = sorted((e for e in exemptions if e.ends_on is not None), key=lambda e: e.starts_on)
    merged: list[Exemption] = []
    for e in closed:
        last = merged[-1] if merged else None
        if last is not None and last.ends_on is not None and e.starts_on <= last.ends_on:
            merged[-1] = Exemption(
                kind=last.kind,
                reason=f"{last.reason}; {e.reason}",
                starts_on=last.starts_on,
                ends_on=max(last.ends_on, e.ends_on or last.ends_on),
                rule=last.rule,
            )
        else:
            merged.append(e)
    return merged + ongoing


def _apply_exemptions(rule: Rule, timing: Timing, exemptions: list[Exemption]) -> DueDate:
    relevant = [
        e
        for e in exemptions
        if e.kind in rule.exemptions and (e.rule is None or e.rule == rule.kind)
    ]
    due, suspended = timing.due, False
    used: list[Exemption] = []
    if relevant and timing.counted_from is not None:
        due, suspended, used = _pause(timing.counted_from, timing.due, _merge(relevant))
    reason = "; ".join(dict.fromkeys(e.reason for e in used)) or None
    return DueDate(
        kind=rule.kind,
        due=due,
        owner=rule.owner,
        description=rule.description,
        source=rule.source,
        counted_from=timing.counted_from,
        original_due=timing.due,
        exemption_reason=reason,
        suspended=suspended,
        met_on=timing.met_on,
        note=timing.note,
    )


# --- where the law applies -----------------------------------------------------------------

# What each other nation has instead of England's EHC plans, named for staff.
_OTHER_NATIONS_LAW: dict[Nation, str] = {
    Nation.WALES: (
        "Wales has its own system: the Additional Learning Needs and Education Tribunal "
        "(Wales) Act 2018, with individual development plans (IDPs)."
    ),
    Nation.SCOTLAND: (
        "Scotland has its own system: the Education (Additional Support for Learning) "
        "(Scotland) Act 2004, with co-ordinated support plans (CSPs)."
    ),
    Nation.NORTHERN_IRELAND: (
        "Northern Ireland has its own special educational needs framework: the Education "
        "(Northern Ireland) Order 1996 and the Special Educational Needs and Disability Act "
        "(Northern Ireland) 2016, with statements of special educational needs."
    ),
}


def ehc_rules_apply(nation: Nation) -> bool:
    """EHC plans and their deadlines are the law of England (CFA 2014 Part 3)."""
    return nation is Nation.ENGLAND


def ehc_rules_not_applied(nation: Nation) -> str | None:
    """What staff of a school outside England are told, or None in England."""
    if ehc_rules_apply(nation):
        return None
    name = nation.value.replace("_", " ").title()
    return (
        f"This school is in {name}. The statutory EHC plan deadlines in sendbot are "
        "England's (the Children and Families Act 2014 and the SEND Regulations 2014), so "
        f"they are not applied to this school. {_OTHER_NATIONS_LAW[nation]} Bank holidays "
        "and safeguarding reminders still work."
    )


def _applies(rule: Rule, calendar: SchoolCalendar) -> bool:
    return ehc_rules_apply(calendar.nation) or not rule.statutory_ehc


# --- the entry point -----------------------------------------------------------------------


def compute_deadlines(
    facts: PupilFacts, calendar: SchoolCalendar, exemptions: Iterable[Exemption] = ()
) -> list[DueDate]:
    """Every deadline the facts give rise to, soonest first, exemptions applied. A school
    outside England gets none of England's EHC plan deadlines."""
    recorded = list(exemptions)
    check_exemptions(facts, recorded)
    deadlines = []
    for rule in RULES:
        if not _applies(rule, calendar):
            continue
        timing = rule.compute(facts, calendar)
        if timing is not None:
            deadlines.append(_apply_exemptions(rule, timing, recorded))
    return sorted(deadlines, key=lambda d: (d.due, d.kind))


def deadline(
    kind: str,
    facts: PupilFacts,
    calendar: SchoolCalendar,
    exemptions: Iterable[Exemption] = (),
) -> DueDate | None:
    """One rule's deadline, for a flow that needs a single date (e.g. "when is it due?")."""
    rule = RULES_BY_KIND.get(kind)
    if rule is None:
        raise ValueError(f"no deadline rule is called '{kind}'")
    recorded = list(exemptions)
    check_exemptions(facts, recorded)
    if not _applies(rule, calendar):
        return None
    timing = rule.compute(facts, calendar)
    return None if timing is None else _apply_exemptions(rule, timing, recorded)
