"""The SENCO's plans, targets, reviews and the graduated approach, as dialogs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sendbot.services import plans
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import (
    AuditEvent,
    ConversationState,
    PlanReview,
    Pupil,
    School,
    SenStatusChange,
    SupportPlan,
    Target,
    TargetIntervention,
)
from tests.factories import NOW
from tests.provision_factories import TODAY
from tests.staff_dialogs import count, dialog_for, restarted, say_all, state_answers

PUPIL_Q = "Which pupil? Type part of their first name or surname."
PLAN_INTRO = "Let's set up a plan. Type 'back' to change an answer or 'cancel' to stop."
REVIEW_Q = (
    "When is the next review? Type 'ok' for Fri 18 Dec 2026 (the school's usual review "
    "point), or a date like '18/12'."
)
NO_PLAN = "That pupil has no plan yet. Create one first: type 'plan'. Or choose another pupil."
STAFF_Q = "What is the target, in staff words? Specific and measurable, up to 500 characters."
PARENT_Q = (
    "How would you say it to the pupil's parents? Plain words, no acronyms, up to 500 characters."
)
TEACHER_MENU = (
    "What would you like to do?\n1. Log a concern\n2. Check targets\n3. What's due\n"
    "4. Concern about an adult"
)


# --- plan for a pupil -------------------------------------------------------------------


def test_a_first_plan_moves_the_pupil_onto_that_level(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    kind_q = "No plan yet (No SEND). Which kind of plan?"
    d.verify(
        [
            ("plan", f"{PLAN_INTRO}\n\n{PUPIL_Q}"),
            ("amir", kind_q),
            ("ok", f"Please choose one of the options: type its number or its name.\n\n{kind_q}"),
            ("1", REVIEW_Q),
            (
                "2026-11-01",
                f"That date has passed. Please give today's date or a later one.\n\n{REVIEW_Q}",
            ),
            (
                "1/12/2027",
                "That is more than 366 days ahead. Please give a date within the next 366 "
                f"days.\n\n{REVIEW_Q}",
            ),
            (
                "ok",
                "Please check the plan:\n"
                "- Pupil: Amir Khan (Year 3, 3B)\n"
                "- Plan: Monitoring plan\n"
                "- Next review: Fri 18 Dec 2026\n"
                "This moves Amir Khan from No SEND to Monitoring.\n\n"
                "Save this plan?",
            ),
            ("1", "Started Amir Khan's Monitoring plan. Next review: Fri 18 Dec 2026."),
        ]
    )
    with sessions() as session:
        pupil = session.get(Pupil, school.pupils["amir"])
        assert pupil.sen_status == "monitoring"
        change = session.scalars(
            select(SenStatusChange).where(SenStatusChange.pupil_id == pupil.id)
        ).one()
        assert (change.from_status, change.to_status, change.reason) == (
            "none",
            "monitoring",
            "Monitoring plan started",
        )
        assert change.changed_by_id == school.staff["senco"]
        plan = session.scalars(select(SupportPlan).where(SupportPlan.pupil_id == pupil.id)).one()
        assert (plan.kind, plan.next_review_on, plan.status) == (
            "monitoring",
            date(2026, 12, 18),
            "active",
        )


def test_updating_a_plans_review_date_keeps_its_kind(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    d.verify(
        [
            ("plan", f"{PLAN_INTRO}\n\n{PUPIL_Q}"),
            (
                "amelia",
                "Current plan: SEN support plan, next review Fri 4 Dec 2026. Which kind of "
                "plan? Type 'ok' to keep the same kind.",
            ),
            ("ok", REVIEW_Q),
            (
                "11/12",
                "Please check the plan:\n- Pupil: Amelia Khan (Year 3, 3B)\n"
                "- Plan: SEN support plan\n- Next review: Fri 11 Dec 2026\n\nSave this plan?",
            ),
            ("save", "Updated Amelia Khan's SEN support plan. Next review: Fri 11 Dec 2026."),
        ]
    )
    with sessions() as session:
        assert count(sessions, SenStatusChange) == 2  # only the factory's two (Zoë, Leo)
        plan = session.scalars(
            select(SupportPlan).where(SupportPlan.pupil_id == school.pupils["amelia"])
        ).one()
        assert plan.next_review_on == date(2026, 12, 11)


def test_a_half_termly_school_defaults_to_the_end_of_the_half_term(sessions, clock, school, prov):
    with sessions() as session, session.begin():
        session.get(School, school.school_id).settings = {
            "send_levels": {"monitoring": {"review": "half_termly", "plan_name": "Learning Plan"}}
        }
    clock.set(NOW.replace(month=10, day=5))
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["plan", "amir"])
    assert d.says("1").text == (
        "When is the next review? Type 'ok' for Fri 23 Oct 2026 (the school's usual review "
        "point), or a date like '18/12'."
    )
    assert "- Plan: Learning Plan\n" in d.says("ok").text


def test_cancel_back_and_resume_in_the_plan_flow(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["plan", "amir", "2"])
    assert d.says("back").text == "No plan yet (No SEND). Which kind of plan?"
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        "You have an unfinished plan for a pupil. Let's carry on.\n\n"
        "No plan yet (No SEND). Which kind of plan?"
    )
    assert state_answers(sessions) == {"pupil": school.pupils["amir"]}
    assert again.says("cancel").text.startswith("Cancelled. Nothing was saved.\n\n")
    assert count(sessions, ConversationState) == 0
    with sessions() as session:
        assert session.get(Pupil, school.pupils["amir"]).sen_status == "none"


def test_only_the_senco_may_change_plans(sessions, clock, school, prov):
    for word in ("plan", "target", "close target", "review", "level", "history"):
        reply = dialog_for(sessions, clock, school, "teacher").says(word)
        assert reply.text == f"Sorry, I didn't understand '{word}'.\n\n{TEACHER_MENU}"
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        with pytest.raises(PermissionDenied) as refused:
            plans.save_plan(
                session,
                teacher,
                school.pupils["amir"],
                "monitoring",
                date(2026, 12, 18),
                NOW,
                TODAY,
            )
        assert (
            str(refused.value) == "Only the SENCO can change plans, targets and levels of support."
        )


def test_another_schools_senco_never_finds_our_pupils(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "other_senco")
    d.says("plan")
    assert d.says("Amir").text.startswith("I couldn't find a pupil called 'Amir'")


# --- targets ----------------------------------------------------------------------------


def test_add_a_smart_target_linked_to_an_intervention(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    due_q = (
        "When should it be met by? Type 'ok' for the next review, Fri 4 Dec 2026, or a date "
        "like '18/12'."
    )
    links_q = "Which interventions work on this target? Type their numbers, like 1, 2, or 'none'."
    d.verify(
        [
            (
                "target",
                "Let's add a SMART target. Type 'back' to change an answer or 'cancel' to stop."
                f"\n\n{PUPIL_Q}",
            ),
            ("amir", f"{NO_PLAN}\n\n{PUPIL_Q}"),
            ("amelia", STAFF_Q),
            (
                "x" * 501,
                "That is 501 characters; the limit is 500. Please shorten it by 1 characters "
                f"and send it again.\n\n{STAFF_Q}",
            ),
            ("Write a sentence with a capital letter and full stop, 4 times in 5", PARENT_Q),
            (
                "Amelia will start sentences with a capital letter and end them with a full stop.",
                "Which area of need is it for?",
            ),  # fmt: skip
            (
                "cognition and learning",
                "How will you know it is met? Up to 500 characters, or 'skip'.",
            ),
            ("skip", "Where is the pupil now (the baseline)? Up to 500 characters, or 'skip'."),
            ("1 in 5 sentences", due_q),
            (
                "2026-11-03",
                f"That date has passed. Please give today's date or a later one.\n\n{due_q}",
            ),
            ("ok", links_q),
            (
                "1",
                "Please check the target:\n"
                "- Pupil: Amelia Khan (Year 3, 3B)\n"
                "- Target: Write a sentence with a capital letter and full stop, 4 times in 5\n"
                "- For parents: Amelia will start sentences with a capital letter and end them "
                "with a full stop.\n"
                "- Area of need: Cognition and learning\n"
                "- Success criteria: skipped\n"
                "- Baseline: 1 in 5 sentences\n"
                "- Due: Fri 4 Dec 2026\n"
                "- Worked on in: Phonics catch-up\n\n"
                "Add this target?",
            ),
            ("1", "Target added to Amelia Khan's plan. Type 'target' to add another."),
        ]
    )
    with sessions() as session:
        target = session.scalars(select(Target).order_by(Target.id.desc()).limit(1)).one()
        assert (target.pupil_id, target.area, target.baseline, target.success_criteria) == (
            school.pupils["amelia"], "cognition_learning", "1 in 5 sentences", None,
        )  # fmt: skip
        assert target.due_on == date(2026, 12, 4)
        link = session.scalars(
            select(TargetIntervention).where(TargetIntervention.target_id == target.id)
        ).one()
        assert link.intervention_id == prov.phonics


def test_close_a_target_as_partly_met(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    d.verify(
        [
            (
                "close target",
                "Let's close a target. Type 'back' to change an answer or 'cancel' to stop."
                f"\n\n{PUPIL_Q}",
            ),
            (
                "amir",
                f"That pupil has no targets being worked on. Choose another pupil.\n\n{PUPIL_Q}",
            ),
            ("amelia", "Which target?"),
            ("2", "Was it met?"),
            ("partly met", "A note on how it went? Up to 1,000 characters, or 'skip'."),
            (
                "Reads 15 of the 20 words.",
                "Please check:\n- Pupil: Amelia Khan (Year 3, 3B)\n"
                "- Target: Read 20 HFWs on sight\n- Outcome: Partly met\n"
                "- Note: Reads 15 of the 20 words.\n\nClose this target?",
            ),
            ("1", "Target closed as partly met. It stays in the pupil's history."),
        ]
    )
    with sessions() as session:
        target = session.get(Target, prov.targets["sight"])
        assert (target.status, target.closed_note_text) == ("partly", "Reads 15 of the 20 words.")
        assert target.closed_at == NOW


# --- reviews ----------------------------------------------------------------------------


# A review held on Tue 24 Nov 2026 is followed by the next one at the end of the spring
# term, the school's next review point (Code 6.65): not at the end of the autumn term it
# was held in, three weeks later.
NEXT_REVIEW_Q = (
    "When is the next review? Type 'ok' for Thu 25 Mar 2027 (the school's next review "
    "point after this one), or a date like '18/12'."
)

REVIEW_SUMMARY = (
    "Please check the review:\n"
    "- Pupil: Amelia Khan (Year 3, 3B)\n"
    "- Held on: Tue 24 Nov 2026\n"
    "- Blend CVC words: Met\n"
    "- Read 20 HFWs on sight: Not yet\n"
    "- Next steps: More phonics; practise the words at home.\n"
    "- Next review: Thu 25 Mar 2027\n"
    "- New target 1: Read CVCC words\n"
    "- New target 1 for parents: Amelia will read words like 'jump'.\n"
    "- New target 1 area: Cognition and learning\n\n"
    "The parents will read the next steps as:\n"
    "More phonics; practise the words at home.\n\n"
    "Save this review?"
)


def test_record_a_review_with_outcomes_next_steps_and_a_new_target(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    held_q = "When was the review held? Type 'ok' for today, or a date like 'mon'."
    d.verify(
        [
            (
                "review",
                "Let's record a plan review. Type 'back' to change an answer or 'cancel' to "
                "stop.\n\nWhose plan was reviewed? Type part of their name.",
            ),
            ("amelia", held_q),
            ("tomorrow", f"That date is in the future. Please give today's date or an earlier one.\n\n{held_q}"),
            ("ok", "Blend CVC words\nMet, partly, or not yet?"),
            ("met", "Read 20 HFWs on sight\nMet, partly, or not yet?"),
            ("not yet", "What are the next steps? Up to 1,000 characters."),
            ("More phonics; practise the words at home.", NEXT_REVIEW_Q),
            ("ok", "Add a new target now?"),
            ("yes", "New target 1: what is it, in staff words? Up to 500 characters."),
            ("Read CVCC words", "How would you say it to the parents? Plain words, up to 500 characters."),
            ("Amelia will read words like 'jump'.", "Which area of need is it for?"),
            ("2", "Add another new target?"),
            ("no", REVIEW_SUMMARY),
            (
                "1",
                "Review saved for Amelia Khan: 1 met, 0 partly, 1 not yet; 1 new target. "
                "Next review: Thu 25 Mar 2027.",
            ),
        ]
    )  # fmt: skip
    with sessions() as session:
        review = session.scalars(select(PlanReview)).one()
        assert review.outcomes == {
            str(prov.targets["blend"]): "met",
            str(prov.targets["sight"]): "not_yet",
        }
        assert review.held_on == TODAY and review.next_review_on == date(2027, 3, 25)
        assert session.get(Target, prov.targets["blend"]).status == "met"
        assert session.get(Target, prov.targets["sight"]).status == "active"
        plan = session.get(SupportPlan, review.plan_id)
        assert plan.next_review_on == date(2027, 3, 25)
        new = session.scalars(select(Target).where(Target.staff_wording == "Read CVCC words")).one()
        assert (new.plan_id, new.due_on) == (plan.id, date(2027, 3, 25))


def test_going_back_past_the_new_target_question_drops_the_new_target(
    sessions, clock, school, prov
):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["review", "amelia", "ok", "met", "partly", "Keep going.", "ok", "yes", "Read CVCC"])
    assert d.says("back").text == "New target 1: what is it, in staff words? Up to 500 characters."
    assert d.says("back").text == "Add a new target now?"
    summary = d.says("no").text
    assert "New target" not in summary
    assert summary.endswith(
        "- Next review: Thu 25 Mar 2027\n\n"
        "The parents will read the next steps as:\nKeep going.\n\nSave this review?"
    )


def test_the_senco_sees_the_next_steps_as_the_parents_will_read_them(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["review", "amelia", "ok", "met", "partly", "The EP will visit in March.", "ok"])
    summary = d.says("no").text
    assert summary.endswith(
        "The parents will read the next steps as:\n"
        "The educational psychologist (EP) will visit in March.\n\nSave this review?"
    )


def test_a_pupil_without_a_plan_cannot_be_reviewed(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    d.says("review")
    assert d.says("Amir").text == (
        f"{NO_PLAN}\n\nWhose plan was reviewed? Type part of their name."
    )


# --- the graduated approach -------------------------------------------------------------


def test_move_a_pupil_up_a_level_and_read_the_history_back(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    why_q = "Why? This is kept in the pupil's history (up to 1,000 characters)."
    level_q = "Now: Monitoring. Move to which level?"
    d.verify(
        [
            (
                "level",
                "Let's move a pupil between levels of support. Type 'back' or 'cancel' at any "
                f"time.\n\n{PUPIL_Q}",
            ),
            ("zoe", level_q),
            (
                "monitoring",
                f"Please choose one of the options: type its number or its name.\n\n{level_q}",
            ),
            ("sen support", why_q),
            ("   ", f"Please write a few words.\n\n{why_q}"),
            (
                "Little progress after two cycles of phonics.",
                "Please check the move:\n"
                "- Pupil: Zoë Nowak (Year 3, 3B)\n"
                "- Move to: SEN support\n"
                "- Why: Little progress after two cycles of phonics.\n"
                "Their Monitoring plan closes and a new SEN support plan starts (1 target "
                "carried over).\n\n"
                "Make this move?",
            ),
            ("1", "Moved Zoë Nowak to SEN support. Type 'history' to read their steps so far."),
            ("history", "Whose history? Type part of their first name or surname."),
            (
                "zoe",
                "Zoë Nowak's SEND history:\n"
                "- 24 Nov 2026: Moved from No SEND to Monitoring: Monitoring plan started "
                "(Grace Okafor)\n"
                "- 24 Nov 2026: Monitoring plan started (Grace Okafor)\n"
                "- 24 Nov 2026: Target set: Segment CVC words (Grace Okafor)\n"
                "- 24 Nov 2026: Moved from Monitoring to SEN support: Little progress after two "
                "cycles of phonics. (Grace Okafor)\n"
                "- 24 Nov 2026: Monitoring plan closed (Grace Okafor)\n"
                "- 24 Nov 2026: SEN support plan started (Grace Okafor)",
            ),
        ]
    )
    with sessions() as session:
        assert session.get(Pupil, school.pupils["zoe"]).sen_status == "sen_support"
        active = session.scalars(
            select(SupportPlan).where(
                SupportPlan.pupil_id == school.pupils["zoe"], SupportPlan.status == "active"
            )
        ).one()
        assert active.kind == "sen_support"
        assert session.get(Target, prov.targets["zoe"]).plan_id == active.id


def test_moving_off_the_register_closes_the_plan(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["level", "leo"])
    summary = d.says("no send").text
    assert summary == ("Why? This is kept in the pupil's history (up to 1,000 characters).")
    assert d.says("Caught up; needs met by good teaching.").text.endswith(
        "Their SEN support plan closes.\n\nMake this move?"
    )
    d.says("1")
    with sessions() as session:
        assert session.get(Pupil, school.pupils["leo"]).sen_status == "none"
        assert session.scalars(
            select(SupportPlan.status).where(SupportPlan.pupil_id == school.pupils["leo"])
        ).all() == ["closed"]


# --- back, cancel and resume in the rest of the SENCO's flows ----------------------------


@pytest.mark.parametrize(
    ("lines", "flow_title", "question", "previous"),
    [
        (
            ["target", "amelia", "Count to 20"],
            "add a target",
            PARENT_Q,
            STAFF_Q,
        ),
        (
            ["close target", "amelia", "1"],
            "close a target",
            "Was it met?",
            "Which target?",
        ),
        (
            ["review", "amelia", "ok", "met"],
            "record a review",
            "Read 20 HFWs on sight\nMet, partly, or not yet?",
            "Blend CVC words\nMet, partly, or not yet?",
        ),
        (
            ["level", "zoe", "1"],
            "move between levels",
            "Why? This is kept in the pupil's history (up to 1,000 characters).",
            "Now: Monitoring. Move to which level?",
        ),
    ],
)
def test_resume_back_and_cancel_save_nothing(
    sessions, clock, school, prov, lines, flow_title, question, previous
):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, lines)
    again = restarted(sessions, clock, d)
    assert again.engine.resume(again.chat, again.actor).text == (
        f"You have an unfinished {flow_title}. Let's carry on.\n\n{question}"
    )
    assert again.says("back").text == previous
    assert again.says("cancel").text.startswith("Cancelled. Nothing was saved.\n\n")
    assert count(sessions, ConversationState) == 0
    with sessions() as session:
        assert session.scalars(select(Target.status).order_by(Target.id)).all() == ["active"] * 4
        assert session.get(Pupil, school.pupils["zoe"]).sen_status == "monitoring"
        assert count(sessions, PlanReview) == 0


def test_reading_the_history_is_audited(sessions, clock, school, prov):
    d = dialog_for(sessions, clock, school, "senco")
    say_all(d, ["history", "amelia"])
    with sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "send_history.read")
        ).one()
        assert (event.actor_id, event.pupil_id) == (school.staff["senco"], school.pupils["amelia"])
