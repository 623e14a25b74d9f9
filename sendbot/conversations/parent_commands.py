"""A parent's one-shot commands, answered at once with nothing to remember: /mychild,
/help, /stop and /start, and what strangers, chats no longer linked and parents who blocked
the bot are told."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sendbot.conversations.chat import Incoming, Outcome, say
from sendbot.conversations.parent_turn import ParentTurn, help_message
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.freetext import FreeText
from sendbot.services import action_ids, parents
from sendbot.services.action_ids import Action

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["command", "help_message", "my_child", "stopped", "stranger", "unlinked"]


def stranger(w: Writer, tapped: bool) -> Outcome:
    text = w._(
        "Hello. I am the messaging service of your child's school. I only talk to "
        "parents and carers the school has invited. To join, open the link or scan the "
        "QR code in the letter from school."
    )
    return say(text, toast=tapped)


def unlinked(w: Writer, tapped: bool) -> Outcome:
    """A chat that no longer speaks for a parent: they sent /stop, a newer link replaced it,
    or the school unlinked it. Whatever it sends, only a new invite links it again."""
    text = w._(
        "This chat is no longer connected to the school. To connect again, please ask the "
        "school for a new invitation."
    )
    return say(text, toast=tapped)


def stopped(session: Session, m: Incoming, identity_id: int, w: Writer, now: datetime) -> Outcome:
    """A parent who blocked the bot and came back: only /start is answered, and starts
    messages again."""
    if m.kind == "command" and m.text == "start":
        if not parents.resume(session, identity_id, now):
            return unlinked(w, tapped=False)
        out = say(w._("Welcome back. You will get messages from me again."))
        out.replies.append(help_message(w))
        return out
    return say(
        w._("You have stopped messages from me. To start again, send /start."),
        toast=m.kind == "tap",
    )


def command(turn: ParentTurn, name: str, identity_id: int) -> Outcome:
    session, w = turn.session, turn.w
    if name == "mychild":
        kids = parents.children(session, turn.guardian)
        if not kids:
            return say(w._("I cannot find a child linked to you. Please ask the school."))
        if len(kids) == 1:
            return my_child(turn, kids[0].pupil_id)
        return Outcome(
            [
                OutgoingMessage(
                    w._("Which child?"),
                    buttons=tuple(
                        Button(
                            action_ids.encode(session, Action("child", k.pupil_id, "mychild")),
                            k.name,
                        )
                        for k in kids
                    ),
                )
            ]
        )
    if name == "stop":
        parents.stop(session, identity_id, turn.now)
        return say(
            w._(
                "You will not get any more messages from me. We have told the school. "
                "To connect again, please ask the school for a new invitation."
            )
        )
    if name == "start":
        return say(w._("Hello again. You are connected to the school."), help_message(w))
    return Outcome([help_message(w)])


def my_child(turn: ParentTurn, pupil_id: int) -> Outcome:
    """What the child is working on and when the next meeting and review are."""
    w = turn.w
    summary = parents.my_child(turn.session, turn.guardian, pupil_id, turn.now)
    free = FreeText(w)
    parts = [summary.name]
    kind = {
        "sen_support": w._("{child} gets extra help in school (SEN support).", child=summary.name),
        "ehc_plan": w._(
            "{child} has an Education, Health and Care plan (EHC plan).", child=summary.name
        ),
        "monitoring": w._(
            "The school is keeping a close eye on how {child} is doing.", child=summary.name
        ),
    }.get(summary.plan_kind or "")
    if kind:
        parts.append(kind)
    if summary.targets:
        lines = [w._("What {child} is working on now:", child=summary.name)]
        for target in summary.targets:
            line = "• " + free(target.wording)
            if target.due_on:
                line += " " + w._("(by {date})", date=w.date(target.due_on))
            lines.append(line)
        parts.append("\n".join(lines))
    else:
        parts.append(w._("There are no targets for {child} at the moment.", child=summary.name))
    if summary.next_meeting_at:
        parts.append(
            w._(
                "Next meeting: {date} at {time}",
                date=w.local_date(summary.next_meeting_at),
                time=w.time(summary.next_meeting_at),
            )
        )
    if summary.next_review_on:
        parts.append(w._("Next review: {date}", date=w.date(summary.next_review_on)))
    parts += free.notes()
    return Outcome([OutgoingMessage("\n\n".join(parts), language=w.language.code)])
