"""The EHC case, recorded: the SENCO's flow, the roster's columns, the digest's "dates
missing", the plan flow's question, the demo. Every step recomputes the pupil's deadlines
and is audited.

The hand-worked dates read the law as written (the day-off readings corrected):
- CFA 2014 s44(1): the local authority must review the plan "(a) in the period of 12 months
  starting with the date on which the plan was first made, and (b) in each subsequent
  period of 12 months starting with the date on which the plan was last reviewed": the last
  day is the day before the anniversary.
- SEND Regs 2014 reg 18(1): on a transfer between phases the plan must be reviewed and
  amended "before 15th February in the calendar year of the transfer" (the last day is
  14 February), or for a move from secondary school to post-16 "before 31st March".
- Reg 5(1): the decision whether to assess comes "within 6 weeks of receiving the request";
  reg 13(2): the final plan "within 20 weeks" of it.
- Reg 13(1)(b): comments on a draft within "at least 15 days, beginning with the day on
  which the draft plan was served".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.ehc_case import EHC_CASE
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.forms import Forms
from sendbot.conversations.registry import REGISTRY
from sendbot.demo.build import build_demo
from sendbot.services import digests, ehc_cases, records, review_outcomes
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import PermissionDenied
from sendbot.services.roster import RosterError, import_roster
from sendbot.store.db import transaction
from sendbot.store.models import AuditEvent, Deadline, EhcCase, Meeting, Pupil, School, Staff
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool
from tests.staff_dialogs import dialog_for

Sessions = sessionmaker[Session]
TODAY = date(2026, 11, 24)  # NOW's day: Tue 24 Nov 2026
EHC_INTRO = "Let's record a step of an EHC case. Type 'back' or 'cancel' at any time."
PUPIL_Q = "Which pupil? Type part of their first name or surname."
STEP_Q = "Which step do you want to record?"


def open_deadlines(session: Session, pupil_id: int) -> dict[str, date]:
    rows = session.scalars(
        select(Deadline).where(Deadline.pupil_id == pupil_id, Deadline.status == "open")
    )
    return {row.kind: row.due_on for row in rows}


# --- the SENCO's flow -------------------------------------------------------------------------


def test_the_senco_records_a_draft_plan_received_then_the_final_plan_issued(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    d.verify(
        [
            ("ehc", f"{EHC_INTRO}\n\n{PUPIL_Q}"),
            ("amir", f"Nothing is recorded yet for this pupil's EHC case.\n{STEP_Q}"),
            ("5", "When was the draft plan sent to the family?"),
            (
                "12/11",
                "Please check the step:\n- Pupil: Amir Khan (Year 3, 3B)\n"
                "- Step: Draft plan received\n- Date: Thu 12 Nov 2026\n\nSave this step?",
            ),
            (
                "save",
                "Recorded for Amir Khan: draft plan received, Thu 12 Nov 2026. "
                "Next due: Comments on the draft EHC plan, by Thu 26 Nov 2026.",
            ),
            ("ehc", f"{EHC_INTRO}\n\n{PUPIL_Q}"),
            (
                "amir",
                f"Recorded so far:\n- Draft plan received: Thu 12 Nov 2026\n{STEP_Q}",
            ),
            ("6", "When was the final EHC plan issued?"),
            ("30/11/2026", "That date is in the future. Please give today's date or an earlier "
             "one.\n\nWhen was the final EHC plan issued?"),
            (
                "10/11/2026",
                "Please check the step:\n- Pupil: Amir Khan (Year 3, 3B)\n"
                "- Step: Final plan issued\n- Date: Tue 10 Nov 2026\n\nSave this step?",
            ),
            (
                "save",
                "Final plan issued (10 Nov 2026) cannot be before draft plan received "
                "(12 Nov 2026). Please check the date.\n\n"
                "Please check the step:\n- Pupil: Amir Khan (Year 3, 3B)\n"
                "- Step: Final plan issued\n- Date: Tue 10 Nov 2026\n\nSave this step?",
            ),
            ("2", "When was the final EHC plan issued?"),
            (
                "20/11/2026",
                "Please check the step:\n- Pupil: Amir Khan (Year 3, 3B)\n"
                "- Step: Final plan issued\n- Date: Fri 20 Nov 2026\n\nSave this step?",
            ),
            (
                "save",
                "Recorded for Amir Khan: final plan issued, Fri 20 Nov 2026. "
                "Next due: Annual review of the EHC plan, by Fri 19 Nov 2027.",
            ),
        ]
    )  # fmt: skip
    amir = school.pupils["amir"]
    with sessions() as session:
        case = session.scalars(select(EhcCase).where(EhcCase.pupil_id == amir)).one()
        assert (case.draft_served_on, case.final_issued_on) == (
            date(2026, 11, 12),
            date(2026, 11, 20),
        )
        # s44(1)(a): the 12 months starting with 20 Nov 2026 end on 19 Nov 2027.
        assert open_deadlines(session, amir)["ehc.annual_review"] == date(2027, 11, 19)
        steps = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ehc_case.step").order_by(AuditEvent.id)
        ).all()
        assert [(e.actor_id, e.pupil_id, e.details) for e in steps] == [
            (school.staff["senco"], amir, {"step": "draft", "on": "2026-11-12"}),
            (school.staff["senco"], amir, {"step": "final", "on": "2026-11-20"}),
        ]


def test_a_request_names_who_made_it_and_starts_the_six_and_twenty_weeks(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    for line in ("ehc", "ruby", "1"):
        d.says(line)
    d.verify(
        [
            ("parent", "When did the local authority receive the request for an EHC needs "
             "assessment?"),
            ("2/11/2026", "Please check the step:\n- Pupil: Ruby Khan (Year 4, 4R)\n"
             "- Step: Assessment requested\n- Requested by: A parent or carer\n"
             "- Date: Mon 2 Nov 2026\n\nSave this step?"),
            ("save", "Recorded for Ruby Khan: assessment requested, Mon 2 Nov 2026. Next due: "
             "LA decides whether to carry out an EHC needs assessment, by Mon 14 Dec 2026."),
        ]
    )  # fmt: skip
    with sessions() as session:
        due = open_deadlines(session, school.pupils["ruby"])
        case = session.scalars(select(EhcCase)).one()
    assert case.requested_by == "parent"
    assert due["ehc.assessment_decision"] == date(2026, 12, 14)  # reg 5(1): 6 weeks
    assert due["ehc.final_plan"] == date(2027, 3, 22)  # reg 13(2): 20 weeks


def test_a_decision_not_to_assess_ends_the_twenty_weeks_and_starts_mediation(
    sessions: Sessions, school: SmallSchool
) -> None:
    ruby = school.pupils["ruby"]
    with transaction(sessions) as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        ehc_cases.record_step(session, senco, ruby, "request", date(2026, 9, 7), NOW, TODAY)
        ehc_cases.record_step(
            session, senco, ruby, "decision", date(2026, 10, 16), NOW, TODAY, outcome="not_assess"
        )
    with sessions() as session:
        due = open_deadlines(session, ruby)
    assert "ehc.final_plan" not in due and "ehc.no_plan_decision" not in due
    # Reg 33: mediation advice within 2 months of the notice of the decision.
    assert due["ehc.mediation_contact"] == date(2026, 12, 16)


def test_a_pupils_record_holds_every_step_of_their_case(
    sessions: Sessions, school: SmallSchool
) -> None:
    """A subject access reply or a transfer carries what the school recorded: who asked,
    what the local authority decided, advice, mediation and appeal."""
    ruby = school.pupils["ruby"]
    with transaction(sessions) as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        steps = (
            ("request", date(2026, 5, 4)), ("decision", date(2026, 6, 10)),
            ("decision_letter", date(2026, 6, 12)), ("mediation", date(2026, 8, 3)),
            ("appeal", date(2026, 8, 20)),
        )  # fmt: skip
        for step, on in steps:
            ehc_cases.record_step(
                session, senco, ruby, step, on, NOW, TODAY,
                requested_by="school", outcome="not_assess",
            )  # fmt: skip
    with sessions() as session:
        head = staff_actor_by_id(session, school.staff["head"])
        assert head is not None
        (case,) = records.gather(session, head, ruby)["ehc_cases"]
    assert {k: case[k] for k in ("requested_by", "decision_outcome")} == {
        "requested_by": "school",
        "decision_outcome": "not_assess",
    }
    assert (case["mediation_certificate_issued_on"], case["appeal_registered_on"]) == (
        "2026-08-03",
        "2026-08-20",
    )


def test_only_the_senco_records_ehc_steps(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    assert teacher.says("ehc").text.startswith("Sorry, I didn't understand 'ehc'.")
    with transaction(sessions) as session:
        head = staff_actor_by_id(session, school.staff["head"])
        assert head is not None
        with pytest.raises(PermissionDenied, match="Only the SENCO"):
            ehc_cases.record_step(
                session, head, school.pupils["amir"], "final", date(2026, 1, 5), NOW, TODAY
            )
    with sessions() as session:
        assert session.scalars(select(EhcCase)).all() == []


def test_an_exemption_is_kept_with_its_reason_and_pauses_the_deadlines(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    for line in ("ehc", "ruby", "1", "school", "2/11/2026", "save", "ehc", "ruby", "15"):
        d.says(line)
    d.verify(
        [
            ("3", "When did it start?"),
            ("16/11/2026", "When did it end? Type 'skip' if it is still going on."),
            ("skip", "Why? A few words the family and the local authority would recognise."),
            ("Family bereavement", "Please check the step:\n- Pupil: Ruby Khan (Year 4, 4R)\n"
             "- Step: An exemption (the clock stops)\n- Exemption: The family's exceptional "
             "personal circumstances\n- Date: Mon 16 Nov 2026\n- Ended: still going on\n"
             "- Reason: Family bereavement\n\nSave this step?"),
            ("save", "Recorded for Ruby Khan: exemption, Mon 16 Nov 2026. Nothing is due for "
             "this case now."),
        ]
    )  # fmt: skip
    with sessions() as session:
        paused = session.scalars(
            select(Deadline.kind).where(
                Deadline.pupil_id == school.pupils["ruby"], Deadline.status == "suspended"
            )
        ).all()
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ehc_case.exemption")
        ).one()
    assert "ehc.final_plan" in paused  # reg 10(4)(c)
    assert event.details == {"exemption": "personal_circumstances", "starts_on": "2026-11-16"}


def test_the_same_flow_as_a_form_a_slack_modal_shows_it(
    sessions: Sessions, school: SmallSchool
) -> None:
    """Slack lays the flow out as a modal: the follow-up for who asked appears only for a
    request, and an out-of-order date is reported against the form."""
    forms = Forms(sessions, REGISTRY, FrozenClock(NOW))
    with sessions() as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
    assert senco is not None
    ruby = str(school.pupils["ruby"])
    final = {"pupil": ruby, "step": "final", "on": "2026-11-20"}
    assert "who" not in forms.preview(senco, EHC_CASE, final).names
    assert "who" in forms.preview(senco, EHC_CASE, {**final, "step": "request"}).names
    saved = forms.submit(senco, EHC_CASE, final)
    assert saved.done and saved.confirmation.startswith(
        "Recorded for Ruby Khan: final plan issued, Fri 20 Nov 2026."
    )
    refused = forms.submit(senco, EHC_CASE, {**final, "step": "annual_review", "on": "2026-11-02"})
    assert refused.errors == {
        "pupil": "Last annual review (2 Nov 2026) cannot be before final plan issued "
        "(20 Nov 2026). Please check the date."
    }


# --- the plan flow ---------------------------------------------------------------------------


def test_starting_an_ehc_plan_asks_when_it_was_issued_and_gives_its_annual_review(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    for line in ("plan", "ruby"):
        d.says(line)
    issued_q = (
        "When was the final EHC plan issued? Its annual review is counted from that date. "
        "Type 'skip' if you do not have it yet."
    )
    assert d.says("3").text == issued_q
    d.says("20/11/2025")
    assert "- Final EHC plan issued: Thu 20 Nov 2025\n" in d.says("ok").text
    assert d.says("save").text == (
        "Started Ruby Khan's EHC plan. Next review: Tue 16 Feb 2027. Final EHC plan issued "
        "Thu 20 Nov 2025. Overdue: Annual review of the EHC plan, due by Thu 19 Nov 2026."
    )
    with sessions() as session:
        assert open_deadlines(session, school.pupils["ruby"])["ehc.annual_review"] == date(
            2026, 11, 19
        )


def test_an_ehc_plan_started_without_its_date_says_the_date_is_missing(
    sessions: Sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    for line in ("plan", "ruby", "3", "skip", "ok"):
        d.says(line)
    assert d.says("save").text == (
        "Started Ruby Khan's EHC plan. Next review: Tue 16 Feb 2027. The date the final EHC "
        "plan was issued is missing, so there is no annual review deadline yet: type 'ehc' "
        "to record it."
    )
    with sessions() as session:
        assert [m.pupil_name for m in ehc_cases.missing_dates(session, school.school_id)] == [
            "Ruby Khan"
        ]


# --- the SENCO's digest ----------------------------------------------------------------------


def test_an_ehc_plan_without_dates_shows_in_the_senco_digest_until_they_are_added(
    sessions: Sessions, school: SmallSchool
) -> None:
    ruby = school.pupils["ruby"]
    with transaction(sessions) as session:
        session.get(Pupil, ruby).sen_status = "ehc_plan"
    with sessions() as session:
        text = digests.senco_digest(session, school.school_id, TODAY, chart=False).text()
    assert (
        "EHC plans with dates missing\n- Ruby Khan: EHC plan, dates missing (when it was "
        "issued or last reviewed); no annual review deadline until they are added. Type "
        "'ehc' to add them."
    ) in text

    with transaction(sessions) as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        ehc_cases.record_step(session, senco, ruby, "request", date(2025, 3, 3), NOW, TODAY)
    with sessions() as session:
        text = digests.senco_digest(session, school.school_id, TODAY, chart=False).text()
    assert "Ruby Khan: EHC plan, dates missing" in text  # a request is not the plan's date

    with transaction(sessions) as session:
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        ehc_cases.record_step(session, senco, ruby, "final", date(2025, 7, 14), NOW, TODAY)
    with sessions() as session:
        text = digests.senco_digest(session, school.school_id, TODAY, chart=False).text()
    assert "dates missing" not in text


# --- the roster's columns --------------------------------------------------------------------

CLOCK = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
HEADER = (
    "pupil_id,legal_first_name,legal_last_name,date_of_birth,year_group,sen_status,"
    "ehc_request_date,ehc_requested_by,ehcp_issued,last_annual_review,phase_transfer_year"
)
ROWS = (
    "E1,Noor,Rahman,14/03/2018,3,E,,,30/11/2025,,",
    "E2,Toby,Clarke,02/02/2017,4,E,,,31/01/2024,31/01/2026,",
    "E3,Lena,Kowalska,09/09/2015,6,E,,,10/09/2022,15/10/2026,2027",
    "E4,Ivy,Moss,21/06/2016,5,E,,,,,",
    "K1,Maya,Osei,05/05/2016,5,K,02/11/2026,parent,,,",
    "E5,Sami,Patel,01/10/2015,6,E,,,01/10/2024,,",
    "E6,Ada,Lowe,12/12/2010,11,E,,,05/03/2021,04/03/2026,",
)


def write_roster(folder: Path, rows: tuple[str, ...]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "school.csv").write_text("urn,name\n900100,Hollins Primary School\n")
    (folder / "pupils.csv").write_text("\n".join((HEADER, *rows)) + "\n")
    return folder


def run_import(sessions: Sessions, folder: Path) -> None:
    with transaction(sessions) as session:
        import_roster(session, [folder], clock=CLOCK)


def deadlines_by_pupil(sessions: Sessions) -> dict[tuple[str, str], date]:
    with sessions() as session:
        rows = session.execute(
            select(Pupil.external_id, Deadline.kind, Deadline.due_on)
            .join(Pupil, Pupil.id == Deadline.pupil_id)
            .where(Deadline.status == "open")
        ).all()
    return {(pupil, kind): due for pupil, kind, due in rows}


def test_an_imported_roster_gives_every_ehc_plan_with_dates_its_deadlines(
    sessions: Sessions, tmp_path: Path
) -> None:
    run_import(sessions, write_roster(tmp_path / "roster", ROWS))
    found = deadlines_by_pupil(sessions)
    with_review = {pupil for pupil, kind in found if kind == "ehc.annual_review"}
    assert with_review == {"E1", "E2", "E3", "E5", "E6"}  # E4 has no dates: "dates missing"
    transfers = {pupil for pupil, kind in found if kind == "ehc.phase_transfer"}
    assert transfers == {"E3", "E5", "E6"}  # Years 6 and 11: no one typed E5's or E6's year
    assert ("K1", "ehc.assessment_decision") in found
    with sessions() as session:
        missing = ehc_cases.missing_dates(session, session.scalars(select(Pupil.school_id)).first())
    assert [m.pupil_name for m in missing] == ["Ivy Moss"]


def test_imported_ehc_dates_give_the_hand_worked_deadlines(
    sessions: Sessions, tmp_path: Path
) -> None:
    """Worked by hand from the words of the law (module docstring), at month ends too."""
    run_import(sessions, write_roster(tmp_path / "roster", ROWS))
    found = deadlines_by_pupil(sessions)
    assert {key: found.get(key) for key in EXPECTED} == EXPECTED


EXPECTED = {
    # Plan made 30 Nov 2025, no review yet: the 12 months starting then end 29 Nov 2026.
    ("E1", "ehc.annual_review"): date(2026, 11, 29),
    # Last reviewed 31 Jan 2026: the 12 months starting then end 30 Jan 2027.
    ("E2", "ehc.annual_review"): date(2027, 1, 30),
    # Last reviewed 15 Oct 2026: by 14 Oct 2027.
    ("E3", "ehc.annual_review"): date(2027, 10, 14),
    # Year 6, moving in September 2027: amended "before 15th February" 2027.
    ("E3", "ehc.phase_transfer"): date(2027, 2, 14),
    # Plan made 1 Oct 2024 and never reviewed: due by 30 Sep 2025, long overdue.
    ("E5", "ehc.annual_review"): date(2025, 9, 30),
    # Year 6 in the school year 2026-27, from the year group alone: before 15 February 2027.
    ("E5", "ehc.phase_transfer"): date(2027, 2, 14),
    # Last reviewed 4 Mar 2026: by 3 Mar 2027.
    ("E6", "ehc.annual_review"): date(2027, 3, 3),
    # Year 11, moving on to post-16 in 2027: reg 18(1)(a), before 31 March, so 30 March.
    ("E6", "ehc.phase_transfer"): date(2027, 3, 30),
    # Request received Mon 2 Nov 2026: 6 weeks, then 20 weeks.
    ("K1", "ehc.assessment_decision"): date(2026, 12, 14),
    ("K1", "ehc.final_plan"): date(2027, 3, 22),
}


def test_importing_again_changes_nothing_and_keeps_what_the_senco_recorded(
    sessions: Sessions, tmp_path: Path
) -> None:
    folder = write_roster(tmp_path / "roster", ROWS)
    run_import(sessions, folder)
    with transaction(sessions) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "roster.import")
        ).one()
        assert event.details["counts"]["EHC cases"]["created"] == 6
        assert event.details["ehc_cases"]["E1"] == {"final_issued_on": "2025-11-30"}
        assert event.details["ehc_cases"]["K1"] == {
            "request_received_on": "2026-11-02",
            "requested_by": "parent",
        }
        k1 = session.scalars(select(Pupil).where(Pupil.external_id == "K1")).one()
        case = session.scalars(select(EhcCase).where(EhcCase.pupil_id == k1.id)).one()
        case.advice_requested_on = date(2026, 11, 20)  # recorded by the SENCO since
    with transaction(sessions) as session:
        report = import_roster(session, [folder], clock=CLOCK)
    assert (report.counts["EHC cases"].created, report.counts["EHC cases"].unchanged) == (0, 6)
    assert report.ehc_changed == {}
    with sessions() as session:
        case = session.scalars(select(EhcCase).where(EhcCase.pupil_id == k1.id)).one()
        assert case.advice_requested_on == date(2026, 11, 20)


def test_every_wrong_ehc_cell_is_reported_with_its_line_and_nothing_is_imported(
    sessions: Sessions, tmp_path: Path
) -> None:
    rows = (
        "X1,Ann,Bell,01/01/2017,4,E,,,31/02/2025,,",
        "X2,Ben,Cole,01/01/2017,4,E,,,01/12/2026,,",
        "X3,Cal,Dunn,01/01/2017,4,E,,,10/09/2025,01/09/2025,",
        "X4,Dee,Eyre,01/01/2017,4,K,,,10/09/2025,,",
        "X5,Eve,Finn,01/01/2017,4,K,03/11/2026,grandma,,,",
        "X6,Fay,Gold,01/01/2016,6,E,,,10/09/2025,,27",
    )
    with pytest.raises(RosterError) as caught:
        run_import(sessions, write_roster(tmp_path / "roster", rows))
    assert caught.value.errors == [
        "pupils.csv line 2: EHC plan issued '31/02/2025' is not a real date",
        "pupils.csv line 3: EHC plan issued '01/12/2026' is in the future",
        "pupils.csv line 4: Last annual review (1 Sep 2025) cannot be before final plan "
        "issued (10 Sep 2025)",
        "pupils.csv line 5: EHC plan issued is given but SEN status is not E (EHC plan)",
        "pupils.csv line 6: EHC requested by 'grandma' is not one of: parent, school, other",
        "pupils.csv line 7: phase transfer year '27' is not a calendar year, like 2027",
    ]
    with sessions() as session:
        assert session.scalars(select(Pupil)).all() == []


def test_the_sample_roster_gives_ayaan_his_annual_review(sessions: Sessions) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "roster"
    run_import(sessions, examples)
    found = deadlines_by_pupil(sessions)
    # Last reviewed 12 Jun 2025: the next review was due by 11 Jun 2026.
    assert found[("P005", "ehc.annual_review")] == date(2026, 6, 11)


def test_an_imported_pupils_send_history_holds_his_ehc_case_and_his_review_held(
    sessions: Sessions,
) -> None:
    """Ayaan's SEN status is "EHC plan" and the roster dates his case: his history is not
    empty. The steps are dated when they happened, oldest first; a review meeting marked
    held is dated by the meeting."""
    run_import(sessions, Path(__file__).resolve().parent.parent / "examples" / "roster")
    with transaction(sessions) as session:
        session.info["sendbot.now"] = NOW
        ayaan = session.scalars(select(Pupil).where(Pupil.external_id == "P005")).one()
        senco_id = session.scalars(
            select(Staff.id).where(Staff.email == "senco@millbrook.example")
        ).one()
        senco = staff_actor_by_id(session, senco_id)
        assert senco is not None
        meeting = Meeting(
            school_id=ayaan.school_id,
            pupil_id=ayaan.id,
            kind="annual_review",
            starts_at=datetime(2026, 11, 17, 9, 30, tzinfo=UTC),
            place="The SENCO's office",
        )
        session.add(meeting)
        session.flush()
        review_outcomes.record_outcome(session, senco, meeting.id, held=True, reason=None, now=NOW)
    d = Dialog(Engine(sessions, REGISTRY, CLOCK), senco, ChatRef("console", "staff:senco"))
    d.says("history")
    assert d.says("ayaan").text == (
        "Ayaan Hussain's SEND history:\n"
        "- 10 Jan 2022: EHC case: Assessment requested (by a parent or carer)\n"
        "- 20 May 2022: EHC case: Final plan issued\n"
        "- 12 Jun 2025: EHC case: Last annual review\n"
        "- 17 Nov 2026: EHC plan annual review held (Anjali Varma)"
    )


def test_a_pupil_with_a_level_but_nothing_recorded_is_not_said_to_have_no_history(
    sessions: Sessions,
) -> None:
    run_import(sessions, Path(__file__).resolve().parent.parent / "examples" / "roster")
    with sessions() as session:
        senco_id = session.scalars(
            select(Staff.id).where(Staff.email == "senco@millbrook.example")
        ).one()
        senco = staff_actor_by_id(session, senco_id)
    assert senco is not None
    d = Dialog(Engine(sessions, REGISTRY, CLOCK), senco, ChatRef("console", "staff:senco"))
    d.says("history")
    assert d.says("zofia").text == (
        "Zofia Kamińska is on SEN support, as the school's records say. Nothing else has "
        "been recorded in sendbot yet."
    )


# --- the demo --------------------------------------------------------------------------------


def test_every_pupil_with_an_ehc_plan_in_the_demo_has_an_annual_review(tmp_path: Path) -> None:
    sessions = build_demo(tmp_path / "demo.db", TODAY)
    with sessions() as session:
        ehc = session.scalars(select(Pupil.id).where(Pupil.sen_status == "ehc_plan")).all()
        reviewed = set(
            session.scalars(
                select(Deadline.pupil_id).where(
                    Deadline.kind == "ehc.annual_review", Deadline.status == "open"
                )
            )
        )
        school_id = session.scalars(select(Pupil.school_id)).first()
        text = digests.senco_digest(session, school_id, TODAY, chart=False).text()
    assert len(ehc) == 4
    assert set(ehc) <= reviewed
    assert "dates missing" not in text


def test_a_school_in_wales_is_not_asked_for_ehc_dates(
    sessions: Sessions, school: SmallSchool
) -> None:
    """Wales has IDPs under the ALN Act 2018, not EHC plans: no deadline will ever come of
    the dates, so the SENCO is not asked for them every day."""
    with transaction(sessions) as session:
        session.get(Pupil, school.pupils["ruby"]).sen_status = "ehc_plan"
        session.get(School, school.school_id).nation = "wales"
    with sessions() as session:
        text = digests.senco_digest(session, school.school_id, TODAY, chart=False).text()
    assert "dates missing" not in text
