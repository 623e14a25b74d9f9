"""Three readings of the law, each against its own words, and where England's EHC law stops.

The words quoted are the ones on legislation.gov.uk: SEND Regulations 2014 (SI 2014/1530)
reg 18(1) and reg 25, and the Children and Families Act 2014 s44(1).
"""

from __future__ import annotations

from datetime import date

import pytest

from sendbot.domain.calendar import Nation, SchoolCalendar, last_day_of_months_starting_with
from sendbot.domain.timescales import (
    RULES,
    RULES_BY_KIND,
    PhaseTransfer,
    PupilFacts,
    annual_review_last_day,
    compute_deadlines,
    deadline,
    ehc_rules_not_applied,
    last_day_within_days_of,
    phase_transfer_last_day,
)

ENGLAND = SchoolCalendar(Nation.ENGLAND)


def due_on(kind: str, facts: PupilFacts, cal: SchoolCalendar = ENGLAND) -> date:
    result = deadline(kind, facts, cal)
    assert result is not None, f"{kind} gave no deadline"
    return result.due


# --- reg 25: "within 15 days of receiving the request" --------------------------------------


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        pytest.param(date(2026, 1, 5), date(2026, 1, 20), id="Mon 5 Jan -> Tue 20 Jan"),
        pytest.param(date(2025, 12, 20), date(2026, 1, 4), id="across the new year"),
        pytest.param(date(2024, 2, 14), date(2024, 2, 29), id="leap year: 29 Feb"),
        pytest.param(date(2025, 2, 14), date(2025, 3, 1), id="not a leap year: 1 Mar"),
        pytest.param(date(2026, 1, 31), date(2026, 2, 15), id="from a month end"),
        pytest.param(date(2026, 12, 10), date(2026, 12, 25), id="Christmas Day is not skipped"),
    ],
)
def test_reg_25_reassessment_decision_is_15_days_after_the_request(
    received: date, last_day: date
) -> None:
    """SEND Regs 2014 reg 25: the local authority must notify its decision whether to
    re-assess "within 15 days of receiving the request". As with reg 5's "within 6 weeks of
    receiving a request" (R + 42 days), the day of receipt is not one of the 15: only
    "beginning with the day" (reg 13(1), 22(2)) counts the first day. Calendar days, no
    holiday pause."""
    facts = PupilFacts(reassessment_requested_on=received)
    assert due_on("ehc.reassessment_decision", facts) == last_day
    assert last_day_within_days_of(received, 15) == last_day


def test_reg_25_counts_like_reg_5_and_unlike_reg_13() -> None:
    """reg 5(1): "within 6 weeks of ... receiving a request" is R + 42; reg 13(1)(a): "at least
    15 days, beginning with the day on which the draft plan was served" is D + 14; reg 25's
    "within 15 days of receiving" reads like reg 5, so Q + 15."""
    day = date(2026, 3, 2)
    facts = PupilFacts(request_received_on=day, draft_served_on=day, reassessment_requested_on=day)
    got = {d.kind: (d.due - day).days for d in compute_deadlines(facts, ENGLAND)}
    assert got["ehc.assessment_decision"] == 42
    assert got["ehc.draft_comments"] == 14
    assert got["ehc.reassessment_decision"] == 15


# --- reg 18(1): "before 15 February" / "before 31 March" -------------------------------------


@pytest.mark.parametrize(
    ("year", "kind", "last_day"),
    [
        pytest.param(2026, PhaseTransfer.OTHER, date(2026, 2, 14), id="(b) 2026: Sat 14 Feb"),
        pytest.param(2028, PhaseTransfer.OTHER, date(2028, 2, 14), id="(b) leap year 2028"),
        pytest.param(
            2027, PhaseTransfer.SECONDARY_TO_POST16, date(2027, 3, 30), id="(a) 2027: 30 Mar"
        ),
        pytest.param(
            2028, PhaseTransfer.SECONDARY_TO_POST16, date(2028, 3, 30), id="(a) leap year 2028"
        ),
        pytest.param(2027, None, date(2027, 2, 14), id="kind not recorded: the earlier date"),
    ],
)
def test_reg_18_phase_transfer_is_the_day_before_the_named_date(
    year: int, kind: PhaseTransfer | None, last_day: date
) -> None:
    """SEND Regs 2014 reg 18(1): the local authority must review and amend the EHC plan
    "before— (a) 31 March in the calendar year of the child or young person's transfer from
    secondary school to a post-16 institution; and (b) 15 February in the calendar year of the
    child's transfer in any other case". Before 15 February: 15 February is too late, so the
    last day is 14 February (30 March for (a)). A weekend does not move it."""
    facts = PupilFacts(phase_transfer_year=year, phase_transfer_kind=kind)
    assert due_on("ehc.phase_transfer", facts) == last_day
    assert phase_transfer_last_day(year, kind) == last_day


