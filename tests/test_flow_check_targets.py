"""Check a pupil's targets, what's due for me, and help: the read-only staff flows."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.services import provision_map
from sendbot.store.models import AuditEvent, ConversationState, Deadline, School
from tests.factories import NOW
from tests.staff_dialogs import count, dialog_for, restarted, say_all

PUPIL_Q = "Whose targets? Type part of their first name or surname."
AMELIA_BEFORE = (
    "Amelia Khan (Year 3, 3B): SEN support.\n"
    "SEN support plan. Next review: Fri 4 Dec 2026 (in 10 days).\n\n"
    "Targets:\n"
    "1. Amelia will blend sounds to read short words. (working on it)\n"
    "   No ratings yet.\n"
    "2. Amelia will read 20 common words. (working on it)\n"
    "   No ratings yet.\n\n"
    "Interventions this term: Phonics catch-up."
)
TIERS = {
    "send_levels": {
        "monitoring": {"name": "Tier 2", "plan_name": "Learning Plan"},
        "sen_support": {"name": "Tier 3", "plan_name": "SEND Support Plan"},
    }
}


def test_a_teacher_checks_a_pupils_targets_and_the_read_is_audited(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "teacher")
    d.verify([("targets", PUPIL_Q), ("amelia", AMELIA_BEFORE)])
    assert d.transcript[-1][1].done
    assert count(sessions, ConversationState) == 0
    with sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "send_record.read")
        ).one()
        assert (event.actor_id, event.pupil_id) == (
            school.staff["teacher"],
            school.pupils["amelia"],
        )


def test_a_pupil_without_a_plan_and_one_on_monitoring(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    d.verify(
        [
            ("targets", PUPIL_Q),
            (
                "amir",
                "Amir Khan (Year 3, 3B): No SEND.\nNo support plan.\n\n"
                "Interventions this term: Phonics catch-up.",
            ),
            ("check targets", PUPIL_Q),
            (
                "Zoe",
                "Zoë Nowak (Year 3, 3B): Monitoring.\n"
                "Monitoring plan. Next review: Fri 18 Dec 2026 (in 24 days).\n\n"
                "Targets:\n"
                "1. Zoë will split short words into sounds. (working on it)\n"
                "   No ratings yet.\n\n"
                "Interventions this term: Phonics catch-up.",
            ),
        ]
    )


def test_the_schools_own_names_for_levels_and_plans(sessions, clock, school, prov):
    with sessions() as session, session.begin():
        session.get(School, school.school_id).settings = TIERS
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("targets")
    assert d.says("amelia").text.startswith(
        "Amelia Khan (Year 3, 3B): Tier 3.\nSEND Support Plan. Next review:"
    )
    assert "Review of Amelia Khan's SEND Support Plan" in d.says("due").text


def test_pupils_outside_the_actors_scope_are_answered_like_unknown_ones(
    sessions, clock, school, prov
):
    teacher = dialog_for(sessions, clock, school, "teacher")
    teacher.says("targets")
    hidden = teacher.says("Kacper")  # 4R: not this teacher's class
    unknown = teacher.says("Kxyzzy")
    assert hidden.text == (
        "I couldn't find a pupil called 'Kacper' among the pupils you teach or support. "
        f"Try part of their first name or surname.\n\n{PUPIL_Q}"
    )
    assert unknown.text.replace("Kxyzzy", "Kacper") == hidden.text
    # The SENCO reads every pupil with SEND, but not a pupil with none outside their classes.
    senco = dialog_for(sessions, clock, school, "senco")
    senco.says("targets")
    assert senco.says("Maya").text.startswith("I couldn't find a pupil called 'Maya'")
    assert senco.says("Leo").text.startswith("Leo Grant (Year 3, 3B): SEN support.")
    # Nobody finds a pupil of another school, not even by count.
    senco.says("targets")
    labels = [o.label for o in senco.says("Amelia").options]
    assert labels == []


def test_back_cancel_and_resume_in_check_targets(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("targets")
    assert d.says("khan").text == "2 pupils match 'khan'. Which one do you mean?"
    assert d.says("back").text == PUPIL_Q
    assert d.says("back").text == f"This is the first question.\n\n{PUPIL_Q}"
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        f"You have an unfinished check targets. Let's carry on.\n\n{PUPIL_Q}"
    )
    assert again.says("cancel").text == (
        "Cancelled. Nothing was saved.\n\n"
        "What would you like to do?\n1. Log a concern\n2. Check targets\n3. What's due\n"
        "4. Concern about an adult"
    )


def test_whats_due_for_the_ta_now_and_two_weeks_on(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    assert d.says("due").text == (
        "Due in the next 14 days:\n"
        "- Fri 4 Dec (in 10 days): Review of Amelia Khan's SEN support plan\n"
        "- Fri 4 Dec (in 10 days): Target for Amelia Khan: Blend CVC words"
    )
    clock.advance(timedelta(days=16))
    assert d.says("what's due").text == (
        "Due in the next 14 days (2 overdue):\n"
        "- Fri 4 Dec (6 days ago, overdue): Review of Amelia Khan's SEN support plan\n"
        "- Fri 4 Dec (6 days ago, overdue): Target for Amelia Khan: Blend CVC words\n"
        "- Mon 14 Dec (in 4 days): Review of Phonics catch-up\n"
        "- Fri 18 Dec (in 8 days): Review of Leo Grant's SEN support plan\n"
        "- Fri 18 Dec (in 8 days): Review of Zoë Nowak's Monitoring plan"
    )


def test_whats_due_includes_the_senco_deadlines_and_not_another_teachers(
    sessions, clock, school, prov
):
    with sessions() as session, session.begin():
        session.add(
            Deadline(
                school_id=school.school_id,
                pupil_id=school.pupils["amelia"],
                kind="ehc.annual_review",
                subject_type="pupil",
                subject_id=school.pupils["amelia"],
                due_on=date(2026, 11, 30),
                owner_role="senco",
                source="CFA 2014 s44(1)",
                computed_at=NOW,
            )
        )
        # The scheduler's own row for the plan's review (kept by services/deadlines.py).
        if not session.scalar(select(Deadline.id).where(Deadline.kind == "sen_support.review")):
            session.add(
                Deadline(
                    school_id=school.school_id,
                    pupil_id=school.pupils["amelia"],
                    kind="sen_support.review",
                    subject_type="pupil",
                    subject_id=school.pupils["amelia"],
                    due_on=date(2026, 12, 4),
                    owner_role="senco",
                    source="Code 6.65",
                    computed_at=NOW,
                )
            )
    senco = dialog_for(sessions, clock, school, "senco").says("due").text
    assert "- Mon 30 Nov (in 6 days): Annual review of the EHC plan (Amelia Khan)" in senco
    assert senco.count("Amelia Khan") == 3  # annual review, plan review (once), target
    assert "assess, plan, do, review" not in senco
    assert dialog_for(sessions, clock, school, "teacher4").says("due").text == (
        "Nothing is due for you in the next 14 days, and nothing is overdue."
    )
    assert dialog_for(sessions, clock, school, "dsl").says("due").text == (
        "Sorry, I didn't understand 'due'.\n\nWhat would you like to do?\n1. Log a concern\n"
        "2. Record a decision\n3. Concern about an adult\n4. Concerns about adults"
    )


def test_help_lists_what_each_role_can_do(sessions, clock, school, prov):
    assert dialog_for(sessions, clock, school, "ta").says("help").text == (
        "You are signed in as a teaching assistant. You can:\n"
        "- Log a concern ('concern'): tell the SENCO (and the DSL, if a child may be at risk) "
        "what you saw or heard\n"
        "- Record a session ('session'): who came to an intervention and how they did on "
        "their targets\n"
        "- Check targets ('targets'): a pupil's plan, targets, latest ratings and next review\n"
        "- What's due ('due'): your reviews, targets and deadlines in the next 14 days\n"
        "- Concern about an adult ('adult'): report an allegation or a low-level concern "
        "about an adult working in the school (it goes to the headteacher, never to the "
        "adult)\n"
        "- Add to a concern ('addendum'): add a correction or something you learnt later to a "
        "concern (never an edit)\n"
        "Type a word in quotes or 'menu' to start. While answering, 'back', 'cancel' and "
        "'help' always work."
    )
    senco = dialog_for(sessions, clock, school, "senco").says("help").text
    assert senco.startswith("You are signed in as a teacher and SENCO. You can:")
    assert "- Record a review ('review'):" in senco
    assert (
        dialog_for(sessions, clock, school, "admin")
        .says("help")
        .text.startswith(
            "You are signed in as a school admin. You can:\n"
            "- Log a concern ('concern'): tell the SENCO (and the DSL, if a child may be at "
            "risk) what you saw or heard\n"
            "- Concern about an adult ('adult'): report an allegation"
        )
    )


def test_the_menu_shows_the_senco_tools_after_the_daily_flows(sessions, clock, school, prov):
    reply = dialog_for(sessions, clock, school, "senco").says("menu")
    assert reply.text == "Hello Grace. What would you like to do?"
    labels = [o.label for o in reply.options]
    assert labels[:4] == SENCO_MENU[:4]  # what staff do daily comes first
    assert [label for label in labels if label in SENCO_MENU] == SENCO_MENU  # others add theirs


SENCO_MENU = [
    "Log a concern",
    "Record a session",
    "Check targets",
    "What's due",
    "Plan for a pupil",
    "Add a target",
    "Close a target",
    "Record a review",
    "Move between levels",
    "SEND history",
    "Set up an intervention",
    "Change who is in an intervention",
]


def test_a_session_logged_shows_in_targets_and_is_counted_in_the_provision_map(
    sessions, clock, school, prov, db_url, tmp_path: Path
):
    ta = dialog_for(sessions, clock, school, "ta")
    say_all(ta, ["session", "1", "ok", "ok", "3, 6", "1", "3", "3", "2", "4", "skip"])
    assert ta.says("1").text.startswith("Saved: Phonics catch-up on Tue 24 Nov 2026, 4 present")

    teacher = dialog_for(sessions, clock, school, "teacher")
    teacher.says("targets")
    assert teacher.says("Amelia").text == (
        AMELIA_BEFORE.replace(
            "   No ratings yet.\n2.",
            "   Last ratings: Developing (Tue 24 Nov).\n   Last session: Tue 24 Nov.\n2.",
        ).replace(
            "   No ratings yet.\n\n",
            "   Last ratings: Emerging (Tue 24 Nov).\n   Last session: Tue 24 Nov.\n\n",
        )
    )

    with sessions() as session:
        pmap = provision_map.build(session, school.school_id, "2026-autumn")
    phonics = next(i for i in pmap.interventions if i.name == "Phonics catch-up")
    assert (phonics.planned, phonics.delivered, phonics.minutes_delivered) == (18, 1, 30)
    by_name = {p.name: p for p in phonics.pupils}
    assert (by_name["Amelia Khan"].attended, by_name["Amelia Khan"].minutes) == (1, 30)
    assert (by_name["Amir Khan"].missed, by_name["Amir Khan"].minutes) == (1, 0)

    result = CliRunner().invoke(
        app,
        ["export", "provision-map", "--school", "900001", "--term", "2026-autumn",
         "--out", str(tmp_path), "--database", db_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stem = tmp_path / f"provision-map-{school.school_id}-2026-autumn"
    rows = list(csv.DictReader(io.StringIO(stem.with_suffix(".csv").read_text())))
    amelia = next(r for r in rows if r["pupil"] == "Amelia Khan")
    assert amelia["intervention"] == "Phonics catch-up"
    assert (amelia["sessions_planned"], amelia["sessions_delivered"]) == ("18", "1")
    assert (amelia["minutes_delivered"], amelia["minutes_received"]) == ("30", "30")
    assert amelia["attendance"] == "100%"
    assert amelia["target_progress"] == (
        "Blend CVC words: Developing (1 rating); Read 20 HFWs on sight: Emerging (1 rating)"
    )
    amir = next(r for r in rows if r["pupil"] == "Amir Khan")
    assert (amir["sessions_attended"], amir["sessions_missed"], amir["attendance"]) == (
        "0", "1", "0%",
    )  # fmt: skip
    page = stem.with_suffix(".html").read_text()
    assert "Sessions planned 18, delivered 1; 30 minutes delivered." in page
    assert "<h2>By pupil</h2>" in page
    with sessions() as session:
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "export.provision_map")
        ).one()
