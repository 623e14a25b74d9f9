"""The parents' rendering of declared flows: one question a message, in the parent's
language, with buttons for choices, 'Skip' and 'Cancel'; state in the one conversation
store, so a restart or a second worker loses nothing.

Like the staff engine and the Slack forms, it runs a `Flow`'s fields in order and calls its
submit; what it adds is the parents' way of talking: every question and reply through the
parent's `Writer`, what a flow is about re-authorised on every message, and no 'back' or
'help' words a parent might type as an answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sendbot.clock import Clock
from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers, ConfirmField, Field, skips
from sendbot.conversations.parent_flows import PARENT_FLOWS, SUBJECTS
from sendbot.conversations.parent_turn import (
    CANCEL,
    CANCELLED,
    SEND,
    SKIP,
    ParentChoice,
    ParentConfirm,
    ParentFlow,
    ParentText,
    ParentTurn,
)
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.services.conversation_state import ChatState, ConversationStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CANCEL_WORDS = ("cancel", "/cancel")
BY_NAME = {flow.name: flow for flow in PARENT_FLOWS}


class ParentDialogs:
    def __init__(self, states: ConversationStore, clock: Clock) -> None:
        self.states = states
        self.clock = clock

    # --- state -------------------------------------------------------------------------

    def current(self, session: Session, platform: str, chat_key: str) -> ChatState | None:
        """The chat's unfinished parent flow, if it has one that has not expired."""
        row = self.states.load(session, platform, chat_key)
        if row is None or row.flow not in BY_NAME:
            return None
        if row.expired(self.clock.now()):
            self.states.clear(session, row)
            return None
        return row

    def clear(self, session: Session, state: ChatState | None, *, flush: bool = False) -> None:
        if state is not None:
            self.states.clear(session, state, flush=flush)

    @staticmethod
    def asking(state: ChatState) -> Field | None:
        """The question the chat's flow is waiting for."""
        return BY_NAME[state.flow].next_field(state.answers)

    def reads_typing(self, state: ChatState) -> bool:
        """Whether typed text answers the open question (a choice is answered by a button;
        anything typed meanwhile is a new message)."""
        current = self.asking(state)
        return current is not None and not isinstance(current, ParentChoice)

    # --- turns -------------------------------------------------------------------------

    def begin(
        self,
        turn: ParentTurn,
        flow: ParentFlow,
        given: Answers | None = None,
        scratch: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> Outcome:
        """Start a flow with what is known already (a code, a tapped answer, the message
        typed); ask its first open question, or submit when nothing is left to ask."""
        answers: Answers = {}
        for name, value in (given or {}).items():
            problem = self._take(turn, flow, flow.field(name), value, answers)
            if problem is not None:
                return problem
        return self._onward(turn, flow, None, answers, dict(scratch or {}), intro=True, note=note)

    def answer(self, turn: ParentTurn, state: ChatState, said: str, tapped: bool) -> Outcome:
        """The next message (typed, or a tapped 'skip', 'send' or choice) in an open flow."""
        flow = BY_NAME[state.flow]
        subject = SUBJECTS.get(flow.name)
        if subject is not None:
            found = subject(turn, state.scratch)
            if found.refusal is not None:
                self.clear(turn.session, state)
                return found.refusal
            turn = replace(turn, about=found.about)
        if (said == CANCEL) if tapped else (said.lower() in CANCEL_WORDS):
            self.clear(turn.session, state)
            return say(turn.w._(flow.cancel_note or CANCELLED), toast=tapped)
        answers = dict(state.answers)
        current = flow.next_field(answers)
        assert current is not None
        if isinstance(current, ConfirmField):
            if said == SEND:
                self.clear(turn.session, state)
                return flow.submit(turn, answers)
            return Outcome([self._ask(turn, flow, current, answers)])
        if said == SEND:  # 'send' from an earlier summary: the open question stands
            return Outcome([self._ask(turn, flow, current, answers)])
        problem = self._take(turn, flow, current, said, answers)
        if problem is not None:
            return problem
        return self._onward(turn, flow, state, answers, state.scratch)

    # --- steps -------------------------------------------------------------------------

    def _take(
        self, turn: ParentTurn, flow: ParentFlow, f: Field, value: Any, answers: Answers
    ) -> Outcome | None:
        """Read one answer into `answers`; an Outcome when it cannot be taken."""
        if isinstance(f, ParentText) and isinstance(value, str):
            if skips(f, value):
                answers[f.name] = None
                return None
            if len(value) > f.max_length:
                w = turn.w
                more = [self._ask(turn, flow, f, answers)] if f.question else []
                return say(w._(f.too_long, limit=w.number(f.max_length)), *more)
        answers[f.name] = value
        return None

    def _onward(
        self,
        turn: ParentTurn,
        flow: ParentFlow,
        state: ChatState | None,
        answers: Answers,
        scratch: dict[str, Any],
        intro: bool = False,
        note: str | None = None,
    ) -> Outcome:
        """Ask the next open question (saving where the chat is), or submit."""
        session, w = turn.session, turn.w
        current = flow.next_field(answers)
        while isinstance(current, ParentChoice) and (current.single or current.none):
            choices = list(current.buttons(turn, answers))
            if not choices and current.none:
                self.clear(session, state)
                return say(w._(current.none))
            if not (current.single and len(choices) == 1):
                break
            answers[current.name] = choices[0][0]
            current = flow.next_field(answers)
        if current is None:
            self.clear(session, state)
            return flow.submit(turn, answers)
        question = self._ask(turn, flow, current, answers)
        if answers or scratch:
            saved = state or ChatState(flow.name)
            saved.flow, saved.step, saved.answers, saved.scratch = (
                flow.name,
                current.name,
                answers,
                scratch,
            )
            saved.history = list(answers)
            self.states.save(
                session, turn.platform, turn.chat_key, saved, self.clock.now(), flush=True
            )
        if not intro or not flow.intro:
            return Outcome([question])
        opening = w._(flow.intro, child=turn.about.get("child", ""))
        return Outcome([OutgoingMessage(f"{note}\n\n{opening}" if note else opening), question])

    def _ask(
        self, turn: ParentTurn, flow: ParentFlow, f: Field, answers: Answers
    ) -> OutgoingMessage:
        w = turn.w
        cancel = Button(CANCEL, w._("Cancel"))
        if isinstance(f, ParentConfirm):
            return OutgoingMessage(
                f.summary_for(turn, answers) + "\n" + w._(f.question),
                buttons=(Button(SEND, w._(f.save_label), "primary"), cancel),
            )
        question = w._(f.question, child=turn.about.get("child", ""))
        if isinstance(f, ParentChoice):
            buttons = tuple(button for _, button in f.buttons(turn, answers))
            return OutgoingMessage(question, buttons=(*buttons, cancel) if f.cancel else buttons)
        if f.optional:
            return OutgoingMessage(
                question, buttons=(Button(SKIP, w._("Skip this question")), cancel)
            )
        return OutgoingMessage(question)
