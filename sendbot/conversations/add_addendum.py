"""Add to a concern: a correction or something learnt later, as a dated, signed addendum.

Nothing about a saved concern is ever edited or deleted (a record a court would accept):
the original stays exactly as written and the addendum sits after it in the chronology.
The person who logged the concern, the DSL and the deputies may add to it;
`concern_record.add_addendum` asks the policy again when it saves.

State diagram: docs/flows/add_addendum.md.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sendbot.conversations.common import summary
from sendbot.conversations.fields import (
    Answers,
    ConfirmField,
    LookupField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow, SubmitRefused
from sendbot.conversations.turn import Turn
from sendbot.domain.people import Role
from sendbot.services import concern_record

# Concerns offered to add to: those logged in the last term or so; older ones by number.
OFFERED_DAYS = 60


def _addable(turn: Turn, days: int = OFFERED_DAYS) -> list[concern_record.Addable]:
    key = f"addable:{days}"
    if key not in turn.memo:
        since = turn.now - timedelta(days=days)
        turn.memo[key] = concern_record.addable(turn.session, turn.actor, since)
    return list(turn.memo[key])


def _label(turn: Turn, item: concern_record.Addable) -> str:
    when = item.raised_at.astimezone(turn.tz).strftime("%a %-d %b %H:%M")
    kind = "safeguarding concern" if item.safeguarding else "concern"
    return f"#{item.concern_id} {item.pupil_name}, {kind} logged {when}"


def _suggest(turn: Turn, answers: Answers) -> list[Option]:
    return [Option(str(i.concern_id), _label(turn, i)) for i in _addable(turn)[:8]]


def _search(turn: Turn, query: str) -> list[Option]:
    """A concern by its real number ('12' or '#12'), among those this person may add to."""
    found = re.match(r"\s*#?(\d+)\s*$", query)
    if found is None:
        return []
    wanted = int(found.group(1))
    return [
        Option(str(i.concern_id), _label(turn, i))
        for i in _addable(turn, days=3650)
        if i.concern_id == wanted
    ]


def _label_of(turn: Turn, concern_id: int) -> str:
    for item in _addable(turn, days=3650):
        if item.concern_id == concern_id:
            return _label(turn, item)
    return f"#{concern_id}"


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(ADD_ADDENDUM, turn, answers, "Please check:")


def _submit(turn: Turn, answers: Answers) -> str:
    concern_id = int(answers["concern"])
    try:
        concern_record.add_addendum(
            turn.session, turn.actor, concern_id, str(answers["note"]), turn.now
        )
    except concern_record.AdditionRefused as exc:
        raise SubmitRefused(str(exc)) from exc
    return (
        f"Added to {_label_of(turn, concern_id)}. The concern itself is unchanged; your "
        "addendum is kept after it with your name and the time."
    )


ADD_ADDENDUM = Flow(
    name="add_addendum",
    title="Add to a concern",
    triggers=("addendum", "add to concern", "add to a concern", "correct a concern"),
    intro=(
        "Let's add to a concern. A saved concern is never changed: what you write is kept "
        "after it, with your name and the time."
    ),
    describe="add a correction or something you learnt later to a concern (never an edit)",
    may_start=lambda actor: actor.has(
        Role.TEACHER, Role.TA, Role.SENCO, Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER
    ),
    offered=lambda turn: bool(_addable(turn)),
    submit=_submit,
    outcome="addendum (concern action) + audit event; the concern unchanged",
    fields=(
        LookupField(
            name="concern",
            label="Concern",
            question="Which concern? Choose one, or type its number (for example #12).",
            suggest=_suggest,
            search=_search,
            label_of=_label_of,
            not_found=(
                "I can't find a concern '{query}' that you may add to. Only the person who "
                "logged it, the DSL and deputies can add to a concern."
            ),
        ),
        TextField(
            name="note",
            label="Addendum",
            question=(
                "What do you want to add or correct? Write it as a fact, with the child's "
                "own words where given (up to 2,000 characters)."
            ),
            max_length=concern_record.ADDENDUM_LIMIT,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Add this to the concern?",
            summary=_summary,
            save_label="Add",
        ),
    ),
)
