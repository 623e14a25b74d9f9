"""A flow filled in all at once, as a form (a Slack modal), beside the step-by-step engine.

The engine asks one field at a time; a form shows every question that applies and receives
the answers together. Both use the same `Flow`: the same fields and their expansion
(per-item and repeated questions), the same parsing, checks, defaults and conditions, and
the same submit, so a rule changed in a flow holds everywhere.

Raw values come in as a person could have typed them (a choice's value, 'yes'/'no', an ISO
date, a record's id), or lists of them for multi-choice and several pupils. Because which
questions apply depends on the answers, a form is worked out to a fixed point: parse what
applies, recompute what applies from those answers, until nothing changes.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sendbot.clock import Clock
from sendbot.conversations.fields import (
    Accept,
    Answers,
    ConfirmField,
    Field,
    Option,
    Reject,
    skips,
)
from sendbot.conversations.flow import Flow, FlowRegistry, SubmitRefused
from sendbot.conversations.turn import Turn
from sendbot.domain.text import storable, storable_values
from sendbot.services import audit, pupils
from sendbot.services.actors import StaffActor
from sendbot.services.policy import Action, PermissionDenied
from sendbot.services.school_time import school_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

REQUIRED = "Please answer this question."
NOT_VISIBLE = "Please choose a pupil from the list: type part of their name to search."
NOT_OFFERED = "Please choose one from the list: type part of its name to search."
MAX_ROUNDS = 12
SEARCHED_KINDS = ("pupil", "pupils", "lookup")


@dataclass(frozen=True)
class FieldView:
    """One question as a form shows it now: wording, options and current value."""

    field: Field
    question: str
    options: tuple[Option, ...] = ()
    value: Any = None  # raw: a string, or a list for several choices
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # id -> label, searched kinds
    required: bool = True


@dataclass(frozen=True)
class FormCheck:
    """Typed answers, a message per field that needs fixing, and the questions that apply."""

    answers: Answers
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    views: tuple[FieldView, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def names(self) -> list[str]:
        return [v.field.name for v in self.views]


@dataclass(frozen=True)
class FormResult:
    done: bool
    confirmation: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    check: FormCheck | None = None


def with_answers(turn: Turn, answers: Answers) -> Turn:
    """The turn carrying the answers so far, for questions that depend on earlier ones."""
    if "answers" in {f.name for f in dataclasses.fields(Turn)}:
        return dataclasses.replace(turn, answers=dict(answers))
    return turn


def save_label(flow: Flow) -> str:
    last = flow.fields[-1] if flow.fields else None
    if isinstance(last, ConfirmField):
        return last.save_label
    return "Show"


def _as_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, list | tuple):
        return ", ".join(str(v) for v in raw)
    return str(raw)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _action(f: Field) -> Action:
    return Action(getattr(f, "action", Action.FIND_PUPIL.value))


def _ids(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(",")
    return [str(v).strip() for v in values if str(v).strip()]


def _lookup_allowed(turn: Turn, f: Field, text: str) -> bool:
    """A record id is accepted only if the field would offer it to this person."""
    suggest = getattr(f, "suggest", None)
    if suggest is not None and text in {o.value for o in suggest(turn, turn.answers)}:
        return True
    label_of, search = getattr(f, "label_of", None), getattr(f, "search", None)
    if label_of is None or search is None:
        return False
    try:
        label = label_of(turn, int(text))
    except Exception:  # an unknown id: the field's own lookup decides how it fails
        return False
    return text in {o.value for o in search(turn, label)}


def _one_pupil(turn: Turn, f: Field, raw: Any) -> Accept | Reject:
    text = _as_text(raw).strip()
    if not text.isdecimal():
        return Reject(NOT_VISIBLE)
    try:
        return Accept(pupils.get_visible(turn.session, turn.actor, int(text), _action(f)).id)
    except PermissionDenied:
        return Reject(NOT_VISIBLE)


def _some_pupils(turn: Turn, f: Field, raw: Any) -> Accept | Reject:
    chosen: list[int] = []
    for text in _ids(raw):
        found = _one_pupil(turn, f, text)
        if isinstance(found, Reject):
            return found
        if found.value not in chosen:
            chosen.append(found.value)
    return Accept(chosen) if chosen else Reject(REQUIRED)


def _one_record(turn: Turn, f: Field, raw: Any) -> Accept | Reject:
    text = _as_text(raw).strip()
    if not text.isdecimal() or not _lookup_allowed(turn, f, text):
        return Reject(NOT_OFFERED)
    return Accept(int(text))


# Kinds whose raw value is a record's id: re-authorised, never trusted for being offered.
_BY_ID = {"pupil": _one_pupil, "pupils": _some_pupils, "lookup": _one_record}


def parse_one(turn: Turn, f: Field, raw: Any) -> Accept | Reject:
    """One raw value through the field's own parsing; a form cannot ask a follow-up, and
    a chosen record is re-authorised here, never trusted because it was in a list."""
    by_id = _BY_ID.get(f.kind)
    if by_id is not None:
        return by_id(turn, f, raw)
    if f.kind == "multi_choice" and isinstance(raw, list | tuple) and not raw:
        raw = "none"
    outcome = f.parse(turn, _as_text(raw), {})
    if isinstance(outcome, Accept | Reject):
        return outcome
    return Reject(outcome.text)


def _to_raw(f: Field, value: Any) -> Any:
    """A typed answer back into the raw form a form element shows."""
    if value is None:
        return None
    if f.kind == "yes_no":
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _shown(f: Field, raw: dict[str, Any], value: Any) -> Any:
    """What the form shows: what the person entered, else the default it stands for."""
    given = raw.get(f.name)
    return given if not _empty(given) else _to_raw(f, value)


def _inputs(flow: Flow, turn: Turn, answers: Answers) -> list[Field]:
    """Like `Flow.concrete`, but a question that cannot be worked out from a half-filled
    form yet (its expansion needs an answer still missing) is left out until it can."""
    out: list[Field] = []
    for declared in flow.fields:
        if isinstance(declared, ConfirmField) or not declared.applies(answers):
            continue
        try:
            out.extend(declared.expand(turn, answers))
        except Exception:  # depends on an answer not given yet: ask it once that is given
            log.debug("field %s of %s not ready yet", declared.name, flow.name, exc_info=True)
    return out


@dataclass
class _Reading:
    """One pass over a form: what was read so far, and whether a question was left open."""

    partial: bool
    answers: Answers = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)
    gap: bool = False

    def lenient(self) -> bool:
        """Whether a question that cannot be read yet is left for later, not an error."""
        return self.gap or self.partial

    def open_question(self, name: str, message: str) -> None:
        self.gap = True
        if not self.partial:
            self.errors[name] = message


def _pass(
    turn: Turn, fields: list[Field], raw: dict[str, Any], partial: bool
) -> tuple[Answers, dict[str, str], dict[str, str], dict[str, Any]]:
    """One reading of the form in order. The engine asks a question only once the ones
    before it are answered; here a question after a gap may not be checkable yet, and is
    then left for the person to reach once the gap is filled."""
    reading = _Reading(partial)
    for f in fields:
        _read(turn, f, raw, reading)
    return reading.answers, reading.errors, reading.notes, reading.shown


def _read(turn: Turn, f: Field, raw: dict[str, Any], reading: _Reading) -> None:
    here = with_answers(turn, reading.answers)
    try:
        value, settled = _given(here, f, raw.get(f.name), reading)
        if settled:
            return
        outcome = parse_one(here, f, value)
    except Exception:
        if not reading.lenient():
            raise
        log.debug("field %s not readable before earlier answers", f.name, exc_info=True)
        return
    if isinstance(outcome, Accept) and f.check is not None and outcome.value is not None:
        checked = _checked(here, f, outcome, raw, reading)
        if checked is None:
            return
        outcome = checked
    if isinstance(outcome, Reject):
        reading.open_question(f.name, outcome.message)
        return
    reading.answers[f.name] = outcome.value
    reading.shown[f.name] = _shown(f, raw, outcome.value)
    note = f.after(outcome.value) if f.after else None
    if note:
        reading.notes[f.name] = note


def _given(here: Turn, f: Field, value: Any, reading: _Reading) -> tuple[Any, bool]:
    """The value to parse (a default for an empty box), or True when nothing is left to
    read: a skip, an empty optional question, or a missing answer."""
    if skips(f, value):
        reading.answers[f.name] = None
        return value, True
    empty = _empty(value) or (isinstance(value, list) and not value and f.kind != "multi_choice")
    if not empty:
        return value, False
    if f.default is not None:
        return f.default(here, reading.answers), False
    if f.optional:
        reading.answers[f.name] = None
    else:
        reading.open_question(f.name, REQUIRED)
    return value, True


def _checked(
    here: Turn, f: Field, outcome: Accept, raw: dict[str, Any], reading: _Reading
) -> Accept | Reject | None:
    """The field's check of an accepted answer; None when it cannot be checked yet (it is
    shown as entered, and checked once the earlier answers exist)."""
    assert f.check is not None
    try:
        message = f.check(here, outcome.value)
    except Exception:
        if not reading.lenient():
            raise
        log.debug("field %s not checkable yet", f.name, exc_info=True)
        reading.shown[f.name] = _shown(f, raw, outcome.value)
        return None
    return Reject(message) if message else outcome


def check(turn: Turn, flow: Flow, raw: dict[str, Any], *, partial: bool = False) -> FormCheck:
    """Every question that applies, parsed in order, worked out to a fixed point.

    With `partial`, a missing or wrong answer is not an error: used while the form is being
    filled in, to decide which questions to show.
    """
    raw = storable_values(raw)  # as typed into a form, but without what no database keeps
    answers: Answers = {}
    fields = _inputs(flow, turn, answers)
    for _ in range(MAX_ROUNDS):
        answers, errors, notes, shown = _pass(turn, fields, raw, partial)
        again = _inputs(flow, turn, answers)
        if [f.name for f in again] == [f.name for f in fields]:
            break
        fields = again
    final = with_answers(turn, answers)
    views = tuple(
        view
        for f in fields
        if (view := _view(final, f, answers, shown.get(f.name, raw.get(f.name)))) is not None
    )
    applicable = (
        _applicable(flow, final, answers) if partial else flow.applicable_answers(answers, final)
    )
    return FormCheck(applicable, errors, notes, views)


def _applicable(flow: Flow, turn: Turn, answers: Answers) -> Answers:
    """`Flow.applicable_answers` for a half-filled form: a question that cannot be worked
    out yet (it needs an answer still missing) keeps no answer, rather than failing."""
    current = dict(answers)
    while True:
        names = {f.name for f in _inputs(flow, turn, current)}
        kept = {name: value for name, value in current.items() if name in names}
        if kept == current:
            return kept
        current = kept


def _labels(turn: Turn, f: Field, value: Any) -> dict[str, str]:
    """Names for the records already chosen in a searched field (re-authorised)."""
    labels: dict[str, str] = {}
    if _empty(value):
        return labels
    for text in _ids(value):
        if not text.isdecimal():
            continue
        try:
            if f.kind in ("pupil", "pupils"):
                labels[text] = pupils.get_visible(
                    turn.session, turn.actor, int(text), _action(f)
                ).label
            elif f.kind == "lookup" and _lookup_allowed(turn, f, text):
                labels[text] = f.show(turn, int(text))
        except PermissionDenied:
            continue
    return labels


def _view(turn: Turn, f: Field, answers: Answers, value: Any) -> FieldView | None:
    """How the question looks now; None while its wording or options need answers the
    form does not have yet, or when a choice has nothing to choose from."""
    before = {k: v for k, v in answers.items() if k != f.name}
    here = with_answers(turn, before)
    try:
        question = f.ask(here, before) if hasattr(f, "ask") else f.question
        options = () if f.kind in SEARCHED_KINDS else tuple(f.options(here, before))
        labels = _labels(here, f, value) if f.kind in SEARCHED_KINDS else {}
    except Exception:
        log.debug("field %s not ready to show", f.name, exc_info=True)
        return None
    if f.kind == "text":
        options = tuple(o for o in options if o.value != "skip")
    if f.kind in ("choice", "multi_choice", "yes_no") and not options:
        return None
    no_minimum = f.kind == "multi_choice" and getattr(f, "min_choices", 0) == 0
    required = not f.optional and not (no_minimum and not getattr(f, "none_label", None))
    return FieldView(
        field=f,
        question=question,
        options=options,
        value=value,
        labels=labels,
        required=required,
    )


def _kept(flow: Flow, turn: Turn, platform: str) -> Turn:
    """The turn with what the flow carries on with from an earlier redraw of its form."""
    if flow.form_kept is None:
        return turn
    return dataclasses.replace(turn, kept=flow.form_kept(turn, platform))


def _progress(flow: Flow, turn: Turn, checked: FormCheck, platform: str) -> FormCheck:
    """A form's answers so far through the flow's `on_answer`, as a chat's are after each
    answer (an urgent alert must not wait for the form to be submitted); its note goes
    beside the last question answered. An optional question left empty (None) is not an
    answer: a form shows every question at once, so the ones after the last answer are
    still blank, and are read as skipped only when the form is submitted."""
    if flow.on_answer is None:
        return checked
    answered = [
        v.field.name for v in checked.views if checked.answers.get(v.field.name) is not None
    ]
    if not answered:
        return checked
    here = _kept(flow, with_answers(turn, checked.answers), platform)
    progress = flow.on_answer(here, answered[-1], platform)
    if not progress.note:
        return checked
    notes = {**checked.notes, answered[-1]: progress.note}
    return dataclasses.replace(checked, notes=notes)


class Forms:
    """Forms over the database: each call is one transaction, like an engine turn.
    `platform` names where the forms are shown; what a flow keeps from a form (a draft) is
    recorded as made in a form there ("slack form"), apart from its chats."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        registry: FlowRegistry,
        clock: Clock,
        platform: str = "form",
    ):
        self.sessions = sessions
        self.registry = registry
        self.clock = clock
        self.where = f"{platform} form"

    def _turn(self, session: Session, actor: StaffActor) -> Turn:
        now = self.clock.now()
        tz = school_zone(session, actor.school_id)
        return Turn(session=session, actor=actor, now=now, today=now.astimezone(tz).date(), tz=tz)

    def flow_for(self, actor: StaffActor, name: str) -> Flow | None:
        flow = self.registry.get(name)
        return flow if flow is not None and flow.may_start(actor) else None

    def preview(self, actor: StaffActor, flow: Flow, raw: dict[str, Any]) -> FormCheck:
        """What the form looks like so far: the questions that apply and any note to show."""
        with self.sessions() as session, session.begin():
            turn = self._turn(session, actor)
            return _progress(flow, turn, check(turn, flow, raw, partial=True), self.where)

    def submit(self, actor: StaffActor, flow: Flow, raw: dict[str, Any]) -> FormResult:
        """Check everything, then save with the flow's own submit, all in one transaction.

        A refusal from the service keeps nothing and is reported against the first
        question, since a form has no single question to repeat.
        """
        if not flow.may_start(actor):
            raise PermissionDenied("That isn't something you can do here.")
        with self.sessions() as session, session.begin():
            turn = self._turn(session, actor)
            checked = check(turn, flow, raw)
            if not checked.ok:
                return FormResult(False, errors=checked.errors, check=checked)
            try:
                with session.begin_nested():
                    here = _kept(flow, with_answers(turn, checked.answers), self.where)
                    confirmation = flow.submit(here, checked.answers)
            except (SubmitRefused, PermissionDenied, ValueError) as exc:
                if isinstance(exc, PermissionDenied) and exc.audit:
                    audit.record(session, **exc.audit)  # the refusal outlives the rollback
                if flow.read_only or not checked.views:
                    return FormResult(True, confirmation=str(exc), check=checked)
                return FormResult(
                    False, errors={checked.views[0].field.name: str(exc)}, check=checked
                )
            return FormResult(True, confirmation=confirmation, check=checked)

    def search_options(
        self, actor: StaffActor, flow: Flow, raw: dict[str, Any], field_name: str, query: str
    ) -> list[tuple[str, str]]:
        """(id, label) for a searched question: only records this person may see."""
        query = storable(query)
        with self.sessions() as session, session.begin():
            turn = self._turn(session, actor)
            checked = check(turn, flow, raw, partial=True)
            f = next((v.field for v in checked.views if v.field.name == field_name), None)
            if f is None:
                return []
            here = with_answers(turn, {k: v for k, v in checked.answers.items() if k != field_name})
            if f.kind in ("pupil", "pupils"):
                if len(query.strip()) < 2:
                    return []
                found = pupils.search(session, actor, query, action=_action(f))
                return [(str(p.id), p.label) for p in found]
            if f.kind == "lookup":
                if not query.strip():
                    return [(o.value, o.label) for o in f.suggest(here, here.answers)]  # type: ignore[attr-defined]
                return [(o.value, o.label) for o in f.search(here, query)]  # type: ignore[attr-defined]
            return []

    def pupil_options(
        self, actor: StaffActor, query: str, limit: int = 25
    ) -> list[tuple[str, str]]:
        """(id, label) for the pupils this person may find whose names match, best first."""
        query = storable(query)
        if len(query.strip()) < 2:
            return []
        with self.sessions() as session, session.begin():
            return [(str(p.id), p.label) for p in pupils.search(session, actor, query, limit)]
