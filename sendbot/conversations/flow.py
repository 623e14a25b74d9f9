"""A flow is declared once: its fields in order, who may start it, and what saving does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sendbot.conversations.fields import Answers, ConfirmField, Field
from sendbot.conversations.turn import Turn
from sendbot.services.actors import StaffActor


class SubmitRefused(Exception):
    """The service said no in a way the person can act on; their answers are kept."""


@dataclass(frozen=True)
class Flow:
    name: str
    title: str
    triggers: tuple[str, ...]
    fields: tuple[Field, ...]
    submit: Callable[[Turn, Answers], str]
    intro: str = ""
    may_start: Callable[[StaffActor], bool] = lambda actor: True

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"flow {self.name} has two fields with one name")
        if not isinstance(self.fields[-1], ConfirmField):
            raise ValueError(f"flow {self.name} must end with a confirm step")

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def next_field(self, answers: Answers) -> Field:
        """The first field that applies and has no answer yet (the confirm step last)."""
        for candidate in self.fields:
            if candidate.applies(answers) and candidate.name not in answers:
                return candidate
        return self.fields[-1]

    def applicable_answers(self, answers: Answers) -> Answers:
        """Answers to fields that still apply, e.g. follow-ups dropped once 'no' is chosen."""
        return {
            f.name: answers[f.name] for f in self.fields if f.name in answers and f.applies(answers)
        }


@dataclass(frozen=True)
class FlowRegistry:
    flows: Sequence[Flow]

    def for_actor(self, actor: StaffActor) -> list[Flow]:
        return [flow for flow in self.flows if flow.may_start(actor)]

    def get(self, name: str) -> Flow | None:
        return next((flow for flow in self.flows if flow.name == name), None)

    def match(self, actor: StaffActor, text: str) -> Flow | None:
        said = " ".join(text.strip().lower().lstrip("/").split())
        available = self.for_actor(actor)
        if said.isdigit() and 1 <= int(said) <= len(available):
            return available[int(said) - 1]
        for flow in available:
            if said == flow.name or said in flow.triggers or said == flow.title.lower():
                return flow
        return None
