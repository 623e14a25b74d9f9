"""Wording shared by the staff flows: dates, day counts, summaries, who may start what."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from sendbot.conversations.fields import Answers, Option
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.needs import BROAD_AREAS
from sendbot.domain.people import Role
from sendbot.services import policy, staff_work
from sendbot.services.actors import StaffActor

TEACHING_ROLES = (Role.TEACHER, Role.TA, Role.SENCO, Role.HEADTEACHER)
AREA_OPTIONS = tuple(Option(a.value, a.label) for a in BROAD_AREAS)
DATE_EXAMPLES = "a date like 'yesterday', 'mon' or '3/2'"


def ref(kind: str, record_id: int) -> str:
    """An option value for a record: never a bare number, which means a position in a list."""
    return f"{kind}-{record_id}"


def ref_id(value: str) -> int:
    return int(value.rsplit("-", 1)[-1])


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def long_date(day: date) -> str:
    return day.strftime("%a %-d %b %Y")


def short_date(day: date) -> str:
    return day.strftime("%a %-d %b")


def days_away(day: date, today: date) -> str:
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday, overdue"
    if days < 0:
        return f"{-days} days ago, overdue"
    return f"in {days} days"


def summary(flow: Flow, turn: Turn, answers: Answers, heading: str) -> str:
    lines = [heading]
    for field, value in flow.answered_fields(answers, turn):
        lines.append(f"- {field.label}: {field.show_answer(turn, value)}")
    return "\n".join(lines)


def may_teach(actor: StaffActor) -> bool:
    return actor.has(*TEACHING_ROLES)


def may_manage(actor: StaffActor) -> bool:
    return policy.may_manage_send(actor)


def once_per_turn(predicate: Callable[[Turn], bool]) -> Callable[[Turn], bool]:
    """A menu predicate asked by several flows in one message runs its query once."""
    key = f"{predicate.__module__}.{predicate.__qualname__}"

    @functools.wraps(predicate)
    def remembered(turn: Turn) -> bool:
        if key not in turn.memo:
            turn.memo[key] = predicate(turn)
        return bool(turn.memo[key])

    return remembered


@once_per_turn
def has_send_work(turn: Turn) -> bool:
    """Whether the person has SEND records to look at: the SENCO and head always; others
    when a pupil they teach or support has a plan, or they deliver an intervention."""
    actor = turn.actor
    if actor.has(Role.SENCO, Role.HEADTEACHER):
        return True
    if staff_work.sees_a_pupil_with_a_plan(turn.session, actor):
        return True
    return delivers_intervention(turn)


@once_per_turn
def delivers_intervention(turn: Turn) -> bool:
    return staff_work.records_an_intervention(turn.session, turn.actor)


@once_per_turn
def active_school_interventions(turn: Turn) -> bool:
    return staff_work.school_runs_interventions(turn.session, turn.actor.school_id)