def test_reg_18_back_planning_works_back_from_the_last_day() -> None:
    """Amended plan finalised "before 15 February" 2027, so by Sun 14 Feb; 8 weeks for the
    final amended plan (reg 22(3)) and 4 for the decision before that: the meeting by
    Sun 22 Nov 2026, so the working day before, Fri 20 Nov."""
    facts = PupilFacts(phase_transfer_year=2027, phase_transfer_kind=PhaseTransfer.OTHER)
    assert due_on("ehc.phase_transfer_review_meeting", facts) == date(2026, 11, 20)


# --- CFA 2014 s44(1): "in the period of 12 months starting with" -----------------------------


@pytest.mark.parametrize(
    ("made_or_reviewed", "last_day"),
    [
        pytest.param(date(2025, 12, 10), date(2026, 12, 9), id="10 Dec -> 9 Dec"),
        pytest.param(date(2025, 1, 1), date(2025, 12, 31), id="1 Jan -> 31 Dec same year"),
        pytest.param(date(2025, 12, 31), date(2026, 12, 30), id="31 Dec -> 30 Dec"),
        pytest.param(date(2024, 2, 29), date(2025, 2, 28), id="29 Feb 2024 -> 28 Feb 2025"),
        pytest.param(date(2028, 2, 29), date(2029, 2, 28), id="29 Feb 2028 -> 28 Feb 2029"),
        pytest.param(date(2027, 3, 1), date(2028, 2, 29), id="1 Mar 2027 -> 29 Feb 2028"),
        pytest.param(date(2024, 3, 1), date(2025, 2, 28), id="1 Mar 2024 -> 28 Feb 2025"),
        pytest.param(date(2027, 2, 28), date(2028, 2, 27), id="28 Feb 2027 -> 27 Feb 2028"),
        pytest.param(date(2025, 8, 31), date(2026, 8, 30), id="31 Aug -> 30 Aug"),
    ],
)
def test_s44_annual_review_is_in_the_12_months_starting_with_the_date(
    made_or_reviewed: date, last_day: date
) -> None:
    """CFA 2014 s44(1): a local authority must review an EHC plan "in the period of 12 months
    starting with the date on which the plan was first made" and then "in each subsequent
    period of 12 months starting with the date on which the plan was last reviewed". The
    period starts with that date, so it ends the day before the anniversary; with no
    29 February in the anniversary year it runs to the end of February."""
    assert due_on("ehc.annual_review", PupilFacts(final_issued_on=made_or_reviewed)) == last_day
    later = PupilFacts(final_issued_on=date(2020, 1, 6), last_annual_review_on=made_or_reviewed)
    assert due_on("ehc.annual_review", later) == last_day
    assert annual_review_last_day(made_or_reviewed) == last_day


def test_a_12_month_period_is_never_longer_than_a_year_of_days() -> None:
    """Whatever the start, the 12 months starting with it hold 365 or 366 days, and the day
    after the last one is where the next period would start (the anniversary, or 1 March)."""
    day = date(2023, 1, 1)
    while day < date(2029, 1, 1):
        last = last_day_of_months_starting_with(day, 12)
        assert (last - day).days + 1 in (365, 366), day
        after = date.fromordinal(last.toordinal() + 1)
        assert (after.month, after.day) in ((day.month, day.day), (3, 1)), day
        day = date.fromordinal(day.toordinal() + 1)


# --- what staff read ----------------------------------------------------------------------


