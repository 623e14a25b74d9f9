"""Say whether a review meeting was held: held rolls the review forward (the next review
date, and for an EHC plan the report to the local authority and its decision); not held
keeps the review due and asks why. The same as the Held / Not held buttons on the prompt
after a meeting, for when that prompt is gone or the reason needs the SENCO's own words.

State diagram: docs/flows/review_held.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import long_date, may_manage, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    Option,
    TextField,
    YesNoField,
)
from sendbot.conversations.flow import Flow, SubmitRefused
from sendbot.conversations.senco_common import held_on_closed_day, pupil_field, pupil_id
from sendbot.conversations.turn import Turn
from sendbot.services import review_outcomes


def _waiting(turn: Turn, answers: Answers) -> list[review_outcomes.AwaitingOutcome]:
    return review_outcomes.awaiting(turn.session, turn.actor, turn.now, pupil_id(answers))


def _has_meeting(turn: Turn, value: object) -> str | None:
    found = review_outcomes.awaiting(turn.session, turn.actor, turn.now, int(str(value)))
    if found:
        return None
    return (
        "That pupil has no review meeting waiting to be marked: either it is still to come, "
        "or it is already marked. Type 'meeting' to book one, or choose another pupil."
    )


def _meetings(turn: Turn, answers: Answers) -> list[Option]:
    return [
        Option(str(m.meeting_id), f"{review_outcomes.kind_words(m.kind)} on {long_date(m.held_on)}")
        for m in _waiting(turn, answers)
    ]


def _meeting_day(turn: Turn, answers: Answers) -> date | None:
    chosen = str(answers.get("meeting", ""))
    return next((m.held_on for m in _waiting(turn, answers) if str(m.meeting_id) == chosen), None)


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(REVIEW_HELD, turn, answers, "Please check:")


def _submit(turn: Turn, answers: Answers) -> str:
    try:
        result = review_outcomes.record_outcome(
            turn.session,
            turn.actor,
            int(answers["meeting"]),
            held=bool(answers["held"]),
            reason=answers.get("reason"),
            now=turn.now,
        )
    except (review_outcomes.OutcomeInvalid, LookupError) as exc:
        raise SubmitRefused(str(exc.args[0]) if exc.args else "I can't find that meeting.") from exc
    return result.text


REVIEW_HELD = Flow(
    name="review_held",
    title="Was a review held?",
    triggers=("review held", "review not held", "not held", "mark review held"),
    intro="Let's record whether a review meeting was held. Type 'back' or 'cancel' at any time.",
    describe="mark a review meeting held (the next review is dated) or not held, with why",
    may_start=may_manage,
    submit=_submit,
    outcome="meeting held (next review dated; EHC report and LA decision started) or not held "
    "with a reason; audited",
    fields=(
        pupil_field("Whose review meeting was it? Type part of their name.", check=_has_meeting),
        ChoiceField(
            name="meeting",
            label="Meeting",
            question="Which meeting?",
            source=_meetings,
            needs=("pupil",),
        ),
        YesNoField(
            name="held",
            label="Held",
            question="Was it held?",
            help="Yes dates the next review. No keeps this review due.",
            needs=("meeting",),
        ),
        held_on_closed_day(
            "closed_day", _meeting_day, needs=("held",), when=lambda a: a.get("held") is True
        ),
        TextField(
            name="reason",
            label="Why it was not held",
            question="Why was it not held? Up to 200 characters, for example 'family ill'.",
            max_length=review_outcomes.REASON_LIMIT,
            needs=("held",),
            when=lambda a: a.get("held") is False,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Save this?",
            summary=_summary,
        ),
    ),
)
