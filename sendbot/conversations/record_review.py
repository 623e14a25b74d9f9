"""Record a plan review: each target met / partly / not yet, next steps, the next review
date and any new targets. Parent summaries are made from this record.

State diagram: docs/flows/record_review.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import AREA_OPTIONS, long_date, may_manage, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    Each,
    Item,
    Option,
    Repeat,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import (
    held_on_closed_day,
    needs_plan,
    pupil_field,
    pupil_id,
)
from sendbot.conversations.turn import Turn
from sendbot.i18n.plain import preview_for_parent
from sendbot.services import plans, pupils, terms
from sendbot.services.policy import Action

OUTCOMES = tuple(Option(k, v) for k, v in plans.REVIEW_OUTCOMES.items())


def _targets(turn: Turn, answers: Answers) -> list[Item]:
    found = plans.active_targets(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    return [Item(str(t.id), t.staff_wording) for t in found]


def _kind(turn: Turn, answers: Answers) -> str:
    plan = plans.active_plan(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    return plan.kind if plan else "sen_support"


def _held_on(turn: Turn, answers: Answers) -> date | None:
    return date.fromisoformat(answers["held_on"]) if "held_on" in answers else None


def _next_review(turn: Turn, answers: Answers) -> date:
    """The review after this one, on the school's cycle from the day it was held: the end
    of the next term (or half term), or within 12 months for an EHC plan."""
    held = _held_on(turn, answers) or turn.today
    return terms.next_review_after(turn.session, turn.actor.school_id, _kind(turn, answers), held)


def _next_review_question(turn: Turn, answers: Answers) -> str:
    return (
        f"When is the next review? Type 'ok' for {long_date(_next_review(turn, answers))} "
        "(the school's next review point after this one), or a date like '18/12'."
    )


def _summary(turn: Turn, answers: Answers) -> str:
    text = summary(RECORD_REVIEW, turn, answers, "Please check the review:")
    steps = answers.get("next_steps")
    if not steps:
        return text
    # The summary goes to the parents: show the next steps as they will read them.
    return f"{text}\n\nThe parents will read the next steps as:\n{preview_for_parent(steps).parent_text}"


def _submit(turn: Turn, answers: Answers) -> str:
    next_review = date.fromisoformat(answers["next_review"])
    new_targets = [
        plans.NewTarget(
            pupil_id=pupil_id(answers),
            staff_wording=group["staff_wording"],
            parent_wording=group["parent_wording"],
            area=group["area"],
            due_on=next_review,
        )
        for group in NEW_TARGETS.groups(answers)
    ]
    outcomes = {int(k): v for k, v in OUTCOME.values(answers).items()}
    plans.record_review(
        turn.session,
        turn.actor,
        plans.NewReview(
            pupil_id=pupil_id(answers),
            held_on=date.fromisoformat(answers["held_on"]),
            outcomes=outcomes,
            next_steps=answers["next_steps"],
            next_review_on=next_review,
            new_targets=new_targets,
        ),
        turn.now,
        turn.today,
    )
    name = pupils.get_visible(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND).name
    counts = [sum(1 for v in outcomes.values() if v == k) for k in plans.REVIEW_OUTCOMES]
    return (
        f"Review saved for {name}: {counts[0]} met, {counts[1]} partly, {counts[2]} not yet; "
        f"{len(new_targets)} new target{'' if len(new_targets) == 1 else 's'}. "
        f"Next review: {long_date(next_review)}."
    )


OUTCOME = Each(
    name="outcome",
    needs=("held_on",),
    items=_targets,
    template=ChoiceField(
        name="outcome",
        label="{item}",
        question="{item}\nMet, partly, or not yet?",
        choices=OUTCOMES,
        help="Met closes the target. Partly and not yet keep it on the plan.",
    ),
)

NEW_TARGETS = Repeat(
    name="new",
    needs=("next_review",),
    first="Add a new target now?",
    more="Add another new target?",
    max_items=5,
    fields=(
        TextField(
            name="staff_wording",
            label="New target {n}",
            question="New target {n}: what is it, in staff words? Up to 500 characters.",
            max_length=plans.WORDING_LIMIT,
        ),
        TextField(
            name="parent_wording",
            label="New target {n} for parents",
            question="How would you say it to the parents? Plain words, up to 500 characters.",
            max_length=plans.WORDING_LIMIT,
        ),
        ChoiceField(
            name="area",
            label="New target {n} area",
            question="Which area of need is it for?",
            choices=AREA_OPTIONS,
        ),
    ),
)

RECORD_REVIEW = Flow(
    name="record_review",
    title="Record a review",
    triggers=("review", "record review", "record a review", "plan review"),
    intro="Let's record a plan review. Type 'back' to change an answer or 'cancel' to stop.",
    describe="each target's outcome, next steps, new targets and the next review date",
    may_start=may_manage,
    submit=_submit,
    outcome="plan review (outcomes, next steps, next review) + met targets closed + new targets; audited",
    fields=(
        pupil_field("Whose plan was reviewed? Type part of their name.", check=needs_plan),
        DateField(
            name="held_on",
            label="Held on",
            question="When was the review held? Type 'ok' for today, or a date like 'mon'.",
            default=lambda turn, answers: "today",
            not_future=True,
            max_days_back=60,
        ),
        held_on_closed_day("closed_day", _held_on, needs=("held_on",)),
        OUTCOME,
        TextField(
            name="next_steps",
            label="Next steps",
            question="What are the next steps? Up to 1,000 characters.",
            max_length=plans.NOTE_LIMIT,
            needs=("held_on",),
        ),
        DateField(
            name="next_review",
            label="Next review",
            question="When is the next review?",
            question_for=_next_review_question,
            default=lambda turn, answers: _next_review(turn, answers).isoformat(),
            direction="future",
            not_past=True,
            max_days_ahead=366,
            needs=("next_steps",),
        ),
        NEW_TARGETS,
        ConfirmField(
            name="confirm", label="Confirm", question="Save this review?", summary=_summary
        ),
    ),
)