def test_the_messages_say_what_the_law_says() -> None:
    """Staff read the law's own words: "before 15 February", not "by 15 February"."""
    phase = RULES_BY_KIND["ehc.phase_transfer"].law_says(date(2027, 2, 14))
    assert phase == (
        "The law says the amended plan must be finalised before 15 February 2027, so the last "
        "day is 14 February 2027."
    )
    post16 = RULES_BY_KIND["ehc.phase_transfer"].law_says(date(2027, 3, 30))
    assert "before 31 March 2027" in post16 and "last day is 30 March 2027" in post16
    annual = RULES_BY_KIND["ehc.annual_review"].law_says(date(2026, 12, 9))
    assert "12 months starting with the day it was made or last reviewed" in annual
    assert "9 December 2026, the day before the anniversary" in annual
    reassess = RULES_BY_KIND["ehc.reassessment_decision"].law_says(date(2026, 1, 20))
    assert "within 15 days of receiving the request" in reassess
    assert "not counted" in reassess and "20 January 2026" in reassess


CITATION_WORDS = ("reg ", " s44", "Code ", "KCSIE", "HESC Rules", "r.20", "School policy")


@pytest.mark.parametrize("rule", RULES, ids=[r.kind for r in RULES])
def test_every_rule_has_a_plain_title_and_a_citation(rule) -> None:  # type: ignore[no-untyped-def]
    """Each staff message names the rule in plain words and cites the regulation, Act
    section or Code paragraph (or says it is the school's own policy)."""
    assert rule.title and rule.title[0].isupper() and "_" not in rule.title
    assert "." not in rule.title.split()[0]  # not a rule id
    assert any(word in rule.citation for word in CITATION_WORDS), rule.citation
    assert "seed" not in rule.citation and "SEND_TIMESCALES" not in rule.citation


# --- only the law that applies --------------------------------------------------------------

EVERYTHING = PupilFacts(
    request_received_on=date(2026, 1, 5),
    final_issued_on=date(2026, 6, 1),
    phase_transfer_year=2027,
    reassessment_requested_on=date(2026, 9, 7),
    support_plan_started_on=date(2026, 9, 7),
    concern_logged_on=date(2026, 11, 27),
    referral_made_on=date(2026, 11, 27),
)


@pytest.mark.parametrize("nation", [Nation.WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND])
def test_no_ehc_deadline_outside_england_but_safeguarding_still_works(nation: Nation) -> None:
    """EHC plans are Part 3 of the Children and Families Act 2014, which applies in England."""
    kinds = {d.kind for d in compute_deadlines(EVERYTHING, SchoolCalendar(nation))}
    assert not {k for k in kinds if k.startswith("ehc.")}
    assert {"safeguarding.la_referral_response", "safeguarding.tell_dsl"} <= kinds
    assert deadline("ehc.annual_review", EVERYTHING, SchoolCalendar(nation)) is None
    england = {d.kind for d in compute_deadlines(EVERYTHING, ENGLAND)}
    assert {"ehc.annual_review", "ehc.phase_transfer", "ehc.final_plan"} <= england


def test_safeguarding_working_days_use_scotlands_bank_holidays() -> None:
    """Scotland's bank holidays include St Andrew's Day (Mon 30 Nov 2026) and 2 January."""
    facts = PupilFacts(referral_made_on=date(2026, 11, 27))  # a Friday
    scotland, england = SchoolCalendar(Nation.SCOTLAND), ENGLAND
    assert due_on("safeguarding.la_referral_response", facts, scotland) == date(2026, 12, 1)
    assert due_on("safeguarding.la_referral_response", facts, england) == date(2026, 11, 30)
    new_year = PupilFacts(referral_made_on=date(2025, 12, 31))
    assert due_on("safeguarding.la_referral_response", new_year, scotland) == date(2026, 1, 5)
    assert due_on("safeguarding.la_referral_response", new_year, england) == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("nation", "names"),
    [
        (
            Nation.WALES,
            ("Additional Learning Needs and Education Tribunal (Wales) Act 2018", "IDP"),
        ),
        (Nation.SCOTLAND, ("Additional Support for Learning) (Scotland) Act 2004", "CSP")),
        (Nation.NORTHERN_IRELAND, ("Education (Northern Ireland) Order 1996", "statements")),
    ],
)
def test_staff_are_told_which_law_applies_instead(nation: Nation, names: tuple[str, ...]) -> None:
    notice = ehc_rules_not_applied(nation)
    assert notice is not None
    place = {Nation.WALES: "Wales", Nation.SCOTLAND: "Scotland"}.get(nation, "Northern Ireland")
    assert notice.startswith(f"This school is in {place}. ")
    assert "England" in notice and "not applied" in notice
    assert "Bank holidays and safeguarding reminders still work" in notice
    for name in names:
        assert name in notice
    assert ehc_rules_not_applied(Nation.ENGLAND) is None
