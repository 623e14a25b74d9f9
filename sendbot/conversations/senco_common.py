"""Pieces the SENCO's flows share: the pupil question, level choices in the school's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sendbot.conversations.common import long_date
from sendbot.conversations.fields import Answers, Each, Item, Option, PupilField, YesNoField
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SenStatus
from sendbot.domain.review_dates import closed_day_reason
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


def _really_held(turn: Turn, value: Any) -> str | None:
    if value:
        return None
    return (
        "Then please type 'back' and give the day it was held, or 'cancel' to stop. "
        "Nothing is saved until you confirm."
    )


def held_on_closed_day(
    name: str,
    held_on: Callable[[Turn, Answers], date | None],
    needs: tuple[str, ...],
    when: Callable[[Answers], bool] | None = None,
) -> Each:
    """A question asked only when a review is recorded as held on a day the school is
    normally closed (a weekend, a bank holiday such as Christmas Day, a holiday): such a
    date is more often a slip of the keyboard than a real meeting."""

    def items(turn: Turn, answers: Answers) -> list[Item]:
        day = held_on(turn, answers)
        if day is None:
            return []
        reason = closed_day_reason(terms.calendar_for(turn.session, turn.actor.school_id), day)
        return [] if reason is None else [Item("ok", f"{long_date(day)} was {reason}")]

    return Each(
        name=name,
        needs=needs,
        when=when,
        items=items,
        template=YesNoField(
            name=name,
            label="Held on a closed day",
            question="{item}, when the school is usually closed. Was the review really held then?",
            help="Answer yes to keep the date, or no to change it.",
            check=_really_held,
        ),
    )
