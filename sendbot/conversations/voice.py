"""How one audience is talked to, as the one step loop (`engine`) needs it.

The engine steps every flow the same way: read the answer to the open question, keep it,
settle what needs no asking, then submit or ask the next question and save where the chat
is. What differs between staff and parents is only how that sounds: a voice reads what was
typed or tapped, words each question, and says what submitting or cancelling did. Staff
are spoken to in English with numbered options (`staff_voice`); parents in their own
language, through their `Writer`, with buttons (`parent_voice`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sendbot.conversations.fields import Clarify, Field
from sendbot.conversations.fields import Outcome as Read
from sendbot.conversations.flow import Flow

C = TypeVar("C", contravariant=True)
R = TypeVar("R")


# The part of a flow's scratch that is kept from one answer to the next (`Flow.on_answer`).
KEPT = "kept"


def kept_part(scratch: dict[str, Any]) -> dict[str, Any]:
    """Only what is kept between answers, of a scratch about to be reset."""
    return {KEPT: dict(scratch[KEPT])} if scratch.get(KEPT) else {}


@dataclass
class Working:
    """The state of one chat's flow while a turn is handled."""

    flow: Flow
    answers: dict[str, Any]
    history: list[str]
    scratch: dict[str, Any] = field(default_factory=dict)


class Voice(Protocol, Generic[C, R]):
    """One audience's way of talking, over turns `C` and replies `R`."""

    # Words that stop, go back or explain, typed while a flow is open.
    cancel_words: tuple[str, ...]
    back_words: tuple[str, ...]
    help_words: tuple[str, ...]
    # Whether the chat's state is written at once (so a command in the same update sees it).
    flush: bool

    def view(self, turn: C, working: Working) -> Any:
        """The turn as the flow's fields see it (a staff turn carries the answers so far)."""
        ...

    def read(self, turn: C, working: Working, current: Field, text: str) -> Read:
        """What the message means as an answer to `current`."""
        ...

    def settle(self, turn: C, working: Working) -> R | None:
        """Answer what needs no asking; a reply when the flow cannot go on."""
        ...

    def ask(
        self,
        turn: C,
        working: Working,
        current: Field,
        note: str | None = None,
        intro: bool = False,
    ) -> R:
        """The question `current`, after `note` (why it is asked again) and the flow's intro."""
        ...

    def clarify(self, working: Working, current: Field, outcome: Clarify) -> R:
        """A narrower question about the same field (which of several pupils)."""
        ...

    def submit(self, turn: C, working: Working) -> tuple[R, bool]:
        """Submit the answers: the reply, and whether the flow is over."""
        ...

    def cancelled(self, turn: C, working: Working) -> R:
        """What 'cancel' says."""
        ...

    def keeps(self, working: Working) -> bool:
        """Whether an open question is worth saving (a question whose only answer is a
        button that starts the flow again is not)."""
        ...

    def answered(self, working: Working) -> dict[str, Any]:
        """The scratch once the open question is answered (a list of candidates is done
        with; what the flow is about is not)."""
        ...

    def remember(self, working: Working, reply: R) -> dict[str, Any]:
        """The scratch to save with the question just asked (what the options were)."""
        ...
