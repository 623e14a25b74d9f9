"""The SENCO sets up an intervention and changes who is in it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sendbot.store.models import ConversationState, Intervention, InterventionPupil
from tests.provision_factories import TODAY
from tests.staff_dialogs import count, dialog_for, restarted, say_all

NAME_Q = "What is the intervention called? Up to 200 characters."
WHO_Q = "Who delivers it? Type part of their name."
PUPILS_Q = "Which pupils take part? Type their names separated by commas."
PER_WEEK_Q = "How many sessions a week? Type 'ok' for 1, or a number."
MINUTES_Q = "How many minutes is each session? Type 'ok' for 30, or a number."
START_Q = "When does it start? Type 'ok' for today, or a date like '30/11'."
WEEKS_Q = "How many weeks will it run? Type 'ok' for 6, or a number."
REVIEW_Q = (
    "Review it after how many weeks? Type 'ok' for the end of the planned weeks, a number, "
    "or 'skip' for no review."
)
ENROL_INTRO = "Let's change who is in an intervention. Type 'back' or 'cancel' at any time."
WHICH_Q = "Which intervention? Choose one, or type part of its name."
LEAVING_Q = "Who is leaving? Type their numbers, like 1, 3, or 'none'."
JOINING_Q = "Who is joining? Type their names separated by commas, or 'none'."


def test_set_up_an_intervention(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    not_found = "No teacher, TA or SENCO here is called '{}'. Try part of their name."
    d.verify(
        [
            (
                "new intervention",
                "Let's set up an intervention. Type 'back' to change an answer or 'cancel' to "
                f"stop.\n\n{NAME_Q}",
            ),
            ("Maths boost", "Which area of need?"),
            ("2", WHO_Q),
            ("zz", f"{not_found.format('zz')}\n\n{WHO_Q}"),
            ("martin", f"{not_found.format('martin')}\n\n{WHO_Q}"),  # the DSL delivers nothing
            ("bilal", PUPILS_Q),
            (
                "khan",
                "'khan' matches 3 pupils: Amelia Khan (Year 3, 3B); Amir Khan (Year 3, 3B); "
                f"Ruby Khan (Year 4, 4R). Please type more of that name.\n\n{PUPILS_Q}",
            ),
            (
                "amir khan, ruby, stone",
                f"I couldn't find a pupil called 'stone'. Please check that name.\n\n{PUPILS_Q}",
            ),
            ("amir khan, ruby", PER_WEEK_Q),
            ("0", f"Please type a number from 1 to 10.\n\n{PER_WEEK_Q}"),
            ("2", MINUTES_Q),
            ("ok", START_Q),
            ("30/11", WEEKS_Q),
            ("ok", REVIEW_Q),
            ("4", (
                "Please check the intervention:\n"
                "- Name: Maths boost\n"
                "- Area of need: Cognition and learning\n"
                "- Delivered by: Bilal Ahmed\n"
                "- Pupils: Amir Khan, Ruby Khan\n"
                "- Sessions a week: 2\n"
                "- Minutes: 30 minutes\n"
                "- Starts: Mon 30 Nov 2026\n"
                "- Planned weeks: 6 weeks\n"
                "- Review after: 4 weeks\n\n"
                "Set up this intervention?"
            )),
            ("1", "Set up Maths boost with 2 pupils. Review due Mon 28 Dec 2026."),
        ]
    )  # fmt: skip
    with sessions() as session:
        row = session.scalars(select(Intervention).where(Intervention.name == "Maths boost")).one()
        assert (row.delivered_by_id, row.sessions_per_week, row.minutes, row.planned_weeks) == (
            school.staff["ta"], 2, 30, 6,
        )  # fmt: skip
        assert (row.starts_on, row.review_after_weeks, row.review_on) == (
            date(2026, 11, 30), 4, date(2026, 12, 28),
        )  # fmt: skip
        members = session.scalars(
            select(InterventionPupil.pupil_id).where(InterventionPupil.intervention_id == row.id)
        ).all()
        assert sorted(members) == sorted([school.pupils["amir"], school.pupils["ruby"]])
    # The TA now finds it among their own.
    ta = dialog_for(sessions, clock, school, "ta")
    assert [o.label for o in ta.says("session").options] == ["Maths boost", "Phonics catch-up"]


def test_no_review_and_resume_after_restart(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["new intervention", "Calm corner", "3", "owen", "ruby", "ok", "ok", "ok"])
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        f"You have an unfinished set up an intervention. Let's carry on.\n\n{WEEKS_Q}"
    )
    assert again.says("ok").text == REVIEW_Q
    assert "- Review after: skipped\n" in again.says("skip").text
    assert again.says("1").text == "Set up Calm corner with 1 pupil."
    with sessions() as session:
        row = session.scalars(select(Intervention).where(Intervention.name == "Calm corner")).one()
        assert (row.review_on, row.starts_on) == (None, TODAY)


def test_cancel_sets_nothing_up(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["new intervention", "Calm corner", "3"])
    assert d.says("cancel").text.startswith("Cancelled. Nothing was saved.")
    assert count(sessions, Intervention) == 2
    assert count(sessions, ConversationState) == 0


def test_a_teacher_cannot_set_up_or_change_interventions(sessions, clock, school, prov):
    for word in ("new intervention", "enrol"):
        assert (
            dialog_for(sessions, clock, school, "ta")
            .says(word)
            .text.startswith(f"Sorry, I didn't understand '{word}'.")
        )


def test_change_who_is_in_an_intervention(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    first = d.says("enrol")
    assert first.text == f"{ENROL_INTRO}\n\n{WHICH_Q}"
    assert [o.label for o in first.options] == ["Lego club", "Phonics catch-up"]
    leaving = d.says("2")
    assert leaving.text == LEAVING_Q
    assert [o.label for o in leaving.options] == [
        "Leo Grant", "Amelia Khan", "Amir Khan", "Zoë Nowak", "Oscar Reid", "Maya Singh", "Nobody",
    ]  # fmt: skip
    d.verify(
        [
            ("5", JOINING_Q),
            ("ruby", (
                "Please check the changes:\n- Intervention: Phonics catch-up\n"
                "- Leaving: Oscar Reid\n- Joining: Ruby Khan\n\nSave these changes?"
            )),
            ("1", "Phonics catch-up: 1 joined, 1 left. 6 pupils now."),
        ]
    )  # fmt: skip
    ta = dialog_for(sessions, clock, school, "ta")
    say_all(ta, ["session", "1", "ok", "ok"])
    assert [o.label for o in ta.transcript[-1][1].options] == [
        "Leo Grant", "Amelia Khan", "Amir Khan", "Ruby Khan", "Zoë Nowak", "Maya Singh",
        "Everyone was here",
    ]  # fmt: skip


def test_nobody_leaves_and_nobody_joins_changes_nothing(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["enrol", "lego"])
    assert d.says("ok").text == JOINING_Q
    assert d.says("none").text == (
        "Please check the changes:\n- Intervention: Lego club\n- Leaving: none\n"
        "- Joining: nobody\n\nSave these changes?"
    )
    assert d.says("1").text == "Lego club: 0 joined, 0 left. 2 pupils now."


def test_back_in_set_up_and_resume_back_and_cancel_in_enrolment(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["new intervention", "Calm corner", "3", "owen"])
    assert d.says("back").text == WHO_Q
    assert d.says("back").text == "Which area of need?"
    d.says("cancel")
    say_all(d, ["enrol", "2", "5"])
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        f"You have an unfinished change who is in an intervention. Let's carry on.\n\n{JOINING_Q}"
    )
    assert again.says("back").text == LEAVING_Q
    assert again.says("cancel").text.startswith("Cancelled. Nothing was saved.")
    with sessions() as session:
        left = session.scalars(
            select(InterventionPupil).where(InterventionPupil.left_on.is_not(None))
        ).all()
        assert left == []
