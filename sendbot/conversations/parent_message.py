"""A message to school: typed, about the one child, or the child the parent taps.

State diagram: docs/flows/parent_message.md.
"""

from __future__ import annotations

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_turn import (
    CANCELLED,
    MESSAGE,
    ParentChoice,
    ParentFlow,
    ParentText,
    ParentTurn,
    _,
)
from sendbot.delivery.contract import Button
from sendbot.services import action_ids, parents
from sendbot.services.action_ids import Action


def _children(turn: ParentTurn, answers: Answers) -> list[tuple[str, Button]]:
    return [
        (
            str(k.pupil_id),
            Button(action_ids.encode(turn.session, Action("child", k.pupil_id, "message")), k.name),
        )
        for k in parents.children(turn.session, turn.guardian)
    ]


def _send_to_school(turn: ParentTurn, answers: Answers) -> Outcome:
    """Stored encrypted; the SENCO and the child's class teacher are told, with a Reply
    button; out of hours the parent is told when it will be read."""
    w = turn.w
    sent = parents.message_school(
        turn.session,
        turn.guardian,
        int(answers["child"]),
        answers["text"],
        w.language.code,
        turn.now,
    )
    parts = [
        w._(
            "Thank you. Your message about {child} has gone to the school.",
            child=sent.child_name,
        )
    ]
    if sent.opens_at is not None:
        parts.append(
            w._(
                "The school is closed now. Staff will read your message on {date} after {time}.",
                date=w.local_date(sent.opens_at),
                time=w.time(sent.opens_at),
            )
        )
        parts.append(
            w._(
                "If you are worried about a child's safety and it is urgent, call the school. "
                "If a child is in danger now, call 999."
            )
        )
    else:
        parts.append(w._("Staff will read it soon."))
    return say("\n\n".join(parts))


PARENT_MESSAGE: ParentFlow = Flow(
    name=MESSAGE,
    title="Send a message to school",
    triggers=(),
    fields=(
        ParentText(
            name="text",
            label="Message",
            question="",
            max_length=parents.MESSAGE_LIMIT,
            too_long=_(
                "That message is too long. Please send it in parts of up to {limit} characters."
            ),
            optional=False,
            skip_words=(),
        ),
        ParentChoice(
            name="child",
            label="Child",
            question=_("Which child is this message about?"),
            buttons=_children,
            single=True,
            none=_("I cannot find a child linked to you. Please ask the school."),
            cancel=True,
        ),
    ),
    describe="the parent types a message",
    submit=_send_to_school,
    read_only=True,
    cancel_note=CANCELLED,
)
