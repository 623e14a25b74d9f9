"""Record the DSL's decision on a safeguarding concern: monitor, early help, a referral to
children's social care, or the police, with a short note.

A referral starts the 1-working-day chase (the DSL is asked whether the local authority has
acknowledged it and decided next steps). Only the DSL and deputies may start it; the
escalation service checks again when it saves. Concerns are listed as the Home tab lists
them (number, year group, who logged it, when): never a name or a narrative in the list.

State diagram: docs/flows/record_decision.md.
"""

from __future__ import annotations

import re

from sendbot.conversations.common import summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    LookupField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SAFEGUARDING_LEADS
from sendbot.services import escalation, safeguarding


def _year(year_group: int) -> str:
    return "Reception" if year_group == 0 else f"Year {year_group}"


def _open(turn: Turn) -> list[safeguarding.OpenItem]:
    return safeguarding.open_items(turn.session, turn.actor, turn.now)


def _label(turn: Turn, item: safeguarding.OpenItem) -> str:
    when = item.raised_at.astimezone(turn.tz).strftime("%a %-d %b %H:%M")
    return f"#{item.concern_id} {_year(item.year_group)}, logged by {item.raised_by}, {when}"


def _suggest(turn: Turn, answers: Answers) -> list[Option]:
    return [Option(str(item.concern_id), _label(turn, item)) for item in _open(turn)]


def _search(turn: Turn, query: str) -> list[Option]:
    """A concern by its number ('12' or '#12'), among the open ones this person may decide."""
    found = re.match(r"\s*#?(\d+)", query)
    if found is None:
        return []
    wanted = int(found.group(1))
    return [
        Option(str(i.concern_id), _label(turn, i)) for i in _open(turn) if i.concern_id == wanted
    ]


def _label_of(turn: Turn, concern_id: int) -> str:
    for item in _open(turn):
        if item.concern_id == concern_id:
            return _label(turn, item)
    return f"#{concern_id}"


def _summary(turn: Turn, answers: Answers) -> str:
    text = summary(RECORD_DECISION, turn, answers, "Please check:")
    if answers.get("decision") == "referral":
        text += (
            "\nI will ask you in 1 working day whether the local authority has acknowledged "
            "the referral and decided next steps."
        )
    return text


def _submit(turn: Turn, answers: Answers) -> str:
    concern_id = int(answers["concern"])
    decided = escalation.record_decision(
        turn.session,
        turn.actor,
        concern_id,
        answers["decision"],
        turn.now,
        answers.get("note"),
    )
    what = escalation.DECISIONS[decided.decision].lower()
    if decided.decision == "referral":
        text = (
            f"Recorded: {what} for concern #{concern_id}. I will ask you in 1 working day "
            "whether the local authority has acknowledged it and decided next steps."
        )
    else:
        text = f"Recorded for concern #{concern_id}: {what}. It is in the pupil's chronology."
    if decided.acknowledged_now:
        text += " The alert is now acknowledged, so it will not be escalated."
    return text


RECORD_DECISION = Flow(
    name="record_decision",
    title="Record a decision",
    triggers=("decision", "record decision", "record a decision", "referral"),
    intro=(
        "Let's record your decision on a safeguarding concern. Type 'back' to change an "
        "answer or 'cancel' to stop."
    ),
    describe="record what you decided on a safeguarding concern (the DSL and deputies)",
    may_start=lambda actor: bool(actor.roles & SAFEGUARDING_LEADS),
    submit=_submit,
    outcome="decision in the chronology (note encrypted), audited with the pupil; after 1 working day the DSL is asked whether the local authority has replied",
    fields=(
        LookupField(
            name="concern",
            label="Concern",
            question="Which concern? Choose one of the open safeguarding concerns, or type its number.",
            suggest=_suggest,
            search=_search,
            label_of=_label_of,
            not_found=(
                "There is no open safeguarding concern '{query}'. Type the number shown "
                "with the concern, like 12."
            ),
        ),
        ChoiceField(
            name="decision",
            label="Decision",
            question="What have you decided?",
            choices=tuple(Option(k, v) for k, v in escalation.DECISIONS.items()),
        ),
        TextField(
            name="note",
            label="Note",
            question=(
                "A short note: what you decided and why, and who you spoke to. "
                "Up to 1,000 characters, or 'skip'."
            ),
            max_length=escalation.NOTE_LIMIT,
            optional=True,
        ),
        ConfirmField(
            name="confirm", label="Confirm", question="Save this decision?", summary=_summary
        ),
    ),
)
