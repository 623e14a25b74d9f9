"""A flow is declared once: its fields in order, who may start it, and what saving does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sendbot.conversations.fields import Answers, ConfirmField, Field
from sendbot.conversations.turn import Turn
from sendbot.services.actors import StaffActor


class SubmitRefused(Exception):
    """The service said no in a way the person can act on; their answers are kept."""


@dataclass(frozen=True)
class Progress:
    """What a flow's `on_answer` says after an answer: a note to show before the next
    question (instead of the field's own), and what to keep between answers."""

    note: str | None = None
    kept: dict[str, Any] = field(default_factory=dict)


# What a flow's steps see (a staff member's Turn, or a parent's) and what saving returns
# (a confirmation to show, or a parent's replies).
C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True)
class Flow(Generic[C, R]):
    """`read_only` flows answer as soon as their questions are answered (no confirm step).

    `may_start` decides by role; `offered` (optional) decides whether the menu shows the flow
    now, e.g. 'record a session' only to someone who delivers an intervention. A flow that
    is not offered can still be started by name.
    """

    name: str
    title: str
    triggers: tuple[str, ...]
    fields: tuple[Field, ...]
    submit: Callable[[C, Answers], R]
    intro: str = ""
    may_start: Callable[[StaffActor], bool] = lambda actor: True
    read_only: bool = False
    describe: str = ""
    offered: Callable[[Turn], bool] | None = None
    # What saving (or answering) leaves behind, for the flow's state diagram.
    outcome: str = ""
    # What 'cancel' says instead of "Cancelled. Nothing was saved." and the menu.
    cancel_note: str | None = None
    # A command (/help, /start) leaves the flow unfinished instead of being read in it.
    ends_on_command: bool = False
    # False for a flow answered in the message that starts it (a tapped language): there
    # is never a moment to cancel it.
    cancellable: bool = True
    # What the flow is about (an invitation's child), looked up and re-authorised from its
    # saved scratch on every message: a refusal ends the flow.
    subject: Callable[[C, dict[str, Any]], Any] | None = None
    # After each accepted answer, step by step: the turn (with the answers so far and what
    # was kept), the field answered and the platform. A flow that must act before it is
    # saved (an urgent alert) does so here, in the turn's transaction.
    on_answer: Callable[[C, str, str], Progress] | None = None
    # A form (a Slack modal) keeps nothing between its redraws: what it carries on with
    # instead of `Turn.kept` (the person's open draft made from a form on this platform).
    form_kept: Callable[[C, str], dict[str, Any]] | None = None
    # On 'cancel': a note to say before the usual reply.
    on_cancel: Callable[[C], str | None] | None = None
    # When the chat's state has expired: a note to carry on with instead of clearing it
    # (an unfinished safeguarding report), or None to clear it as usual.
    past_expiry: Callable[[C], str | None] | None = None
    # Called when the flow is cancelled or expires unsaved (a report's held photos go).
    on_leave: Callable[[C], None] | None = None

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"flow {self.name} has two fields with one name")
        if not self.read_only and not (self.fields and isinstance(self.fields[-1], ConfirmField)):
            raise ValueError(f"flow {self.name} must end with a confirm step")

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def concrete(self, answers: Answers, turn: Turn | None = None) -> list[Field]:
        """The questions as they stand now: conditions applied, per-item questions expanded."""
        out: list[Field] = []
        for declared in self.fields:
            if declared.applies(answers):
                out.extend(declared.expand(turn, answers))
        return out

    def next_field(self, answers: Answers, turn: Turn | None = None) -> Field | None:
        """The first question not yet answered; the confirm step last; None when a
        read-only flow has all it needs."""
        fields = self.concrete(answers, turn)
        for candidate in fields:
            if candidate.name not in answers and not isinstance(candidate, ConfirmField):
                return candidate
        if self.read_only:
            return None
        return self.fields[-1]

    def applicable_answers(self, answers: Answers, turn: Turn | None = None) -> Answers:
        """Answers to fields that still apply, e.g. follow-ups dropped once 'no' is chosen."""
        current = dict(answers)
        while True:
            names = [f.name for f in self.concrete(current, turn)]
            kept = {name: current[name] for name in names if name in current}
            if kept == current:
                return kept
            current = kept

    def answered_fields(self, answers: Answers, turn: Turn) -> list[tuple[Field, object]]:
        """Each question that has an answer, in order, for a summary."""
        return [
            (f, answers[f.name])
            for f in self.concrete(answers, turn)
            if f.name in answers and f.in_summary
        ]


StaffFlow = Flow[Turn, str]


@dataclass(frozen=True)
class FlowRegistry:
    """`flows` are offered, listed in help and started by their words; `hidden` flows run
    the same way but only start from a button (a reply to a parent's message)."""

    flows: Sequence[Flow[Any, Any]]
    hidden: Sequence[Flow[Any, Any]] = ()

    def for_actor(self, actor: StaffActor) -> list[Flow]:
        return [flow for flow in self.flows if flow.may_start(actor)]

    def menu(self, turn: Turn) -> list[Flow]:
        """What the menu offers this person now, in order."""
        if "menu" not in turn.memo:
            turn.memo["menu"] = [
                flow
                for flow in self.for_actor(turn.actor)
                if flow.offered is None or flow.offered(turn)
            ]
        return list(turn.memo["menu"])

    def get(self, name: str) -> Flow | None:
        return next((flow for flow in (*self.flows, *self.hidden) if flow.name == name), None)

    def match(self, actor: StaffActor, text: str, turn: Turn | None = None) -> Flow | None:
        """A menu number (as the menu shows it now) or a flow's name or trigger word."""
        said = " ".join(text.strip().lower().lstrip("/").split())
        available = self.for_actor(actor)
        numbered = self.menu(turn) if turn is not None else available
        if said.isdecimal() and 1 <= int(said) <= len(numbered):
            return numbered[int(said) - 1]
        for flow in available:
            if said == flow.name or said in flow.triggers or said == flow.title.lower():
                return flow
        return None
