"""Pieces the SENCO's flows share: the pupil question, level choices in the school's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sendbot.conversations.common import long_date
from sendbot.conversations.fields import Answers, Option, PupilField
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SenStatus
from sendbot.services import plans, school_policy, terms
from sendbot.services.policy import Action

MANAGE = Action.MANAGE_SEND.value


def pupil_field(
    question: str, check: Callable[[Turn, Any], str | None] | None = None
) -> PupilField:
    return PupilField(
        name="pupil",
        label="Pupil",
        question=question,
        help="You can find any pupil in the school.",
        action=MANAGE,
        check=check,
    )


def pupil_id(answers: Answers) -> int:
    return int(answers["pupil"])


def names(turn: Turn) -> school_policy.SchoolPolicy:
    return school_policy.load(turn.session, turn.actor.school_id)


def level_options(turn: Turn, with_none: bool = False) -> list[Option]:
    policy = names(turn)
    options = [
        Option(level.value, policy.level_name(level.value)) for level in school_policy.LEVELS
    ]
    if with_none:
        options.append(Option(SenStatus.NONE.value, policy.level_name(SenStatus.NONE.value)))
    return options


def default_review(turn: Turn, level: str, today: date | None = None) -> date:
    return terms.default_review_date(turn.session, turn.actor.school_id, level, today or turn.today)


def needs_plan(turn: Turn, value: object) -> str | None:
    plan = plans.active_plan(turn.session, turn.actor, int(str(value)), Action.MANAGE_SEND)
    if plan is None:
        return "That pupil has no plan yet. Create one first: type 'plan'. Or choose another pupil."
    return None


def needs_targets(turn: Turn, value: object) -> str | None:
    if not plans.active_targets(turn.session, turn.actor, int(str(value)), Action.MANAGE_SEND):
        return "That pupil has no targets being worked on. Choose another pupil."
    return None


def review_question(turn: Turn, level: str) -> str:
    due = default_review(turn, level)
    return (
        f"When is the next review? Type 'ok' for {long_date(due)} (the school's usual "
        "review point), or a date like '18/12'."
    )
