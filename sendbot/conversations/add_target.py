"""Add a SMART target to a pupil's plan: staff wording, words for parents, area of need,
success criteria, baseline, due date, and the interventions that work on it.

State diagram: docs/flows/add_target.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import AREA_OPTIONS, long_date, may_manage, ref, ref_id, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    MultiChoiceField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import needs_plan, pupil_field, pupil_id
from sendbot.conversations.turn import Turn
from sendbot.services import plans, pupils
from sendbot.services.policy import Action

WORDING = plans.WORDING_LIMIT


def _plan_review(turn: Turn, answers: Answers) -> date | None:
    plan = plans.active_plan(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    return plan.next_review_on if plan else None


def _due_question(turn: Turn, answers: Answers) -> str:
    review = _plan_review(turn, answers)
    if review is None:
        return "When should it be met by? Type a date like '18/12'."
    return f"When should it be met by? Type 'ok' for the next review, {long_date(review)}, or a date like '18/12'."


def _interventions(turn: Turn, answers: Answers) -> list[Option]:
    found = plans.interventions_this_term(
        turn.session, turn.actor, pupil_id(answers), turn.today, Action.MANAGE_SEND
    )
    return [Option(ref("intervention", i.id), i.name) for i in found]


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(ADD_TARGET, turn, answers, "Please check the target:")


def _submit(turn: Turn, answers: Answers) -> str:
    plans.add_target(
        turn.session,
        turn.actor,
        plans.NewTarget(
            pupil_id=pupil_id(answers),
            staff_wording=answers["staff_wording"],
            parent_wording=answers["parent_wording"],
            area=answers["area"],
            success_criteria=answers.get("success_criteria"),
            baseline=answers.get("baseline"),
            due_on=date.fromisoformat(answers["due_on"]),
            intervention_ids=[ref_id(i) for i in answers.get("interventions", [])],
        ),
        turn.now,
        turn.today,
    )
    name = pupils.get_visible(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND).name
    return f"Target added to {name}'s plan. Type 'target' to add another."


ADD_TARGET = Flow(
    name="add_target",
    title="Add a target",
    triggers=("target", "add target", "add a target", "new target"),
    intro="Let's add a SMART target. Type 'back' to change an answer or 'cancel' to stop.",
    describe="add a SMART target to a pupil's plan",
    may_start=may_manage,
    submit=_submit,
    outcome="the target, its links to interventions and an audit event",
    fields=(
        pupil_field("Which pupil? Type part of their first name or surname.", check=needs_plan),
        TextField(
            name="staff_wording",
            label="Target",
            question="What is the target, in staff words? Specific and measurable, up to 500 characters.",
            max_length=WORDING,
        ),
        TextField(
            name="parent_wording",
            label="For parents",
            question=(
                "How would you say it to the pupil's parents? Plain words, no acronyms, "
                "up to 500 characters."
            ),
            help="This is the wording parents see in reminders and summaries.",
            max_length=WORDING,
        ),
        ChoiceField(
            name="area",
            label="Area of need",
            question="Which area of need is it for?",
            choices=AREA_OPTIONS,
        ),
        TextField(
            name="success_criteria",
            label="Success criteria",
            question="How will you know it is met? Up to 500 characters, or 'skip'.",
            max_length=WORDING,
            optional=True,
        ),
        TextField(
            name="baseline",
            label="Baseline",
            question="Where is the pupil now (the baseline)? Up to 500 characters, or 'skip'.",
            max_length=WORDING,
            optional=True,
        ),
        DateField(
            name="due_on",
            label="Due",
            question="When should it be met by?",
            question_for=_due_question,
            default=lambda turn, answers: (
                review.isoformat() if (review := _plan_review(turn, answers)) else ""
            ),
            direction="future",
            not_past=True,
            max_days_ahead=366,
            needs=("pupil",),
        ),
        MultiChoiceField(
            name="interventions",
            label="Worked on in",
            question=(
                "Which interventions work on this target? Type their numbers, like 1, 2, or 'none'."
            ),
            source=_interventions,
            skip_if_empty=True,
            none_label="None of these",
            needs=("pupil",),
        ),
        ConfirmField(
            name="confirm", label="Confirm", question="Add this target?", summary=_summary
        ),
    ),
)
