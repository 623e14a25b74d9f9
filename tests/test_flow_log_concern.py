"""The log-a-concern flow, as a teacher would have it in a chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.log_concern import CALL_999, DANGER_FIRST, DSL_ALERTED
from sendbot.conversations.registry import REGISTRY
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, Concern, ConversationState, Outbox
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool

PUPIL_Q = "Which pupil is this about? Type part of their first name or surname."
NARRATIVE_Q = "What happened? Say what you saw or heard, as facts (up to 2,000 characters)."
WORDS_Q = "Did the child say anything? Write their exact words, as they said them, or type 'skip'."
WHEN_Q = "When did it happen? Type 'now', or a day and time like 'today 12:30' or 'yesterday'."
WHERE_Q = "Where did it happen? For example 'playground' or 'Year 4 classroom'. Or 'skip'."
CATEGORY_Q = "Which kind of concern is it closest to?"
DONE_Q = (
    "What have you done about it so far (for example 'comforted her, told the DSL in "
    "person')? Or 'skip'."
)
TOLD_Q = "Who else have you told about this? Or 'skip'."
# The child's words, when and where, skipped or 'now': what a hurried report answers.
QUICK = ("skip", "now", "skip")
SOURCE_Q = "How did this come to you?"
AREA_Q = "Which area is it mostly about?"
SAFEGUARDING_Q = (
    "Does this involve an injury, something the child said about harm, or a change in "
    "behaviour or mood that could mean the child is at risk?"
)
DANGER_Q = "Is the child in immediate danger right now?"
INTRO = "Let's log a concern. Type 'back' to change an answer or 'cancel' to stop at any time."
MENU = "What would you like to do?\n1. Log a concern\n2. Concern about an adult"


def dialog_for(
    sessions, clock, school: SmallSchool, who: str, chat_key: str | None = None
) -> Dialog:
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff[who])
    assert actor is not None
    engine = Engine(sessions, REGISTRY, clock)
    return Dialog(engine, actor, ChatRef("console", chat_key or f"staff:{actor.staff_id}"))


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_happy_path_stores_the_concern_its_audit_row_and_the_senco_alert(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.verify(
        [
            ("concern", f"{INTRO}\n\n{PUPIL_Q}"),
            ("zoe", NARRATIVE_Q),
            ("Zoë was very quiet today and would not join in at break.", WORDS_Q),
            ("skip", WHEN_Q),
            ("today 9:40", WHERE_Q),
            ("Playground", SOURCE_Q),
            ("1", AREA_Q),
            ("3", SAFEGUARDING_Q),
            ("no", DONE_Q),
            ("Sat with her at lunch", TOLD_Q),
            (
                "skip",
                "Please check your concern:\n"
                "- Pupil: Zoë Nowak (Year 3, 3B)\n"
                "- What happened: Zoë was very quiet today and would not join in at break.\n"
                "- The child's words: none given\n"
                "- When: Tue 24 Nov 2026, 09:40\n"
                "- Where: Playground\n"
                "- Raised by: I saw or heard it myself\n"
                "- Area: Social, emotional and mental health\n"
                "- Safeguarding: No\n"
                "- What you did: Sat with her at lunch\n"
                "- Who else was told: nobody yet\n\n"
                "Save this concern?",
            ),
        ]
    )
    reply = d.says("1")
    assert reply.done
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert reply.text == f"Saved as concern #{concern.id}. The SENCO has been told. Thank you."
        assert concern.pupil_id == school.pupils["zoe"]
        assert concern.raised_by_id == school.staff["teacher"]
        assert concern.area == "semh"
        assert concern.source == "staff"
        assert concern.safeguarding is False
        assert concern.narrative_text.startswith("Zoë was very quiet")
        assert concern.raised_at == NOW
        events = session.scalars(select(AuditEvent)).all()
        assert [(e.action, e.object_id, e.pupil_id) for e in events] == [
            ("concern.create", concern.id, school.pupils["zoe"])
        ]
        alerts = session.scalars(select(Outbox)).all()
        assert [(a.recipient_staff_id, a.template) for a in alerts] == [
            (school.staff["senco"], "concern.new")
        ]
        assert "narrative" not in alerts[0].params
    assert count(sessions, ConversationState) == 0


def test_several_pupils_match_and_the_teacher_chooses(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    reply = d.says("khan")
    assert reply.text == "3 pupils match 'khan'. Which one do you mean?"
    assert [o.label for o in reply.options] == [
        "Amelia Khan (Year 3, 3B)",
        "Amir Khan (Year 3, 3B)",
        "Ruby Khan (Year 4, 4R)",  # not this teacher's class: any child may be reported on
    ]
    assert d.says("2").text == NARRATIVE_Q
    with sessions() as session:
        state = session.scalars(select(ConversationState)).one()
        assert state.answers["pupil"] == school.pupils["amir"]


def test_amelia_stone_of_another_school_is_not_offered_to_the_3b_teacher(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    labels = [o.label for o in d.says("Amelia").options]
    assert labels == []  # only Amelia Khan: taken at once, no choice to offer
    assert _answers(sessions) == {"pupil": school.pupils["amelia"]}


def test_unknown_pupil_gets_a_kind_message_and_the_same_question(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.verify(
        [
            (
                "Xavier",
                "I couldn't find a pupil called 'Xavier' on roll at your school. Try part of "
                "their first name or surname. If the child is not a pupil here, tell the "
                "designated safeguarding lead (DSL) in person: they will pass your concern "
                f"on.\n\n{PUPIL_Q}",
            ),
        ]
    )


def test_a_pupil_of_another_school_is_answered_exactly_like_an_unknown_one(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    hidden = d.says("Stone")  # Amelia Stone, at Elm Grove
    unknown = d.says("Sxyzzy")
    assert hidden.text.startswith("I couldn't find a pupil called 'Stone' on roll at your school.")
    assert unknown.text.replace("Sxyzzy", "Stone") == hidden.text


def test_a_pupil_of_another_school_is_never_found_even_by_the_senco(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "senco")
    d.says("concern")
    assert [o.label for o in d.says("Amelia").options] == []
    with sessions() as session:
        state = session.scalars(select(ConversationState)).one()
        assert state.answers["pupil"] == school.pupils["amelia"]


def test_a_forged_choice_of_a_hidden_pupil_is_not_accepted(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("khan")
    reply = d.says(str(school.pupils["stone"]))  # another school's pupil, not a choice shown
    assert "pupil" not in _answers(sessions)
    assert reply.text == (
        "Please choose one of the pupils listed: type its number.\n\n"
        "3 pupils match 'khan'. Which one do you mean?"
    )


def _answers(sessions) -> dict:
    with sessions() as session:
        return session.scalars(select(ConversationState)).one().answers


def test_text_over_the_limit_is_refused_with_how_much_to_cut_and_nothing_is_lost(
    sessions, clock, school
):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("Amelia")
    reply = d.says("x" * 2134)
    assert reply.text == (
        "That is 2,134 characters; the limit is 2,000. Please shorten it by 134 characters "
        f"and send it again.\n\n{NARRATIVE_Q}"
    )
    assert _answers(sessions) == {"pupil": school.pupils["amelia"]}
    assert d.says("A shorter account.").text == WORDS_Q


def test_cancel_saves_nothing(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("Amelia")
    d.says("Something happened.")
    reply = d.says("cancel")
    assert reply.text == f"Cancelled. Nothing was saved.\n\n{MENU}"
    assert count(sessions, Concern) == 0
    assert count(sessions, ConversationState) == 0
    assert count(sessions, Outbox) == 0


def test_back_goes_to_the_previous_question_and_keeps_earlier_answers(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("Amelia")
    d.says("First version.")
    d.verify([("back", NARRATIVE_Q), ("Second version.", WORDS_Q)])
    assert _answers(sessions) == {"pupil": school.pupils["amelia"], "narrative": "Second version."}
    assert d.says("back").text == NARRATIVE_Q
    assert d.says("back").text == PUPIL_Q
    assert d.says("back").text == f"This is the first question.\n\n{PUPIL_Q}"


def test_change_an_answer_at_the_confirm_step_goes_back_one(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    for line in ("concern", "Amelia", "Fell in the playground.", *QUICK, "1", "4", "no"):
        d.says(line)
    d.says("skip")
    d.says("skip")
    assert d.says("2").text == TOLD_Q


def test_restart_mid_flow_a_new_engine_on_the_same_database_resumes(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("Amelia")
    d.says("She said her arm hurts.")
    restarted = dialog_for(sessions, clock, school, "teacher")
    resumed = restarted.engine.resume(restarted.chat, restarted.actor)
    assert resumed.text == f"You have an unfinished log a concern. Let's carry on.\n\n{WORDS_Q}"
    assert restarted.says("skip").text == WHEN_Q


def test_a_second_worker_sees_the_same_conversation(sessions, clock, school):
    first = dialog_for(sessions, clock, school, "teacher")
    second = dialog_for(sessions, clock, school, "teacher")
    first.says("concern")
    assert second.says("Amelia").text == NARRATIVE_Q
    assert first.says("Happy today.").text == WORDS_Q


def test_a_conversation_left_too_long_expires_and_says_so(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    d.says("Amelia")
    clock.advance(timedelta(hours=25))
    reply = d.says("She was upset.")
    assert reply.text.startswith(
        "Your unfinished log a concern was more than 24 hours old, so I cleared it."
    )
    assert count(sessions, ConversationState) == 0


def test_safeguarding_yes_without_immediate_danger_alerts_the_dsl_and_deputy(
    sessions, clock, school
):
    d = dialog_for(sessions, clock, school, "ta")
    for line in (
        "concern",
        "Amelia",
        "She has a bruise on her arm.",
        "daddy got cross",
        "yesterday",
        "skip",
        "2",
        "5",
    ):
        d.says(line)
    assert d.says("yes").text == DANGER_Q
    assert d.says("no").text.startswith(CATEGORY_Q)
    assert d.says("Physical abuse").text == DONE_Q
    d.says("skip")
    summary = d.says("Told the DSL in person").text
    assert "- Safeguarding: Yes\n- Immediate danger: No\n- Category: Physical abuse" in summary
    assert "- When: Mon 23 Nov 2026 (time not known)" in summary
    assert summary.endswith(
        "This will be saved as a safeguarding concern and the DSL alerted at once.\n\nSave this concern?"
    )
    reply = d.says("save")
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert reply.text == (
            f"Saved as safeguarding concern #{concern.id}. The designated safeguarding lead and "
            "deputies have been alerted now. If you are still worried, find the DSL in person as well."
        )
        assert concern.safeguarding and not concern.immediate_danger
        assert concern.source == "pupil"
        assert concern.category == "physical_abuse"
        assert concern.child_words_text == "daddy got cross"
        assert concern.told_text == "Told the DSL in person"
        assert concern.action_taken_text is None and concern.location_text is None
        assert concern.occurred_time_known is False
        assert concern.occurred_at.isoformat() == "2026-11-23T00:00:00+00:00"
        assert concern.triage == {
            "risk_indicators": True,
            "immediate_danger": False,
            "told_to_call_999": False,
        }
        alerts = {
            (a.recipient_staff_id, a.template, a.priority) for a in session.scalars(select(Outbox))
        }
        # The leads alone: the SENCO, not a lead, is not told of a safeguarding concern.
        assert alerts == {
            (school.staff["dsl"], "safeguarding.alert", 0),
            (school.staff["deputy"], "safeguarding.alert", 0),
        }
        for alert in session.scalars(select(Outbox)):
            assert "bruise" not in str(alert.params)


def test_safeguarding_with_immediate_danger_says_call_999_first(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    for line in (
        "concern",
        "Amir",
        "He says someone is waiting outside to hurt him.",
        *QUICK,
        "2",
        "3",
        "yes",
    ):
        d.says(line)
    reply = d.says("yes")
    assert reply.text.startswith(f"{DANGER_FIRST}\n\n{DSL_ALERTED}")
    assert reply.text.endswith(CATEGORY_Q)
    assert [o.label for o in reply.options][-1] == "Not sure: the DSL will decide"
    for line in ("skip", "skip"):
        d.says(line)
    assert d.says("skip").text.endswith("Save this concern?")
    saved = d.says("1")
    assert saved.text.startswith(CALL_999)
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert concern.immediate_danger is True
        assert concern.triage["told_to_call_999"] is True


def test_answering_no_to_safeguarding_after_going_back_drops_the_danger_answer(
    sessions, clock, school
):
    d = dialog_for(sessions, clock, school, "teacher")
    for line in ("concern", "Amelia", "Upset at lunch.", *QUICK, "1", "3", "yes", "no"):
        d.says(line)
    d.says("back")  # to immediate danger
    d.says("back")  # to safeguarding
    d.says("no")
    d.says("skip")
    summary = d.says("skip").text
    assert "Immediate danger" not in summary
    d.says("save")
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert concern.safeguarding is False and concern.immediate_danger is False


def test_typos_in_choices_and_yes_no_are_met_with_a_clear_question(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    for line in ("concern", "Amelia", "Upset at lunch.", *QUICK, "1"):
        d.says(line)
    assert d.says("9").text == (
        f"Please choose one of the options: type its number or its name.\n\n{AREA_Q}"
    )
    d.says("Cognition and learning")
    assert d.says("maybe").text == f"Please answer yes or no.\n\n{SAFEGUARDING_Q}"


def test_help_explains_back_and_cancel_and_repeats_the_question(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    d.says("concern")
    assert d.says("help").text == (
        "You can find any pupil on roll at your school, whichever class they are in. You "
        "will see only their name, year group and class.\n"
        "Type 'back' to change your last answer, or 'cancel' to stop. Nothing is saved until the last step.\n\n"
        f"{PUPIL_Q}"
    )


def test_a_turn_raced_by_another_worker_is_run_again_once_then_given_up():
    from sqlalchemy.orm.exc import StaleDataError

    from sendbot.conversations.engine import again_if_stale

    tries: list[int] = []

    def raced_once() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise StaleDataError("another worker saved this conversation first")
        return "answered"

    assert again_if_stale(raced_once) == "answered" and len(tries) == 2

    def always_raced() -> str:
        raise StaleDataError("raced again")

    with pytest.raises(StaleDataError):
        again_if_stale(always_raced)
