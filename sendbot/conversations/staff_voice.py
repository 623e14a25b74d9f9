"""How the engine talks to staff: English, one message a question, options numbered (or
shown as buttons by the platform), 'back' and 'help' while a flow is open, and a refused
save that keeps every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sendbot.conversations.fields import (
    DEFAULT_WORDS,
    Accept,
    Clarify,
    ConfirmField,
    Field,
    Option,
    Reject,
    skips,
)
from sendbot.conversations.fields import Outcome as Read
from sendbot.conversations.flow import FlowRegistry, SubmitRefused
from sendbot.conversations.turn import Turn
from sendbot.conversations.voice import KEPT, Working, kept_part
from sendbot.services import audit
from sendbot.services.policy import PermissionDenied

BACK = ("back", "/back")
CANCEL = ("cancel", "/cancel", "stop")
HELP = ("help", "/help", "?")
# Field kinds that read numbers themselves ('2,5' absentees, '30' minutes), not as options.
OWN_NUMBERING = ("number", "multi_choice")


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    flow: str | None = None
    field: str | None = None
    done: bool = False
    # False where the options carry their own numbers: a list shows them unnumbered.
    numbered: bool = True


class StaffVoice:
    cancel_words: tuple[str, ...] = CANCEL
    back_words: tuple[str, ...] = BACK
    help_words: tuple[str, ...] = HELP
    flush: bool = False

    def __init__(self, registry: FlowRegistry) -> None:
        self.registry = registry

    def view(self, turn: Turn, working: Working) -> Turn:
        return replace(
            turn, answers=dict(working.answers), kept=dict(working.scratch.get(KEPT, {}))
        )

    def read(self, turn: Turn, working: Working, current: Field, text: str) -> Read:
        """Defaults ('ok' or nothing), skips of optional questions, then the field's parsing."""
        try:
            return self._parse(turn, working, current, text)
        except PermissionDenied as exc:
            return Reject(str(exc))

    def _parse(self, turn: Turn, working: Working, current: Field, text: str) -> Read:
        own = current.kind in OWN_NUMBERING or current.own_numbers
        raw = text if own else _option_value(working, text)
        said = " ".join(raw.strip().lower().split())
        if not working.scratch.get("candidates"):
            if skips(current, raw):
                return Accept(None)
            if current.default is not None and said in DEFAULT_WORDS:
                return current.parse(turn, current.default(turn, turn.answers), working.scratch)
        return current.parse(turn, raw, working.scratch)

    def settle(self, turn: Turn, working: Working) -> Reply | None:
        return None

    def ask(
        self,
        turn: Turn,
        working: Working,
        current: Field,
        note: str | None = None,
        intro: bool = False,
    ) -> Reply:
        turn = self.view(turn, working)
        if working.scratch.get("candidates") and "question" in working.scratch:
            question = working.scratch["question"]
            options = tuple(Option(v, label) for v, label in working.scratch.get("labels", []))
        elif isinstance(current, ConfirmField):
            question = (
                current.summary(turn, working.flow.applicable_answers(working.answers, turn))
                + "\n\n"
                + current.question
            )
            options = current.options(turn, working.answers)
        else:
            question = current.ask(turn, working.answers)
            options = current.options(turn, working.answers)
        parts = []
        if intro and working.flow.intro:
            parts.append(working.flow.intro)
        if note:
            parts.append(note)
        parts.append(question)
        return Reply(
            "\n\n".join(parts),
            options,
            working.flow.name,
            current.name,
            numbered=not current.own_numbers,
        )

    def clarify(self, working: Working, current: Field, outcome: Clarify) -> Reply:
        return Reply(outcome.text, outcome.options, working.flow.name, current.name)

    def submit(self, turn: Turn, working: Working) -> tuple[Reply, bool]:
        """Saved in a savepoint: a refusal keeps the answers (a read-only flow has nothing
        to change, so its refusal is the answer)."""
        turn = self.view(turn, working)
        answers = working.flow.applicable_answers(working.answers, turn)
        try:
            with turn.session.begin_nested():
                confirmation = working.flow.submit(replace(turn, answers=answers), answers)
        except (SubmitRefused, PermissionDenied, ValueError) as exc:
            if isinstance(exc, PermissionDenied) and exc.audit:
                audit.record(turn.session, **exc.audit)  # the refusal outlives the rollback
            if working.flow.read_only:
                return Reply(str(exc), flow=working.flow.name, done=True), True
            turn.memo.clear()  # what the submit undid may change what the menu offers
            current = working.flow.next_field(working.answers, turn)
            assert current is not None
            reply = self.ask(turn, working, current)
            return replace(reply, text=f"{exc}\n\n{reply.text}"), False
        turn.memo.clear()  # what was saved may change what the menu offers
        return Reply(confirmation, flow=working.flow.name, done=True), True

    def cancelled(self, turn: Turn, working: Working) -> Reply:
        if working.flow.cancel_note is not None:
            return Reply(working.flow.cancel_note, flow=working.flow.name, done=True)
        return Reply(f"Cancelled. Nothing was saved.\n\n{self.menu_text(turn)}", done=True)

    def keeps(self, working: Working) -> bool:
        return True

    def answered(self, working: Working) -> dict[str, Any]:
        return kept_part(working.scratch)

    def remember(self, working: Working, reply: Reply) -> dict[str, Any]:
        scratch = dict(working.scratch)
        scratch["shown"] = [o.value for o in reply.options]
        if scratch.get("candidates"):
            scratch["question"] = reply.text
            scratch["labels"] = [[o.value, o.label] for o in reply.options]
        return scratch

    def menu_text(self, turn: Turn) -> str:
        flows = self.registry.menu(turn)
        if not flows:
            return "There is nothing you can do here yet. Please ask your SENCO."
        lines = ["What would you like to do?"]
        lines += [f"{i}. {flow.title}" for i, flow in enumerate(flows, start=1)]
        return "\n".join(lines)


def chosen_option(working: Working, text: str) -> str:
    """'2' means the second option shown (which may be 'back'); other text is as typed."""
    return _option_value(working, text)


def _option_value(working: Working, text: str) -> str:
    """'2' means the second option shown; other text is passed on as typed."""
    shown: list[str] = working.scratch.get("shown", [])
    said = text.strip()
    if said.isdecimal() and 1 <= int(said) <= len(shown):
        return shown[int(said) - 1]
    return text
