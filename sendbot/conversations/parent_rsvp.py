"""A parent's answer to a meeting invitation: one tap, re-authorised by the meetings service.

State diagram: docs/flows/parent_rsvp.md.
"""

from __future__ import annotations

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_turn import (
    RSVP,
    ParentChoice,
    ParentFlow,
    ParentTurn,
    meeting_gone,
    refused,
)
from sendbot.services import meetings


def _rsvp(turn: ParentTurn, answers: Answers) -> Outcome:
    """The tapped answer, re-authorised by the meetings service, which tells the SENCO."""
    w = turn.w
    result = meetings.answer(turn.session, turn.guardian, answers["answer"], turn.now)
    if result.status == "refused":
        return refused(w)
    if result.status in ("stale", "past", "cancelled"):
        return meeting_gone(result.status, w)
    if result.status == "unchanged":
        return say(w._("You already told us this. Thank you."), toast=True)
    if result.status == "interpreter_again":
        return say(
            w._("We already know you would like an interpreter. The school will arrange it."),
            toast=True,
        )
    if result.status == "interpreter":
        return say(
            w._("Thank you. We have asked the school to book an interpreter for you. It is free."),
            toast=True,
        )
    said = {
        "yes": w._("Thank you. We have told the school you will come."),
        "no": w._("Thank you for telling us. We have told the school you cannot come."),
        "other_time": w._("Thank you. The school will contact you to offer another time."),
    }[result.answer or ""]
    if result.previous:
        said = w._("We have changed your answer.") + " " + said
    return say(said, toast=True)


PARENT_RSVP: ParentFlow = Flow(
    name=RSVP,
    title="Answer an invitation",
    triggers=(),
    fields=(
        # The invitation's own buttons (attend, can't, another time, interpreter): sealed.
        ParentChoice(name="answer", label="Answer", question=""),
    ),
    describe="a button on the invitation",
    submit=_rsvp,
    read_only=True,
    cancellable=False,
)
