"""Typed fields a flow is declared from; each knows how to ask, parse and show its answer.

Fields are platform-neutral: the console and Telegram ask them one at a time, Slack lays
them out as a modal. Answers are stored as JSON (ids, strings, ISO dates, booleans).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sendbot.conversations.turn import Turn
from sendbot.domain.dates import DateNotUnderstood, parse_british_date
from sendbot.services import pupils

Answers = dict[str, Any]


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Accept:
    value: Any


@dataclass(frozen=True)
class Reject:
    message: str


@dataclass(frozen=True)
class Clarify:
    """Stay on this field and ask a narrower question (e.g. which of several pupils)."""

    text: str
    options: tuple[Option, ...]
    scratch: dict[str, Any]


Outcome = Accept | Reject | Clarify


def _words(raw: str) -> str:
    return " ".join(raw.strip().lower().split())


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    label: str
    question: str
    help: str = ""
    when: Callable[[Answers], bool] | None = None
    after: Callable[[Any], str | None] | None = None
    kind: str = "text"

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return ()

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        raise NotImplementedError  # every concrete field kind defines its own parsing

    def show(self, turn: Turn, value: Any) -> str:
        return str(value)


@dataclass(frozen=True, kw_only=True)
class PupilField(Field):
    """A pupil found by part of their name, among only the pupils the actor may see."""

    kind: str = "pupil"
    max_choices: int = 8

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        candidates: list[int] = scratch.get("candidates", [])
        if raw.strip().isdigit() and int(raw) in candidates:
            return Accept(pupils.get_visible(turn.session, turn.actor, int(raw)).id)
        query = raw.strip()
        if candidates and query.isdigit():
            return Reject("Please choose one of the pupils listed: type its number.")
        if len(query) < 2:
            return Reject("Please type at least two letters of the pupil's first name or surname.")
        found = pupils.search(turn.session, turn.actor, query)
        if not found:
            return Reject(
                f"I couldn't find a pupil called '{query}' among the pupils you teach or "
                "support. Try part of their first name or surname."
            )
        if len(found) == 1:
            return Accept(found[0].id)
        if len(found) > self.max_choices:
            return Reject(
                f"Lots of pupils match '{query}'. Please type more of the name, "
                "for example their first name and surname."
            )
        return Clarify(
            text=f"{len(found)} pupils match '{query}'. Which one do you mean?",
            options=tuple(Option(str(p.id), p.label) for p in found),
            scratch={"candidates": [p.id for p in found]},
        )

    def show(self, turn: Turn, value: Any) -> str:
        return pupils.get_visible(turn.session, turn.actor, int(value)).label


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    choices: Sequence[Option] = ()
    kind: str = "choice"

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return tuple(self.choices)

    def _match(self, raw: str) -> Option | None:
        said = _words(raw)
        for option in self.choices:
            if said in (option.value.lower(), _words(option.label)):
                return option
        return None

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        option = self._match(raw)
        if option is None:
            return Reject("Please choose one of the options: type its number or its name.")
        return Accept(option.value)

    def show(self, turn: Turn, value: Any) -> str:
        return next((o.label for o in self.choices if o.value == value), str(value))


@dataclass(frozen=True, kw_only=True)
class MultiChoiceField(ChoiceField):
    """Several options, typed as numbers or names separated by commas."""

    kind: str = "multi_choice"
    min_choices: int = 0

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        if _words(raw) in ("none", "no", "-") and self.min_choices == 0:
            return Accept([])
        picked: list[str] = []
        for part in re.split(r"[,;]", raw):
            if not part.strip():
                continue
            text = part.strip()
            if text.isdigit() and 1 <= int(text) <= len(self.choices):
                option: Option | None = self.choices[int(text) - 1]
            else:
                option = self._match(text)
            if option is None:
                return Reject(
                    f"'{text}' is not one of the options. Type numbers separated by commas."
                )
            if option.value not in picked:
                picked.append(option.value)
        if len(picked) < self.min_choices:
            return Reject(f"Please choose at least {self.min_choices}.")
        return Accept(picked)

    def show(self, turn: Turn, value: Any) -> str:
        labels = [super(MultiChoiceField, self).show(turn, v) for v in value]
        return ", ".join(labels) if labels else "none"


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    max_length: int = 1000
    min_length: int = 1
    kind: str = "text"

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        text = raw.strip()
        if len(text) < self.min_length:
            return Reject("Please write a few words.")
        if len(text) > self.max_length:
            over = len(text) - self.max_length
            return Reject(
                f"That is {len(text):,} characters; the limit is {self.max_length:,}. "
                f"Please shorten it by {over:,} characters and send it again."
            )
        return Accept(text)


@dataclass(frozen=True, kw_only=True)
class DateField(Field):
    """A British date typed the way people type it; limits say which days make sense."""

    kind: str = "date"
    direction: str = "past"  # how a bare weekday is read: "past" (last Mon) or "future"
    not_future: bool = False
    max_days_back: int | None = None

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        try:
            day = parse_british_date(raw, turn.today, direction=self.direction)
        except DateNotUnderstood as exc:
            return Reject(str(exc))
        if self.not_future and day > turn.today:
            return Reject("That date is in the future. Please give today's date or an earlier one.")
        if self.max_days_back is not None and (turn.today - day).days > self.max_days_back:
            return Reject(
                f"That is more than {self.max_days_back} days ago. Please give a date in the "
                f"last {self.max_days_back} days."
            )
        return Accept(day.isoformat())

    def show(self, turn: Turn, value: Any) -> str:
        return date.fromisoformat(value).strftime("%a %-d %b %Y")


@dataclass(frozen=True, kw_only=True)
class NumberField(Field):
    kind: str = "number"
    minimum: int = 0
    maximum: int = 10_000

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        text = raw.strip()
        if not re.fullmatch(r"-?\d+", text):
            return Reject("Please type a whole number, like 30.")
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            return Reject(f"Please type a number from {self.minimum} to {self.maximum}.")
        return Accept(number)


YES = ("yes", "y", "yeah", "yep", "true")
NO = ("no", "n", "nope", "false")


@dataclass(frozen=True, kw_only=True)
class YesNoField(Field):
    kind: str = "yes_no"

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return (Option("yes", "Yes"), Option("no", "No"))

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        said = _words(raw)
        if said in YES:
            return Accept(True)
        if said in NO:
            return Accept(False)
        return Reject("Please answer yes or no.")

    def show(self, turn: Turn, value: Any) -> str:
        return "Yes" if value else "No"


SAVE = "save"
CHANGE = "change"


@dataclass(frozen=True, kw_only=True)
class ConfirmField(Field):
    """The last step: a summary, then save, change an answer, or cancel."""

    kind: str = "confirm"
    summary: Callable[[Turn, Answers], str] = field(default=lambda turn, answers: "")
    save_label: str = "Save"

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return (
            Option(SAVE, self.save_label),
            Option(CHANGE, "Change an answer"),
            Option("cancel", "Cancel"),
        )

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        said = _words(raw)
        if said in (SAVE, _words(self.save_label), *YES):
            return Accept(SAVE)
        if said in (CHANGE, "change an answer", "edit"):
            return Accept(CHANGE)
        return Reject(f"Type 1 to {self.save_label.lower()}, 2 to change an answer, or cancel.")
