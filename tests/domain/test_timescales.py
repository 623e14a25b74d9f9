"""Deadline rules: every worked example in SEND_TIMESCALES.md, the exemptions, and the edges."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendbot.domain.calendar import Nation, SchoolCalendar, Term
from sendbot.domain.timescales import (
    RULES,
    RULES_BY_KIND,
    DueDate,
    Exemption,
    ExemptionKind,
    Owner,
    PhaseTransfer,
    PupilFacts,
    ReviewFrequency,
    closure_exemption,
    compute_deadlines,
    deadline,
)

TERMS = (
    Term("2025-summer", date(2025, 4, 22), date(2025, 7, 22), date(2025, 5, 26), date(2025, 5, 30)),
    Term(
        "2025-autumn", date(2025, 9, 3), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)
    ),
    Term("2026-spring", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
    Term("2026-summer", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29)),
    Term(
        "2026-autumn", date(2026, 9, 2), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
    ),
)
SCHOOL = SchoolCalendar(Nation.ENGLAND, TERMS)
NO_TERMS = SchoolCalendar(Nation.ENGLAND)


def due(
    kind: str,
    facts: PupilFacts,
    cal: SchoolCalendar = SCHOOL,
    exemptions: tuple[Exemption, ...] = (),
) -> DueDate:
    result = deadline(kind, facts, cal, exemptions)
    assert result is not None, f"{kind} gave no deadline"
    return result


# --- the worked examples, named by their source ------------------------------------------------

R = date(2025, 9, 1)  # Mon 1 Sep 2025, §2 example
M = date(2025, 11, 10)  # Mon 10 Nov 2025, §3 example

WORKED_EXAMPLES = [
    (
        "SEND Regs reg 5(1) §2.1 R+6w",
        "ehc.assessment_decision",
        PupilFacts(request_received_on=R),
        date(2025, 10, 13),
    ),
    (
        "SEND Regs reg 10(1) §2.4 R+16w",
        "ehc.no_plan_decision",
        PupilFacts(request_received_on=R),
        date(2025, 12, 22),
    ),
    (
        "SEND Regs reg 13(2) §2.8 R+20w",
        "ehc.final_plan",
        PupilFacts(request_received_on=R),
        date(2026, 1, 19),
    ),
    (
        "SEND Regs reg 13(1)(a) §2.6 D+14d",
        "ehc.draft_comments",
        PupilFacts(request_received_on=R, draft_served_on=date(2025, 12, 1)),
        date(2025, 12, 15),
    ),
    (
        "SEND Regs reg 8 §2.3 A+6w",
        "ehc.advice",
        PupilFacts(advice_requested_on=R),
        date(2025, 10, 13),
    ),
    (
        "SEND Regs reg 20(3) §3.4 M-2w",
        "ehc.review_invitations",
        PupilFacts(review_meeting_on=M),
        date(2025, 10, 27),
    ),
    (
        "SEND Regs reg 20(4) §3.5 M-2w",
        "ehc.review_advice",
        PupilFacts(review_meeting_on=M),
        date(2025, 10, 27),
    ),
    (
        "SEND Regs reg 20 §3.7 M+2w",
        "ehc.review_report",
        PupilFacts(review_meeting_on=M, review_meeting_held=True),
        date(2025, 11, 24),
    ),
    (
        "SEND Regs reg 20 §3.8 M+4w",
        "ehc.review_la_decision",
        PupilFacts(review_meeting_on=M, review_meeting_held=True),
        date(2025, 12, 8),
    ),
    (
        "SEND Regs reg 22(3) §3.10 S+8w",
        "ehc.final_amended_plan",
        PupilFacts(review_meeting_on=M, amendments_sent_on=date(2025, 12, 8)),
        date(2026, 2, 2),
    ),
    (
        "SEND Regs reg 22(2) §3.9 S+14d",
        "ehc.amendment_representations",
        PupilFacts(amendments_sent_on=date(2025, 12, 8)),
        date(2025, 12, 22),
    ),
    (
        "SEND Regs reg 25 §5.2 within 15 days of receiving: Q+15 days",
        "ehc.reassessment_decision",
        PupilFacts(reassessment_requested_on=date(2026, 1, 5)),
        date(2026, 1, 20),
    ),
    (
        "SEND Regs reg 27(2) §5.5 +14w (from the decision due)",
        "ehc.reassessment_final_plan",
        PupilFacts(reassessment_requested_on=date(2026, 1, 5)),
        date(2026, 4, 28),
    ),
    (
        "SEND Regs reg 27(2) §5.5 +14w (from a recorded decision)",
        "ehc.reassessment_final_plan",
        PupilFacts(
            reassessment_requested_on=date(2026, 1, 5), reassessment_decided_on=date(2026, 1, 12)
        ),
        date(2026, 4, 20),
    ),
    (
        "SEND Regs reg 24 §5.3 +6 months",
        "ehc.reassessment_earliest",
        PupilFacts(last_assessment_on=date(2025, 8, 31)),
        date(2026, 2, 28),
    ),
    (
        "SEND Regs reg 18(1)(b) §4.1 before 15 Feb Y: last day 14 Feb",
        "ehc.phase_transfer",
        PupilFacts(phase_transfer_year=2026, phase_transfer_kind=PhaseTransfer.OTHER),
        date(2026, 2, 14),
    ),
    (
        "SEND Regs reg 18(1)(a) §4.2 before 31 Mar Y: last day 30 Mar",
        "ehc.phase_transfer",
        PupilFacts(phase_transfer_year=2027, phase_transfer_kind=PhaseTransfer.SECONDARY_TO_POST16),
        date(2027, 3, 30),
    ),
    (
        "§4.5 §14.3 back-planning: 14 Feb 2026 - 12w = Sat 22 Nov -> Fri 21 Nov",
        "ehc.phase_transfer_review_meeting",
        PupilFacts(phase_transfer_year=2026, phase_transfer_kind="other"),  # type: ignore[arg-type]
        date(2025, 11, 21),
    ),
    (
        "CFA s44(1) Code 9.169 §3.1 12 months starting with P: P+12 months-1 day",
        "ehc.annual_review",
        PupilFacts(final_issued_on=date(2025, 1, 20)),
        date(2026, 1, 19),
    ),
    (
        "CFA s44(1) §3.1 later of issue and last review",
        "ehc.annual_review",
        PupilFacts(final_issued_on=date(2024, 1, 20), last_annual_review_on=date(2025, 1, 15)),
        date(2026, 1, 14),
    ),
    (
        "SEND Regs reg 33 §7.2 L+2 months",
        "ehc.mediation_contact",
        PupilFacts(decision_letter_sent_on=date(2025, 11, 14)),
        date(2026, 1, 14),
    ),
    (
        "HESC r.20(1)(c) §7.5 L+2 months",
        "ehc.appeal",
        PupilFacts(decision_letter_sent_on=date(2025, 11, 14)),
        date(2026, 1, 14),
    ),
    (
        "HESC r.20(1)(c) §7.5 certificate + 1 month when later",
        "ehc.appeal",
        PupilFacts(
            decision_letter_sent_on=date(2025, 11, 14),
            mediation_certificate_issued_on=date(2026, 1, 2),
        ),
        date(2026, 2, 2),
    ),
    (
        "HESC r.20(1)(c) §7.5 certificate earlier: 2 months stands",
        "ehc.appeal",
        PupilFacts(
            decision_letter_sent_on=date(2025, 11, 14),
            mediation_certificate_issued_on=date(2025, 11, 20),
        ),
        date(2026, 1, 14),
    ),
    (
        "Code 9.178 §3.2 under 5: P+6 months",
        "ehc.under5_review",
        PupilFacts(final_issued_on=date(2025, 6, 1), date_of_birth=date(2022, 3, 1)),
        date(2025, 12, 1),
    ),
    (
        "seed 000 reintegration fortnightly",
        "reintegration.review",
        PupilFacts(
            reintegration_started_on=date(2025, 10, 6),
            reintegration_last_reviewed_on=date(2025, 11, 3),
        ),
        date(2025, 11, 17),
    ),
    (
        "KCSIE Part one §10.2 immediately",
        "safeguarding.tell_dsl",
        PupilFacts(concern_logged_on=date(2025, 11, 12)),
        date(2025, 11, 12),
    ),
    (
        "KCSIE §10.5 immediate danger: now",
        "safeguarding.immediate_danger",
        PupilFacts(concern_logged_on=date(2025, 11, 12), immediate_danger=True),
        date(2025, 11, 12),
    ),
    (
        "KCSIE §10.7 1 working day: Thursday before Easter 2026",
        "safeguarding.la_referral_response",
        PupilFacts(referral_made_on=date(2026, 4, 2)),
        date(2026, 4, 7),
    ),
    (
        "KCSIE §10.8 follow up the working day after",
        "safeguarding.referral_follow_up",
        PupilFacts(referral_made_on=date(2026, 4, 2)),
        date(2026, 4, 8),
    ),
    (
        "KCSIE §10.7 1 working day: 24 Dec 2025",
        "safeguarding.la_referral_response",
        PupilFacts(referral_made_on=date(2025, 12, 24)),
        date(2025, 12, 29),
    ),
    (
        "KCSIE Annex C §10.12 in-year: 5 school days",
        "safeguarding.cp_file_transfer",
        PupilFacts(pupil_leaving_on=date(2025, 10, 15)),
        date(2025, 10, 22),
    ),
    (
        "KCSIE Annex C §10.12 over half term",
        "safeguarding.cp_file_transfer",
        PupilFacts(pupil_leaving_on=date(2025, 10, 23)),
        date(2025, 11, 6),
    ),
    (
        "KCSIE Annex C §10.12 over a bank holiday in term",
        "safeguarding.cp_file_transfer",
        PupilFacts(pupil_leaving_on=date(2026, 4, 30)),
        date(2026, 5, 8),
    ),
    (
        "KCSIE Annex C §10.12 last day of summer: first 5 days of new term",
        "safeguarding.cp_file_transfer",
        PupilFacts(pupil_leaving_on=date(2026, 7, 22)),
        date(2026, 9, 8),
    ),
    (
        "KCSIE Annex C §10.12 left in the holidays: first 5 days of new term",
        "safeguarding.cp_file_transfer",
        PupilFacts(pupil_leaving_on=date(2026, 8, 3)),
        date(2026, 9, 8),
    ),
    (
        "Code 6.65 §9 termly: plan started this term -> end of this term",
        "sen_support.review",
        PupilFacts(support_plan_started_on=date(2025, 9, 10)),
        date(2025, 12, 19),
    ),
    (
        "Code 6.65 §9 termly: reviewed this term -> end of next term",
        "sen_support.review",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10),
            support_plan_last_reviewed_on=date(2025, 12, 15),
        ),
        date(2026, 3, 27),
    ),
    (
        "Code 6.65 §9 termly: reviewed in the summer holiday -> end of autumn",
        "sen_support.review",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10),
            support_plan_last_reviewed_on=date(2026, 7, 28),
        ),
        date(2026, 12, 18),
    ),
    (
        "seed policy §9 half-termly: started -> end of this half term",
        "sen_support.review",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10), review_frequency=ReviewFrequency.HALF_TERMLY
        ),
        date(2025, 10, 24),
    ),
    (
        "seed policy §9 half-termly: reviewed before half term -> end of the next half",
        "sen_support.review",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10),
            support_plan_last_reviewed_on=date(2025, 10, 20),
            review_frequency="half_termly",  # type: ignore[arg-type]
        ),
        date(2025, 12, 19),
    ),
    (
        "seed policy §9 half-termly: reviewed in the half-term break",
        "sen_support.review",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10),
            support_plan_last_reviewed_on=date(2025, 10, 29),
            review_frequency=ReviewFrequency.HALF_TERMLY,
        ),
        date(2025, 12, 19),
    ),
    (
        "Code 6.65 §9 parents met each term: started",
        "sen_support.parent_meeting",
        PupilFacts(support_plan_started_on=date(2025, 9, 10)),
        date(2025, 12, 19),
    ),
    (
        "Code 6.65 §9 parents met each term: met in spring -> by end of summer",
        "sen_support.parent_meeting",
        PupilFacts(
            support_plan_started_on=date(2025, 9, 10), last_parent_meeting_on=date(2026, 2, 3)
        ),
        date(2026, 7, 22),
    ),
]


@pytest.mark.parametrize(
    ("kind", "facts", "expected"),
    [
        pytest.param(kind, facts, expected, id=name)
        for name, kind, facts, expected in WORKED_EXAMPLES
    ],
)
def test_worked_examples(kind: str, facts: PupilFacts, expected: date) -> None:
    result = due(kind, facts)
    assert result.due == expected
    assert result.original_due == expected
    assert not result.suspended and result.exemption_reason is None


def test_the_section_2_example_as_one_case() -> None:
    facts = PupilFacts(request_received_on=R, draft_served_on=date(2025, 12, 1))
    got = {d.kind: d.due for d in compute_deadlines(facts, SCHOOL)}
    assert got == {
        "ehc.assessment_decision": date(2025, 10, 13),
        "ehc.no_plan_decision": date(2025, 12, 22),
        "ehc.final_plan": date(2026, 1, 19),
        "ehc.draft_comments": date(2025, 12, 15),
    }


def test_the_section_3_example_as_one_case() -> None:
    facts = PupilFacts(
        review_meeting_on=M, review_meeting_held=True, amendments_sent_on=date(2025, 12, 8)
    )
    deadlines = compute_deadlines(facts, SCHOOL)
    assert [(d.kind, d.due) for d in deadlines] == [
        ("ehc.review_advice", date(2025, 10, 27)),
        ("ehc.review_invitations", date(2025, 10, 27)),
        ("ehc.review_report", date(2025, 11, 24)),
        ("ehc.review_la_decision", date(2025, 12, 8)),
        ("ehc.amendment_representations", date(2025, 12, 22)),
        ("ehc.final_amended_plan", date(2026, 2, 2)),
    ]
    assert {d.owner for d in deadlines} == {Owner.SCHOOL, Owner.LA, Owner.PARENT}


# --- month ends, leap years, bank holidays, clocks ------------------------------------------


def test_annual_review_of_a_plan_issued_on_29_february() -> None:
    """The 12 months starting with 29 February 2028 end on 28 February 2029: no 29th that
    year, so the period runs to the end of February."""
    facts = PupilFacts(final_issued_on=date(2028, 2, 29))
    assert due("ehc.annual_review", facts).due == date(2029, 2, 28)


def test_two_months_from_31_december_is_the_end_of_february() -> None:
    facts = PupilFacts(decision_letter_sent_on=date(2025, 12, 31))
    assert due("ehc.mediation_contact", facts).due == date(2026, 2, 28)
    leap = PupilFacts(decision_letter_sent_on=date(2027, 12, 31))
    assert due("ehc.appeal", leap).due == date(2028, 2, 29)


def test_week_deadlines_falling_on_a_bank_holiday_are_not_moved() -> None:
    # Thu 13 Nov 2025 + 6 weeks is Christmas Day: the regulations have no pause (§1).
    facts = PupilFacts(request_received_on=date(2025, 11, 13))
    assert due("ehc.assessment_decision", facts).due == date(2025, 12, 25)


def test_referral_on_the_thursday_before_easter_depends_on_the_nation() -> None:
    facts = PupilFacts(referral_made_on=date(2026, 4, 2))
    scotland = SchoolCalendar(Nation.SCOTLAND)
    assert due("safeguarding.la_referral_response", facts, scotland).due == date(2026, 4, 6)
    assert due("safeguarding.la_referral_response", facts, SCHOOL).due == date(2026, 4, 7)


def test_christmas_eve_setting_reaches_the_referral_rule() -> None:
    facts = PupilFacts(referral_made_on=date(2025, 12, 23))
    assert due("safeguarding.la_referral_response", facts).due == date(2025, 12, 24)
    strict = SchoolCalendar(Nation.ENGLAND, TERMS, christmas_eve_is_working_day=False)
    assert due("safeguarding.la_referral_response", facts, strict).due == date(2025, 12, 29)


def test_a_referral_acknowledged_marks_both_referral_deadlines_met() -> None:
    facts = PupilFacts(referral_made_on=date(2026, 4, 2), referral_acknowledged_on=date(2026, 4, 7))
    got = {d.kind: d.met_on for d in compute_deadlines(facts, SCHOOL)}
    assert got == {
        "safeguarding.la_referral_response": date(2026, 4, 7),
        "safeguarding.referral_follow_up": date(2026, 4, 7),
    }


@pytest.mark.parametrize(
    ("meeting", "invitations", "report"),
    [
        pytest.param(
            date(2026, 3, 30),
            date(2026, 3, 16),
            date(2026, 4, 13),
            id="meeting after clocks go forward",
        ),
        pytest.param(
            date(2026, 11, 2),
            date(2026, 10, 19),
            date(2026, 11, 16),
            id="meeting after clocks go back",
        ),
    ],
)
def test_daylight_saving_days_do_not_matter(meeting: date, invitations: date, report: date) -> None:
    facts = PupilFacts(review_meeting_on=meeting, review_meeting_held=True)
    assert due("ehc.review_invitations", facts).due == invitations
    assert due("ehc.review_report", facts).due == report


def test_the_report_and_the_las_decision_wait_for_the_meeting_to_be_held() -> None:
    """Reg 20: the report follows "the meeting" and the LA's decision the report. A meeting
    only booked has neither yet, so staff are not reminded of a report about a meeting that
    has not happened."""
    booked = PupilFacts(review_meeting_on=M)
    kinds = {d.kind for d in compute_deadlines(booked, SCHOOL)}
    assert {"ehc.review_invitations", "ehc.review_advice"} <= kinds
    assert not {"ehc.review_report", "ehc.review_la_decision"} & kinds


def test_a_timestamp_instead_of_a_date_is_refused() -> None:
    with pytest.raises(TypeError, match="request_received_on must be a datetime.date"):
        PupilFacts(request_received_on=datetime(2025, 9, 1, 23, 30))
    with pytest.raises(TypeError, match="local date"):
        PupilFacts(pupil_leaving_on="2025-09-01")  # type: ignore[arg-type]


# --- exemptions (reg 5(4), 8(2), 10(4), 13(3), 27(3)) -----------------------------------------

SUMMER_2025 = (date(2025, 7, 23), date(2025, 9, 2))  # 42 days closed
CLOSURE = Exemption(
    kind=ExemptionKind.SCHOOL_CLOSURE,
    reason="School closed for the summer when its advice was requested.",
    starts_on=SUMMER_2025[0],
    ends_on=SUMMER_2025[1],
)
SUMMER_FACTS = PupilFacts(
    request_received_on=date(2025, 6, 2),
    advice_requested_on=date(2025, 7, 16),
    draft_served_on=date(2025, 8, 4),
)


def test_the_calendar_implies_a_summer_closure_exemption_only_inside_the_window() -> None:
    found = closure_exemption(date(2025, 7, 16), SCHOOL)
    assert found is not None
    assert (found.starts_on, found.ends_on) == SUMMER_2025
    assert found.advice_window() == (date(2025, 7, 16), date(2025, 8, 27))
    assert closure_exemption(date(2025, 8, 27), SCHOOL) is not None
    assert closure_exemption(date(2025, 7, 15), SCHOOL) is None
    assert closure_exemption(date(2025, 8, 28), SCHOOL) is None
    assert closure_exemption(date(2025, 12, 18), SCHOOL) is None  # Christmas is under 4 weeks


def test_summer_closure_moves_only_the_rules_that_allow_it() -> None:
    got = {d.kind: d for d in compute_deadlines(SUMMER_FACTS, SCHOOL, [CLOSURE])}
    # reg 13(3) -> reg 10(4)(a): 20 weeks from 2 Jun is 20 Oct; the clock stops for 42 days.
    assert got["ehc.final_plan"].original_due == date(2025, 10, 20)
    assert got["ehc.final_plan"].due == date(2025, 12, 1)
    assert got["ehc.final_plan"].exemption_reason == CLOSURE.reason
    # reg 10(4)(a): 16 weeks is 22 Sep, inside the closure's reach.
    assert got["ehc.no_plan_decision"].due == date(2025, 11, 3)
    # reg 5(4): 6 weeks ran out on 14 Jul, before the closure: not moved.
    assert got["ehc.assessment_decision"].due == date(2025, 7, 14)
    assert got["ehc.assessment_decision"].exemption_reason is None
    # reg 8: no school-holiday exception for advice.
    assert got["ehc.advice"].due == date(2025, 8, 27)
    assert got["ehc.advice"].exemption_reason is None
    # reg 13(1): the parent's 15 days never move.
    assert got["ehc.draft_comments"].due == date(2025, 8, 18)
    assert got["ehc.draft_comments"].exemption_reason is None


@pytest.mark.parametrize("rule", ["ehc.draft_comments", "ehc.advice", "ehc.annual_review"])
def test_a_closure_exemption_recorded_against_a_rule_without_it_is_refused(rule: str) -> None:
    targeted = Exemption(
        kind=ExemptionKind.SCHOOL_CLOSURE,
        reason="summer",
        starts_on=SUMMER_2025[0],
        ends_on=SUMMER_2025[1],
        rule=rule,
    )
    with pytest.raises(ValueError, match="does not allow a school_closure"):
        compute_deadlines(SUMMER_FACTS, SCHOOL, [targeted])


def test_a_closure_exemption_needs_advice_asked_for_in_the_window() -> None:
    early = PupilFacts(request_received_on=date(2025, 6, 2), advice_requested_on=date(2025, 7, 1))
    with pytest.raises(ValueError, match="2025-07-16 and 2025-08-27"):
        compute_deadlines(early, SCHOOL, [CLOSURE])


def test_a_closure_shorter_than_four_weeks_is_not_an_exemption() -> None:
    with pytest.raises(ValueError, match="at least 4 continuous weeks"):
        Exemption(ExemptionKind.SCHOOL_CLOSURE, "Christmas", date(2025, 12, 20), date(2026, 1, 4))
    with pytest.raises(ValueError, match="at least 4 continuous weeks"):
        Exemption(
            ExemptionKind.ABSENT_FROM_AREA, "holiday abroad", date(2025, 10, 1), date(2025, 10, 27)
        )


def test_absence_from_the_area_stops_the_clock_for_the_whole_absence() -> None:
    absent = Exemption(
        ExemptionKind.ABSENT_FROM_AREA, "Family abroad", date(2025, 10, 1), date(2025, 11, 4)
    )
    facts = PupilFacts(request_received_on=R)
    decision = due("ehc.assessment_decision", facts, exemptions=(absent,))
    # 29 days ran (2-30 Sep), 35 days paused, 13 days run from 5 Nov.
    assert decision.original_due == date(2025, 10, 13)
    assert decision.due == date(2025, 11, 17)
    assert decision.exemption_reason == "Family abroad"
    assert due("ehc.final_plan", facts, exemptions=(absent,)).due == date(2026, 1, 19) + timedelta(
        days=35
    )


def test_ongoing_personal_circumstances_suspend_what_they_touch() -> None:
    ongoing = Exemption(
        ExemptionKind.PERSONAL_CIRCUMSTANCES, "Parent in hospital", date(2025, 12, 1)
    )
    facts = PupilFacts(request_received_on=R, draft_served_on=date(2025, 12, 1))
    got = {d.kind: d for d in compute_deadlines(facts, SCHOOL, [ongoing])}
    final = got["ehc.final_plan"]
    assert final.suspended and final.exemption_reason == "Parent in hospital"
    assert final.due == final.original_due == date(2026, 1, 19)
    assert got["ehc.no_plan_decision"].suspended
    assert not got["ehc.assessment_decision"].suspended  # ran out on 13 Oct
    assert not got["ehc.draft_comments"].suspended  # reg 13(1) allows no exception


def test_missed_appointment_applies_to_reg_8_advice_only() -> None:
    missed = Exemption(
        ExemptionKind.MISSED_APPOINTMENT,
        "Missed the EP appointment",
        date(2025, 9, 10),
        date(2025, 9, 24),
    )
    facts = PupilFacts(request_received_on=R, advice_requested_on=R)
    got = {d.kind: d for d in compute_deadlines(facts, SCHOOL, [missed])}
    assert got["ehc.advice"].due == date(2025, 10, 13) + timedelta(days=15)
    assert got["ehc.final_plan"].due == date(2026, 1, 19)
    with pytest.raises(ValueError, match="does not allow a missed_appointment"):
        compute_deadlines(
            facts, SCHOOL, [Exemption(**{**missed.__dict__, "rule": "ehc.final_plan"})]
        )


def test_overlapping_exemptions_do_not_pause_a_day_twice() -> None:
    first = Exemption(
        ExemptionKind.PERSONAL_CIRCUMSTANCES, "bereavement", date(2025, 10, 1), date(2025, 10, 10)
    )
    second = Exemption(
        ExemptionKind.PERSONAL_CIRCUMSTANCES, "illness", date(2025, 10, 5), date(2025, 10, 15)
    )
    result = due("ehc.final_plan", PupilFacts(request_received_on=R), exemptions=(first, second))
    assert result.due == date(2026, 1, 19) + timedelta(days=15)
    assert result.exemption_reason == "bereavement; illness"


def test_an_exemption_before_the_clock_started_does_nothing() -> None:
    old = Exemption(
        ExemptionKind.PERSONAL_CIRCUMSTANCES, "earlier", date(2025, 6, 1), date(2025, 8, 31)
    )
    result = due("ehc.final_plan", PupilFacts(request_received_on=R), exemptions=(old,))
    assert result.due == date(2026, 1, 19) and result.exemption_reason is None


def test_an_exemption_recorded_against_one_rule_moves_only_that_rule() -> None:
    only_final = Exemption(
        ExemptionKind.PERSONAL_CIRCUMSTANCES,
        "illness",
        date(2025, 10, 1),
        date(2025, 10, 10),
        rule="ehc.final_plan",
    )
    got = {
        d.kind: d.due
        for d in compute_deadlines(PupilFacts(request_received_on=R), SCHOOL, [only_final])
    }
    assert got["ehc.final_plan"] == date(2026, 1, 29)
    assert got["ehc.assessment_decision"] == date(2025, 10, 13)


def test_reassessment_final_plan_allows_the_reg_27_3_exceptions() -> None:
    away = Exemption(ExemptionKind.ABSENT_FROM_AREA, "away", date(2026, 2, 1), date(2026, 2, 28))
    facts = PupilFacts(reassessment_requested_on=date(2026, 1, 5))
    assert due("ehc.reassessment_final_plan", facts, exemptions=(away,)).due == date(2026, 5, 26)
    assert due("ehc.reassessment_decision", facts, exemptions=(away,)).due == date(2026, 1, 20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"reason": " "}, "reason", id="no reason"),
        pytest.param({"ends_on": date(2025, 9, 30)}, "end before it starts", id="backwards"),
        pytest.param({"rule": "ehc.nonsense"}, "no deadline rule", id="unknown rule"),
    ],
)
def test_nonsense_exemptions_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "kind": ExemptionKind.PERSONAL_CIRCUMSTANCES,
        "reason": "illness",
        "starts_on": date(2025, 10, 1),
        "ends_on": date(2025, 10, 10),
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        compute_deadlines(PupilFacts(request_received_on=R), SCHOOL, [Exemption(**fields)])  # type: ignore[arg-type]


@given(
    pauses=st.lists(
        st.tuples(st.integers(-60, 200), st.integers(0, 60)),
        max_size=4,
    )
)
@settings(max_examples=150, deadline=None)
def test_exemptions_never_bring_a_deadline_forward_or_add_more_than_they_last(
    pauses: list[tuple[int, int]],
) -> None:
    exemptions = [
        Exemption(
            ExemptionKind.PERSONAL_CIRCUMSTANCES,
            f"p{i}",
            R + timedelta(days=offset),
            R + timedelta(days=offset + length),
        )
        for i, (offset, length) in enumerate(pauses)
    ]
    result = due("ehc.final_plan", PupilFacts(request_received_on=R), exemptions=tuple(exemptions))
    assert result.original_due == date(2026, 1, 19)
    assert result.due >= result.original_due
    assert (result.due - result.original_due).days <= sum(length + 1 for _, length in pauses)
    assert (result.exemption_reason is None) == (result.due == result.original_due)


# --- what each rule says beyond the date ------------------------------------------------------


def test_stages_recorded_as_done_are_marked_met() -> None:
    facts = PupilFacts(
        request_received_on=R,
        assessment_decided_on=date(2025, 10, 6),
        draft_served_on=date(2025, 12, 1),
        final_issued_on=date(2026, 1, 12),
        reassessment_requested_on=date(2026, 3, 2),
        reassessment_decided_on=date(2026, 3, 10),
    )
    met = {d.kind: d.met_on for d in compute_deadlines(facts, SCHOOL)}
    assert met["ehc.assessment_decision"] == date(2025, 10, 6)
    assert met["ehc.no_plan_decision"] == date(2025, 12, 1)
    assert met["ehc.final_plan"] == date(2026, 1, 12)
    assert met["ehc.reassessment_decision"] == date(2026, 3, 10)
    assert met["ehc.draft_comments"] is None
    assert met["ehc.annual_review"] is None


def test_the_reassessment_final_plan_says_when_it_is_provisional() -> None:
    provisional = due(
        "ehc.reassessment_final_plan", PupilFacts(reassessment_requested_on=date(2026, 1, 5))
    )
    assert provisional.note and "Provisional" in provisional.note
    assert provisional.counted_from == date(2026, 1, 20)
    decided = PupilFacts(
        reassessment_requested_on=date(2026, 1, 5), reassessment_decided_on=date(2026, 1, 12)
    )
    assert due("ehc.reassessment_final_plan", decided).note is None


def test_phase_transfer_without_a_kind_uses_the_earlier_date_and_says_so() -> None:
    result = due("ehc.phase_transfer", PupilFacts(phase_transfer_year=2027))
    assert result.due == date(2027, 2, 14)
    assert result.note and "before 15 February" in result.note


def test_under5_review_only_for_a_child_under_five_at_the_last_review() -> None:
    facts = PupilFacts(final_issued_on=date(2025, 6, 1), date_of_birth=date(2020, 6, 1))
    assert deadline("ehc.under5_review", facts, SCHOOL) is None
    day_before = PupilFacts(final_issued_on=date(2025, 5, 31), date_of_birth=date(2020, 6, 1))
    assert due("ehc.under5_review", day_before).due == date(2025, 11, 30)


def test_immediate_danger_only_when_flagged() -> None:
    assert (
        deadline(
            "safeguarding.immediate_danger",
            PupilFacts(concern_logged_on=date(2025, 11, 12)),
            SCHOOL,
        )
        is None
    )


def test_without_term_dates_the_term_rules_fall_back_and_say_so() -> None:
    review = due(
        "sen_support.review", PupilFacts(support_plan_started_on=date(2025, 9, 10)), NO_TERMS
    )
    assert review.due == date(2025, 12, 3)
    assert review.note and "12 weeks" in review.note
    half = PupilFacts(
        support_plan_started_on=date(2025, 9, 10), review_frequency=ReviewFrequency.HALF_TERMLY
    )
    assert due("sen_support.review", half, NO_TERMS).due == date(2025, 10, 22)
    # 5 working days is never later than 5 school days.
    cp = due(
        "safeguarding.cp_file_transfer", PupilFacts(pupil_leaving_on=date(2025, 10, 15)), NO_TERMS
    )
    assert cp.due == date(2025, 10, 22)
    assert cp.note and "5 working days" in cp.note


def test_term_rules_past_the_last_term_set_up_fall_back_too() -> None:
    facts = PupilFacts(
        support_plan_started_on=date(2026, 9, 10), support_plan_last_reviewed_on=date(2026, 12, 10)
    )
    result = due("sen_support.review", facts)
    assert result.due == date(2027, 3, 4)
    assert result.note is not None
    leaving = due("safeguarding.cp_file_transfer", PupilFacts(pupil_leaving_on=date(2026, 12, 17)))
    assert leaving.due == date(2026, 12, 24)  # 5 working days: 18, 21, 22, 23, 24 Dec
    assert leaving.note is not None


def test_no_facts_no_deadlines_and_results_come_soonest_first() -> None:
    assert compute_deadlines(PupilFacts(), SCHOOL) == []
    facts = PupilFacts(
        request_received_on=R,
        review_meeting_on=M,
        referral_made_on=date(2025, 9, 4),
        support_plan_started_on=date(2025, 9, 10),
        pupil_leaving_on=date(2025, 10, 15),
    )
    deadlines = compute_deadlines(facts, SCHOOL)
    assert [d.due for d in deadlines] == sorted(d.due for d in deadlines)
    assert deadlines[0].kind == "safeguarding.la_referral_response"
    assert deadlines[0].due == date(2025, 9, 5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"request_received_on": date(2025, 9, 1), "draft_served_on": date(2025, 8, 1)},
            "draft_served_on",
            id="draft before request",
        ),
        pytest.param(
            {"draft_served_on": date(2025, 12, 1), "final_issued_on": date(2025, 11, 1)},
            "final_issued_on",
            id="final before draft",
        ),
        pytest.param(
            {"phase_transfer_kind": PhaseTransfer.OTHER}, "needs the year", id="kind without year"
        ),
        pytest.param({"phase_transfer_year": 26}, "calendar year", id="two-digit year"),
        pytest.param({"review_frequency": "weekly"}, "weekly", id="unknown frequency"),
        pytest.param(
            {"referral_made_on": date(2026, 4, 2), "referral_acknowledged_on": date(2026, 4, 1)},
            "referral_acknowledged_on",
            id="acknowledged before referral",
        ),
    ],
)
def test_nonsense_facts_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PupilFacts(**kwargs)  # type: ignore[arg-type]


def test_unknown_rule_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="no deadline rule"):
        deadline("ehc.nonsense", PupilFacts(), SCHOOL)


# --- the rule table itself ------------------------------------------------------------------

# Each row of the table at the top of SEND_TIMESCALES.md and the rule that implements it.
TABLE_ROWS = {
    "LA decides whether to carry out an EHC needs assessment": ("ehc.assessment_decision", "2.1"),
    "school (and others) give advice for the assessment": ("ehc.advice", "2.3"),
    "LA decides not to issue a plan": ("ehc.no_plan_decision", "2.4"),
    "parent / school comment on a draft plan": ("ehc.draft_comments", "2.6"),
    "final EHC plan issued": ("ehc.final_plan", "2.8"),
    "annual review held": ("ehc.annual_review", "3.1"),
    "under-5s review (guidance)": ("ehc.under5_review", "3.2"),
    "annual review invitations sent": ("ehc.review_invitations", "3.4"),
    "annual review advice circulated": ("ehc.review_advice", "3.5"),
    "annual review report sent to LA and invitees": ("ehc.review_report", "3.7"),
    "LA decision after annual review": ("ehc.review_la_decision", "3.8"),
    "final amended plan": ("ehc.final_amended_plan", "3.10"),
    "phase transfer: plan amended, school named": ("ehc.phase_transfer", "4.1"),
    "re-assessment decision": ("ehc.reassessment_decision", "5.2"),
    "re-assessment final plan": ("ehc.reassessment_final_plan", "5.5"),
    "earliest re-assessment": ("ehc.reassessment_earliest", "5.3"),
    "appeal / mediation adviser contact": ("ehc.mediation_contact", "7.2"),
    "SEN support review (assess, plan, do, review)": ("sen_support.review", "9"),
    "parents met about SEN support": ("sen_support.parent_meeting", "9"),
    "reintegration (reduced timetable) plan review": ("reintegration.review", "seed 000"),
    "safeguarding concern to DSL": ("safeguarding.tell_dsl", "10.2"),
    "child in immediate danger": ("safeguarding.immediate_danger", "10.5"),
    "LA acknowledges a referral and decides next steps": (
        "safeguarding.la_referral_response",
        "10.7",
    ),
    "child protection file to a new school": ("safeguarding.cp_file_transfer", "10.12"),
}


@pytest.mark.parametrize(
    ("row", "kind", "section"), [(r, k, s) for r, (k, s) in TABLE_ROWS.items()]
)
def test_every_row_of_the_reference_table_has_a_rule_naming_its_section(
    row: str, kind: str, section: str
) -> None:
    rule = RULES_BY_KIND[kind]
    assert section in rule.section.split(", ")


LAWS = ("SEND Regs 2014", "Code ", "CFA 2014", "KCSIE", "HESC Rules", "School policy")


def test_rules_are_shaped_for_the_deadline_table() -> None:
    kinds = [rule.kind for rule in RULES]
    assert len(kinds) == len(set(kinds))
    for rule in RULES:
        assert len(rule.kind) <= 60  # Deadline.kind
        assert len(rule.source) <= 200  # Deadline.source
        assert len(rule.owner.value) <= 20  # Deadline.owner_role
        assert rule.grade and set(rule.grade) <= set("PQSU/")
        assert rule.description.endswith(".") and len(rule.description) < 200
        # Staff read the law, not the name of a file of ours.
        assert rule.source.startswith(LAWS), rule.source
        assert "SEND_TIMESCALES" not in rule.source and "§" not in rule.source


def test_only_the_listed_rules_allow_exemptions() -> None:
    allowing = {rule.kind: {k.value for k in rule.exemptions} for rule in RULES if rule.exemptions}
    four = {"school_closure", "early_years_closure", "personal_circumstances", "absent_from_area"}
    assert allowing == {
        "ehc.assessment_decision": four,  # reg 5(4)
        "ehc.advice": {
            "personal_circumstances",
            "absent_from_area",
            "missed_appointment",
        },  # reg 8(2)
        "ehc.no_plan_decision": four,  # reg 10(4)
        "ehc.final_plan": four,  # reg 13(3)
        "ehc.reassessment_final_plan": four,  # reg 27(3)
    }


# --- an allegation about an adult: the LADO within one working day (KCSIE Part four) ------


@pytest.mark.parametrize(
    ("reported", "consult_by"),
    [
        (date(2026, 11, 24), date(2026, 11, 25)),  # Tuesday: Wednesday
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday: over the weekend to Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday: Monday
        (date(2026, 8, 28), date(2026, 9, 1)),  # Friday before the August bank holiday
        (date(2026, 12, 24), date(2026, 12, 29)),  # Christmas Eve: Christmas, Boxing Day (Mon 28)
        (date(2026, 12, 23), date(2026, 12, 24)),  # Christmas Eve counts as a working day
        (date(2027, 3, 25), date(2027, 3, 30)),  # Maundy Thursday: Good Friday, Easter Monday
    ],
)
def test_an_allegation_is_taken_to_the_lado_within_one_working_day(
    reported: date, consult_by: date
) -> None:
    got = due("adults.lado_consultation", PupilFacts(allegation_reported_on=reported))
    assert (got.due, got.counted_from, got.owner) == (consult_by, reported, Owner.CASE_MANAGER)
    assert got.source.startswith("KCSIE 2025 Part four")


def test_the_lado_deadline_is_met_once_the_lado_is_consulted_and_only_an_allegation_has_one() -> (
    None
):
    facts = PupilFacts(
        allegation_reported_on=date(2026, 11, 27), lado_consulted_on=date(2026, 11, 30)
    )
    assert due("adults.lado_consultation", facts).met_on == date(2026, 11, 30)
    assert deadline("adults.lado_consultation", PupilFacts(), SCHOOL) is None
    with pytest.raises(ValueError, match="cannot be before"):
        PupilFacts(allegation_reported_on=date(2026, 11, 27), lado_consulted_on=date(2026, 11, 26))
