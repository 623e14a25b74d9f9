"""A flow filled in all at once, as a form (a Slack modal), beside the step-by-step engine.

The engine asks one field at a time; a form shows every field that applies and receives
all the answers together. Both use the same `Flow`: the same fields, the same parsing, the
same `when` conditions and the same submit, so a rule changed in a flow holds everywhere.
Raw values come in as the strings a person could have typed (a choice's value, 'yes'/'no',
an ISO date, a pupil id), or lists of them for multi-choice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock
from sendbot.conversations.fields import (
    Accept,
    Answers,
    ConfirmField,
    Field,
    Reject,
)
from sendbot.conversations.flow import Flow, FlowRegistry, SubmitRefused
from sendbot.conversations.turn import Turn
from sendbot.services import pupils
from sendbot.services.actors import StaffActor
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import School

REQUIRED = "Please answer this question."
NOT_VISIBLE = "Please choose a pupil from the list: type part of their name to search."


@dataclass(frozen=True)
class FormCheck:
    """Typed answers to the fields that apply, and a message per field that needs fixing."""

    answers: Answers
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class FormResult:
    saved: bool
    confirmation: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def input_fields(flow: Flow) -> tuple[Field, ...]:
    """Every field a person fills in (the confirm step is the form's own Save button)."""
    return tuple(f for f in flow.fields if not isinstance(f, ConfirmField))


def confirm_field(flow: Flow) -> ConfirmField:
    last = flow.fields[-1]
    assert isinstance(last, ConfirmField)
    return last


def _as_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, list | tuple):
        return ", ".join(str(v) for v in raw)
    return str(raw)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def with_answers(turn: Turn, answers: Answers) -> Turn:
    """The turn carrying the answers so far, where the Turn has room for them."""
    if "answers" in {f.name for f in dataclasses.fields(Turn)}:
        return dataclasses.replace(turn, answers=dict(answers))
    return turn


def parse_one(turn: Turn, f: Field, raw: Any) -> Accept | Reject:
    """One raw value through the field's own parsing; a form cannot ask a follow-up."""
    if f.kind == "pupil":
        text = _as_text(raw).strip()
        if not text.isdigit():
            return Reject(NOT_VISIBLE)
        try:
            return Accept(pupils.get_visible(turn.session, turn.actor, int(text)).id)
        except PermissionDenied:
            return Reject(NOT_VISIBLE)
    if f.kind == "multi_choice" and isinstance(raw, list | tuple) and not raw:
        raw = "none"
    outcome = f.parse(turn, _as_text(raw), {})
    if isinstance(outcome, Accept | Reject):
        return outcome
    return Reject(outcome.text)


def check(turn: Turn, flow: Flow, raw: dict[str, Any], *, partial: bool = False) -> FormCheck:
    """Parse every field that applies, in order, so a `when` sees the answers before it.

    With `partial`, a missing answer is not an error: used while the form is being filled,
    to decide which follow-up fields to show.
    """
    answers: Answers = {}
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    for f in input_fields(flow):
        if not f.applies(answers):
            continue
        value = raw.get(f.name)
        if _empty(value) and not (f.kind == "multi_choice" and value is not None):
            if not partial:
                errors[f.name] = REQUIRED
            continue
        outcome = parse_one(with_answers(turn, answers), f, value)
        if isinstance(outcome, Reject):
            if not partial:
                errors[f.name] = outcome.message
            continue
        answers[f.name] = outcome.value
        note = f.after(outcome.value) if f.after else None
        if note:
            notes[f.name] = note
    return FormCheck(flow.applicable_answers(answers), errors, notes)


def applicable_fields(flow: Flow, answers: Answers) -> tuple[Field, ...]:
    return tuple(f for f in input_fields(flow) if f.applies(answers))


class Forms:
    """Forms over the database: each call is one transaction, like an engine turn."""

    def __init__(self, sessions: sessionmaker[Session], registry: FlowRegistry, clock: Clock):
        self.sessions = sessions
        self.registry = registry
        self.clock = clock

    def _turn(self, session: Session, actor: StaffActor) -> Turn:
        now = self.clock.now()
        school = session.get(School, actor.school_id)
        tz = ZoneInfo(school.timezone if school else "Europe/London")
        return Turn(session=session, actor=actor, now=now, today=now.astimezone(tz).date())

    def flow_for(self, actor: StaffActor, name: str) -> Flow | None:
        flow = self.registry.get(name)
        return flow if flow is not None and flow.may_start(actor) else None

    def preview(self, actor: StaffActor, flow: Flow, raw: dict[str, Any]) -> FormCheck:
        """What the form looks like so far: which fields apply, and any note to show."""
        with self.sessions() as session, session.begin():
            return check(self._turn(session, actor), flow, raw, partial=True)

    def validate(self, actor: StaffActor, flow: Flow, raw: dict[str, Any]) -> FormCheck:
        with self.sessions() as session, session.begin():
            return check(self._turn(session, actor), flow, raw)

    def submit(self, actor: StaffActor, flow: Flow, raw: dict[str, Any]) -> FormResult:
        """Check everything, then save with the flow's own submit, all in one transaction.

        A refusal from the service keeps nothing and is reported against the first field,
        since a form has no single question to repeat.
        """
        if not flow.may_start(actor):
            raise PermissionDenied("That isn't something you can do here.")
        with self.sessions() as session, session.begin():
            turn = self._turn(session, actor)
            checked = check(turn, flow, raw)
            if not checked.ok:
                return FormResult(False, errors=checked.errors)
            try:
                with session.begin_nested():
                    confirmation = flow.submit(with_answers(turn, checked.answers), checked.answers)
            except (SubmitRefused, PermissionDenied, ValueError) as exc:
                first = applicable_fields(flow, checked.answers)
                key = first[0].name if first else confirm_field(flow).name
                return FormResult(False, errors={key: str(exc)})
            return FormResult(True, confirmation=confirmation)

    def summary(self, actor: StaffActor, flow: Flow, answers: Answers) -> str:
        with self.sessions() as session, session.begin():
            return confirm_field(flow).summary(self._turn(session, actor), answers)

    def pupil_options(
        self, actor: StaffActor, query: str, limit: int = 25
    ) -> list[tuple[str, str]]:
        """(id, label) for the pupils this person may see whose names match, best first."""
        if len(query.strip()) < 2:
            return []
        with self.sessions() as session, session.begin():
            return [(str(p.id), p.label) for p in pupils.search(session, actor, query, limit)]
