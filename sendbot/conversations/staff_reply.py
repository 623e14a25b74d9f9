"""A member of staff answers a parent's message: the Reply button on the notice starts it,
the next thing they type is the answer. The service decides who may answer and how long
an answer may be; a command (or 'cancel') leaves it unsent.

State diagram: docs/flows/staff_reply.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sendbot.conversations.fields import Answers, Outcome, Reject, TextField
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.services import parents

NAME = "staff.reply"


@dataclass(frozen=True, kw_only=True)
class FromButton(TextField):
    """Filled in by the button that starts the flow; typed text never fills it."""

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        return Reject(self.question)


def _send(turn: Turn, answers: Answers) -> str:
    """The answer goes to the parent through the outbox, in the same transaction."""
    text = str(answers["text"])
    parents.staff_reply(turn.session, turn.actor, int(answers["message"]), text, turn.now)
    return parents.reply_sent_note(text)


STAFF_REPLY = Flow(
    name=NAME,
    title="Reply to a parent",
    triggers=(),
    fields=(
        FromButton(
            name="message",
            label="Message",
            question="Tap Reply on the parent's message you want to answer.",
            in_summary=False,
        ),
        # No limits here: the service says what a reply may be, in its own words.
        TextField(
            name="text",
            label="Reply",
            question="Type your reply to the parent, or 'cancel'.",
            min_length=0,
            max_length=10**9,
        ),
    ),
    describe="Reply on the notice of a parent's message",
    submit=_send,
    read_only=True,
    cancel_note="Cancelled. Nothing was sent.",
    ends_on_command=True,
)
