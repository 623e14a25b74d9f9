"""How the engine talks to parents: one question a message in the parent's language
(through their `Writer`, so every string keeps its msgid), choices as buttons only, 'Skip'
and 'Cancel' buttons, and no 'back' or 'help' words a parent might type as an answer.

What a flow is about (the child of an invitation) is the flow's `subject`, looked up and
re-authorised on every message before the engine steps it.
"""

from __future__ import annotations

from typing import Any

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import SAVE, Accept, Clarify, ConfirmField, Field, Reject, skips
from sendbot.conversations.fields import Outcome as Read
from sendbot.conversations.parent_flows import PARENT_FLOWS
from sendbot.conversations.parent_turn import (
    CANCEL,
    CANCELLED,
    SEND,
    SKIP,
    ParentChoice,
    ParentConfirm,
    ParentText,
    ParentTurn,
    word_button,
)
from sendbot.conversations.voice import Working
from sendbot.delivery.contract import OutgoingMessage
from sendbot.services.conversation_state import ChatState

BY_NAME = {flow.name: flow for flow in PARENT_FLOWS}


def asking(state: ChatState) -> Field | None:
    """The question the chat's parent flow is waiting for."""
    return BY_NAME[state.flow].next_field(state.answers)


def reads_typing(state: ChatState) -> bool:
    """Whether typed text answers the open question (a choice is answered by a button;
    anything typed meanwhile is a new message)."""
    current = asking(state)
    return current is not None and not isinstance(current, ParentChoice)


class ParentVoice:
    cancel_words: tuple[str, ...] = ("cancel", "/cancel")
    back_words: tuple[str, ...] = ()
    help_words: tuple[str, ...] = ()
    flush: bool = True

    def cancels(self, turn: ParentTurn, said: str) -> bool:
        """A tapped 'Cancel', or 'cancel' typed."""
        return said == CANCEL if turn.tapped else said.lower() in self.cancel_words

    def view(self, turn: ParentTurn, working: Working) -> ParentTurn:
        return turn

    def read(self, turn: ParentTurn, working: Working, current: Field, text: str) -> Read:
        """'send' sends from the summary; sent anywhere else (an earlier summary's button)
        the open question stands."""
        if isinstance(current, ConfirmField):
            return Accept(SAVE) if text == SEND else Reject("")
        if text == SEND:
            return Reject("")
        return self.take(turn, current, text)

    def take(self, turn: ParentTurn, current: Field, value: Any) -> Read:
        """A value for `current`, typed or given when the flow starts."""
        if isinstance(current, ParentText) and isinstance(value, str):
            if skips(current, value):
                return Accept(None)
            if len(value) > current.max_length:
                w = turn.w
                return Reject(w._(current.too_long, limit=w.number(current.max_length)))
        return Accept(value)

    def settle(self, turn: ParentTurn, working: Working) -> Outcome | None:
        """A choice with one button only is no question; with none, nothing can go on."""
        flow, answers = working.flow, working.answers
        current = flow.next_field(answers)
        while isinstance(current, ParentChoice) and (current.single or current.none):
            choices = list(current.buttons(turn, answers))
            if not choices and current.none:
                return say(turn.w._(current.none))
            if not (current.single and len(choices) == 1):
                break
            answers[current.name] = choices[0][0]
            working.history.append(current.name)
            current = flow.next_field(answers)
        return None

    def ask(
        self,
        turn: ParentTurn,
        working: Working,
        current: Field,
        note: str | None = None,
        intro: bool = False,
    ) -> Outcome:
        question = self._question(turn, working, current)
        flow = working.flow
        if intro and flow.intro:
            opening = turn.w._(flow.intro, child=turn.about.get("child", ""))
            return Outcome([OutgoingMessage(f"{note}\n\n{opening}" if note else opening), question])
        if note:
            return say(note, *([question] if current.question else []))
        return Outcome([question])

    def _question(self, turn: ParentTurn, working: Working, f: Field) -> OutgoingMessage:
        w, answers = turn.w, working.answers
        cancel = word_button(turn.session, CANCEL, w._("Cancel"))
        if isinstance(f, ParentConfirm):
            return OutgoingMessage(
                f.summary_for(turn, answers) + "\n" + w._(f.question),
                buttons=(word_button(turn.session, SEND, w._(f.save_label), "primary"), cancel),
            )
        question = w._(f.question, child=turn.about.get("child", ""))
        if isinstance(f, ParentChoice):
            buttons = tuple(button for _, button in f.buttons(turn, answers))
            return OutgoingMessage(question, buttons=(*buttons, cancel) if f.cancel else buttons)
        if f.optional:
            return OutgoingMessage(
                question,
                buttons=(word_button(turn.session, SKIP, w._("Skip this question")), cancel),
            )
        return OutgoingMessage(question)

    def clarify(self, working: Working, current: Field, outcome: Clarify) -> Outcome:
        return say(outcome.text)

    def submit(self, turn: ParentTurn, working: Working) -> tuple[Outcome, bool]:
        return working.flow.submit(turn, working.answers), True

    def cancelled(self, turn: ParentTurn, working: Working) -> Outcome:
        return say(turn.w._(working.flow.cancel_note or CANCELLED), toast=turn.tapped)

    def keeps(self, working: Working) -> bool:
        return bool(working.answers or working.scratch)

    def answered(self, working: Working) -> dict[str, Any]:
        return dict(working.scratch)

    def remember(self, working: Working, reply: Outcome) -> dict[str, Any]:
        return dict(working.scratch)
