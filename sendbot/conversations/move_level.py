"""Move a pupil between levels of the graduated approach (in the school's words), with a
reason; the history keeps who, when and why. State diagram: docs/flows/move_level.md.
"""

from __future__ import annotations

from sendbot.conversations.common import may_manage, summary
from sendbot.conversations.fields import Answers, ChoiceField, ConfirmField, Option, TextField
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import level_options, names, pupil_field, pupil_id
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SenStatus
from sendbot.services import plans, pupils
from sendbot.services.policy import Action


def _level(turn: Turn, answers: Answers) -> str:
    return plans.level_of(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)


def _choices(turn: Turn, answers: Answers) -> list[Option]:
    current = _level(turn, answers)
    return [o for o in level_options(turn, with_none=True) if o.value != current]


def _question(turn: Turn, answers: Answers) -> str:
    return f"Now: {names(turn).level_name(_level(turn, answers))}. Move to which level?"


def _summary(turn: Turn, answers: Answers) -> str:
    text = summary(MOVE_LEVEL, turn, answers, "Please check the move:")
    policy = names(turn)
    plan = plans.active_plan(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    targets = plans.active_targets(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    if answers["to"] == SenStatus.NONE:
        if plan:
            text += f"\nTheir {plan.name} closes."
    elif plan:
        count = len(targets)
        carried = "" if not count else f" ({count} target{'s' if count != 1 else ''} carried over)"
        new = policy.plan_name(answers["to"])
        text += f"\nTheir {plan.name} closes and a new {new} starts{carried}."
    else:
        text += f"\nA new {policy.plan_name(answers['to'])} starts."
    return text


def _submit(turn: Turn, answers: Answers) -> str:
    plans.move_level(
        turn.session,
        turn.actor,
        pupil_id(answers),
        answers["to"],
        answers["reason"],
        turn.now,
        turn.today,
    )
    name = pupils.get_visible(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND).name
    level = names(turn).level_name(answers["to"])
    return f"Moved {name} to {level}. Type 'history' to read their steps so far."


MOVE_LEVEL = Flow(
    name="move_level",
    title="Move between levels",
    triggers=("level", "move level", "change level", "graduated approach"),
    intro="Let's move a pupil between levels of support. Type 'back' or 'cancel' at any time.",
    describe="move a pupil between levels of support, with the reason",
    may_start=may_manage,
    submit=_submit,
    outcome="status change + plans + audit events",
    fields=(
        pupil_field("Which pupil? Type part of their first name or surname."),
        ChoiceField(
            name="to",
            label="Move to",
            question="Move to which level?",
            question_for=_question,
            source=_choices,
            needs=("pupil",),
        ),
        TextField(
            name="reason",
            label="Why",
            question="Why? This is kept in the pupil's history (up to 1,000 characters).",
            max_length=plans.NOTE_LIMIT,
        ),
        ConfirmField(name="confirm", label="Confirm", question="Make this move?", summary=_summary),
    ),
)
