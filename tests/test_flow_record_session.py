"""Record an intervention session, as a teaching assistant would between lessons."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sendbot.services import provision
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import (
    AuditEvent,
    ConversationState,
    InterventionPupil,
    InterventionSession,
    SessionAttendance,
    TargetProgress,
)
from tests.factories import NOW
from tests.provision_factories import TODAY
from tests.staff_dialogs import count, dialog_for, restarted, say_all, state_answers

INTRO = "Let's record an intervention session. Type 'back' to change an answer or 'cancel' to stop."
WHICH_Q = "Which intervention? Choose one of yours, or type part of its name."
DATE_Q = "Which day was the session? Type 'today', or a date like 'yesterday', 'mon' or '3/2'."
MINUTES_Q = "How many minutes did it last? Type 'ok' for the usual 30, or a number."
ABSENT_Q = "Who was absent? Type their numbers, like 2, 5. Type 'none' if everyone was there."
NOTE_Q = "Anything to note about the session? Up to 1,000 characters, or 'skip'."
GROUP = ["Leo Grant", "Amelia Khan", "Amir Khan", "Zoë Nowak", "Oscar Reid", "Maya Singh"]
BLEND_Q = "Amelia Khan: Blend CVC words\nHow did it go today?"
SIGHT_Q = "Amelia Khan: Read 20 HFWs on sight\nHow did it go today?"
ZOE_Q = "Zoë Nowak: Segment CVC words\nHow did it go today?"
TA_MENU = (
    "What would you like to do?\n1. Log a concern\n2. Record a session\n3. Check targets\n"
    "4. What's due\n5. Concern about an adult"
)


# Two absences (Amir, Maya) and three ratings, as the issue asks: twelve short messages.
GROUP_OF_SIX = ["session", "1", "ok", "ok", "3, 6", "1", "3", "3", "2", "4", "Worked on s, a, t."]
SUMMARY = (
    "Please check the session:\n"
    "- Intervention: Phonics catch-up\n"
    "- Date: Tue 24 Nov 2026\n"
    "- Minutes: 30 minutes\n"
    "- Absent: Amir Khan, Maya Singh\n"
    "- Amir Khan absent: Ill\n"
    "- Maya Singh absent: Refused\n"
    "- Amelia Khan: Blend CVC words: Developing\n"
    "- Amelia Khan: Read 20 HFWs on sight: Emerging\n"
    "- Zoë Nowak: Segment CVC words: Secure\n"
    "- Note: Worked on s, a, t.\n\n"
    "Save this session?"
)


def test_a_group_of_six_with_two_absences_and_three_ratings(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    first = d.says("session")
    assert first.text == f"{INTRO}\n\n{WHICH_Q}"
    assert [o.label for o in first.options] == ["Phonics catch-up"]
    date_reply = d.says("1")
    assert date_reply.text == DATE_Q
    assert [o.label for o in date_reply.options] == ["Today", "Yesterday"]
    assert d.says("ok").text == MINUTES_Q
    absent = d.says("ok")
    assert absent.text == ABSENT_Q
    assert [o.label for o in absent.options] == [*GROUP, "Everyone was here"]
    d.verify(
        [
            ("3, 6", "Why was Amir Khan absent?"),
            ("1", "Why was Maya Singh absent?"),
            ("3", BLEND_Q),
            ("3", SIGHT_Q),
            ("2", ZOE_Q),
            ("4", NOTE_Q),
            ("Worked on s, a, t.", SUMMARY),
            (
                "1",
                "Saved: Phonics catch-up on Tue 24 Nov 2026, 4 present, 2 absent, "
                "3 target ratings. Thank you.",
            ),
        ]
    )
    assert len(d.transcript) == len(GROUP_OF_SIX) + 1  # twelve messages in all
    with sessions() as session:
        row = session.scalars(select(InterventionSession)).one()
        assert (row.held_on, row.minutes, row.note_text) == (TODAY, 30, "Worked on s, a, t.")
        assert row.delivered_by_id == school.staff["ta"]
        marks = {
            (a.pupil_id, a.present, a.absence_reason)
            for a in session.scalars(select(SessionAttendance))
        }
        p = school.pupils
        assert marks == {
            (p["leo"], True, None),
            (p["amelia"], True, None),
            (p["amir"], False, "ill"),
            (p["zoe"], True, None),
            (p["oscar"], True, None),
            (p["maya"], False, "refused"),
        }
        ratings = {(r.target_id, r.rating) for r in session.scalars(select(TargetProgress))}
        assert ratings == {
            (prov.targets["blend"], "developing"),
            (prov.targets["sight"], "emerging"),
            (prov.targets["zoe"], "secure"),
        }
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "intervention_session.record")
        ).all()
        assert sorted(e.pupil_id for e in events) == sorted(p[k] for k in p if k in (
            "leo", "amelia", "amir", "zoe", "oscar", "maya"))  # fmt: skip
    assert count(sessions, ConversationState) == 0


def test_everyone_there_and_a_skipped_rating_and_note(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "today", "25"])
    d.verify([("7", BLEND_Q), ("skip", SIGHT_Q), ("5", ZOE_Q), ("1", NOTE_Q)])
    summary = d.says("skip").text
    assert "- Absent: none\n" in summary
    assert "- Amelia Khan: Blend CVC words: Skip\n" in summary
    assert "- Note: skipped\n" in summary
    assert d.says("save").text == (
        "Saved: Phonics catch-up on Tue 24 Nov 2026, 6 present, 0 absent, 2 target ratings. "
        "Thank you."
    )
    with sessions() as session:
        assert session.scalars(select(InterventionSession)).one().minutes == 25


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("tomorrow", "That date is in the future. Please give today's date or an earlier one."),
        (
            "9/11",
            "Sessions can be recorded up to 14 days back. For an older session, please ask "
            "the SENCO.",
        ),
        (
            "2/13",
            "'2/13' looks like month before day. Please write the day first, for example "
            "'13/2', or write the month as a word like '13 Feb'.",
        ),
        ("31/11", "'31/11' is not a real date. Please check the day and month."),
        (
            "soon",
            "I didn't understand 'soon' as a date. Please try again, for example 'today', "
            "'yesterday', 'mon', '3/2' or '3 Feb'.",
        ),
    ],
)
def test_dates_that_cannot_be_right_get_a_clear_message(
    sessions, clock, school, prov, typed, message
):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1"])
    assert d.says(typed).text == f"{message}\n\n{DATE_Q}"


@pytest.mark.parametrize("typed", ["10/11", "2026-11-10", "mon", "yesterday", "20 Nov"])
def test_dates_up_to_14_days_back_are_accepted(sessions, clock, school, prov, typed):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1"])
    assert d.says(typed).text == MINUTES_Q


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Please type a number from 1 to 240."),
        ("300", "Please type a number from 1 to 240."),
        ("half an hour", "Please type a whole number, like 30."),
    ],
)
def test_minutes_must_be_a_sensible_number(sessions, clock, school, prov, typed, message):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok"])
    assert d.says(typed).text == f"{message}\n\n{MINUTES_Q}"


def test_absences_and_reasons_and_notes_are_checked(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok", "ok"])
    d.verify(
        [
            (
                "9",
                f"'9' is not one of the options. Type numbers separated by commas.\n\n{ABSENT_Q}",
            ),
            ("3", "Why was Amir Khan absent?"),
            (
                "poorly",
                "Please choose one of the options: type its number or its name.\n\n"
                "Why was Amir Khan absent?",
            ),
            ("off site", BLEND_Q),
            (
                "good",
                f"Please choose one of the options: type its number or its name.\n\n{BLEND_Q}",
            ),
            ("emerging", SIGHT_Q),
            ("2", ZOE_Q),
            ("2", NOTE_Q),
            (
                "x" * 1001,
                "That is 1,001 characters; the limit is 1,000. Please shorten it by 1 characters "
                f"and send it again.\n\n{NOTE_Q}",
            ),
        ]
    )


def test_back_to_attendance_drops_reasons_that_no_longer_apply(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok", "ok", "3, 6", "1"])
    assert d.says("back").text == "Why was Amir Khan absent?"
    assert d.says("back").text == ABSENT_Q
    assert d.says("2").text == "Why was Amelia Khan absent?"  # Amelia away: no ratings for her
    assert d.says("1").text == ZOE_Q
    answers = state_answers(sessions)
    assert answers["absent"] == [f"pupil-{school.pupils['amelia']}"]
    assert [k for k in answers if k.startswith("reason.")] == [
        f"reason.pupil-{school.pupils['amelia']}"
    ]


def test_cancel_saves_nothing_and_shows_the_menu(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok", "ok", "3, 6", "1"])
    assert d.says("cancel").text == f"Cancelled. Nothing was saved.\n\n{TA_MENU}"
    assert count(sessions, InterventionSession) == 0
    assert count(sessions, ConversationState) == 0


def test_help_explains_the_rating_question(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok", "ok", "none"])
    assert d.says("help").text == (
        "Rate today's session only. 'Skip' leaves this target without a rating.\n"
        "Type 'back' to change your last answer, or 'cancel' to stop. Nothing is saved until "
        f"the last step.\n\n{BLEND_Q}"
    )


def test_a_restart_mid_session_carries_on_from_the_same_question(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1", "ok", "ok", "3, 6", "1"])
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        "You have an unfinished record a session. Let's carry on.\n\nWhy was Maya Singh absent?"
    )
    assert again.says("2").text == BLEND_Q


def test_a_ta_finds_only_the_interventions_they_deliver(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "ta")
    d.says("session")
    hidden = d.says("lego")  # delivered by the 4R teacher
    assert hidden.text == (
        "I couldn't find an intervention called 'lego' among those you can record. "
        f"Try another part of its name.\n\n{WHICH_Q}"
    )
    assert d.says("2").text == f"Please type at least two letters of the name.\n\n{WHICH_Q}"
    assert d.says("phon").text == DATE_Q


def test_a_teacher_who_delivers_nothing_is_not_offered_it_and_finds_nothing(
    sessions, clock, school, prov
):
    d = dialog_for(sessions, clock, school, "teacher")
    assert "Record a session" not in d.says("menu").text
    assert d.says("session").text == f"{INTRO}\n\nWhich intervention? Type part of its name."
    assert d.says("phonics").text.startswith(
        "I couldn't find an intervention called 'phonics' among those you can record."
    )


def test_the_senco_may_record_any_intervention(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    d.says("session")
    assert d.says("lego").text == DATE_Q


def test_the_dsl_and_the_admin_cannot_record_sessions(sessions, clock, school, prov):
    assert dialog_for(sessions, clock, school, "dsl").says("session").text == (
        "Sorry, I didn't understand 'session'.\n\nWhat would you like to do?\n1. Log a concern\n"
        "2. Record a decision\n3. Concern about an adult\n4. Concerns about adults"
    )
    assert dialog_for(sessions, clock, school, "admin").says("session").text == (
        "Sorry, I didn't understand 'session'.\n\nWhat would you like to do?\n1. Log a concern\n"
        "2. Concern about an adult"
    )


def test_the_service_refuses_someone_elses_intervention(sessions, school, prov):
    with sessions() as session, session.begin():
        ta = staff_actor_by_id(session, school.staff["ta"])
        assert ta is not None
        with pytest.raises(PermissionDenied):
            provision.record_session(
                session, ta, provision.NewSession(prov.lego, TODAY, 45), NOW, TODAY
            )
        with pytest.raises(provision.ProvisionInvalid):
            provision.record_session(
                session,
                ta,
                provision.NewSession(
                    prov.phonics, TODAY, 30, ratings={prov.targets["leo"]: "secure"}
                ),
                NOW,
                TODAY,
            )


def test_a_day_before_anyone_joined_is_questioned(sessions, clock, school, prov):
    with sessions() as session, session.begin():
        for link in session.scalars(select(InterventionPupil)):
            link.joined_on = date(2026, 11, 20)
    d = dialog_for(sessions, clock, school, "ta")
    say_all(d, ["session", "1"])
    assert d.says("19/11").text == (
        f"Nobody was in Phonics catch-up on that day. Please check the date.\n\n{DATE_Q}"
    )
    assert d.says("20/11").text == MINUTES_Q
