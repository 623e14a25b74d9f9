"""Typed fields a flow is declared from; each knows how to ask, parse and show its answer.

Fields are platform-neutral: the console and Telegram ask them one at a time, Slack lays
them out as a modal. Answers are stored as JSON (ids, strings, ISO dates, booleans).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from sendbot.conversations.turn import Turn
from sendbot.domain.dates import (
    DateAmbiguous,
    DateNotUnderstood,
    parse_british_date,
    parse_when,
)
from sendbot.services import pupils
from sendbot.services.policy import Action, PermissionDenied

Answers = dict[str, Any]

NO_LONGER_CHOOSABLE = "a pupil you can no longer choose"


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


# Words that take a field's default (an empty message too) or skip an optional field.
DEFAULT_WORDS = ("", "ok", "okay", "default", "usual", "same")
SKIP_WORDS = ("skip", "none", "no", "n/a", "-", "nothing")


def skips(field: Field, raw: object) -> bool:
    """Whether what was typed into an optional question means 'no answer' ('skip', 'n/a').

    One reading for every rendering: step by step and a form's text box alike, so 'skip'
    is never kept as the answer itself. Chosen values (a form's list of choices) are not
    typed and never skip."""
    return field.optional and isinstance(raw, str) and _words(raw) in field.skip_words


@dataclass(frozen=True, kw_only=True)
class Field:
    """One question. `needs` names earlier answers it depends on; it applies only once
    they are given. `default` is the answer typed for the person when they send 'ok' (or an
    empty message); `optional` lets them 'skip' (the answer is then None)."""

    name: str
    label: str
    question: str
    help: str = ""
    when: Callable[[Answers], bool] | None = None
    after: Callable[[Any], str | None] | None = None
    kind: str = "text"
    needs: tuple[str, ...] = ()
    default: Callable[[Turn, Answers], str] | None = None
    optional: bool = False
    in_summary: bool = True
    none_text: str = "skipped"  # how a skipped optional answer reads in a summary
    skip_words: tuple[str, ...] = SKIP_WORDS  # what typed means 'no answer', if optional
    # The question worded from earlier answers ("Type 'ok' for the usual 30 minutes").
    question_for: Callable[[Turn, Answers], str] | None = None
    # A check of an accepted answer against the records; a message means "ask again".
    check: Callable[[Turn, Any], str | None] | None = None
    # The options show the records' own numbers ("Concern 12"): a typed number is that
    # number, never a position in the list, and the list is not numbered.
    own_numbers: bool = False

    def ask(self, turn: Turn, answers: Answers) -> str:
        return self.question_for(turn, answers) if self.question_for else self.question

    def applies(self, answers: Answers) -> bool:
        if any(name not in answers for name in self.needs):
            return False
        return self.when is None or self.when(answers)

    def expand(self, turn: Turn | None, answers: Answers) -> tuple[Field, ...]:
        """The concrete questions this declaration stands for, given the answers so far."""
        return (self,)

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return ()

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        # Every question kind parses its own answers; Each and Repeat are expanded into
        # concrete questions by the flow before anything is asked.
        raise TypeError(f"{type(self).__name__} '{self.name}' is never asked directly")

    def show(self, turn: Turn, value: Any) -> str:
        return str(value)

    def show_answer(self, turn: Turn, value: Any) -> str:
        return self.none_text if value is None else self.show(turn, value)


@dataclass(frozen=True, kw_only=True)
class PupilField(Field):
    """A pupil found by part of their name, among only the pupils the actor may see."""

    kind: str = "pupil"
    max_choices: int = 8
    action: str = "pupil.find"  # which permission scopes the search (policy.Action)
    # What to say when nobody in that scope matches; {query} is what was typed.
    not_found: str = (
        "I couldn't find a pupil called '{query}' among the pupils you teach or support. "
        "Try part of their first name or surname."
    )

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        action = Action(self.action)
        candidates: list[int] = scratch.get("candidates", [])
        if raw.strip().isdecimal() and int(raw) in candidates:
            return Accept(pupils.get_visible(turn.session, turn.actor, int(raw), action).id)
        query = raw.strip()
        if candidates and query.isdecimal():
            return Reject("Please choose one of the pupils listed: type its number.")
        if len(query) < 2:
            return Reject("Please type at least two letters of the pupil's first name or surname.")
        found = pupils.search(turn.session, turn.actor, query, action=action)
        if not found:
            return Reject(self.not_found.format(query=query))
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
        """The pupil as the search showed them; one no longer in scope (who left the roll
        while the summary waited) is named no further, and the save says why."""
        try:
            found = pupils.get_visible(turn.session, turn.actor, int(value), Action(self.action))
        except PermissionDenied:
            return NO_LONGER_CHOOSABLE
        return found.label


@dataclass(frozen=True, kw_only=True)
class PupilsField(Field):
    """Several pupils at once, names separated by commas; each must match exactly one."""

    kind: str = "pupils"
    action: str = "pupil.find"
    max_pupils: int = 30

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        action = Action(self.action)
        found: list[int] = []
        for part in re.split(r"[,;\n]", raw):
            query = part.strip()
            if not query:
                continue
            if len(query) < 2:
                return Reject("Please type at least two letters of each name.")
            matches = pupils.search(turn.session, turn.actor, query, action=action)
            if not matches:
                return Reject(f"I couldn't find a pupil called '{query}'. Please check that name.")
            if len(matches) > 1:
                shown = "; ".join(m.label for m in matches[:5])
                more = "" if len(matches) <= 5 else f" and {len(matches) - 5} more"
                return Reject(
                    f"'{query}' matches {len(matches)} pupils: {shown}{more}. "
                    "Please type more of that name."
                )
            if matches[0].id not in found:
                found.append(matches[0].id)
        if not found:
            return Reject("Please type at least one name.")
        if len(found) > self.max_pupils:
            return Reject(f"Please add at most {self.max_pupils} pupils at a time.")
        return Accept(found)

    def show(self, turn: Turn, value: Any) -> str:
        action = Action(self.action)
        return ", ".join(
            pupils.get_visible(turn.session, turn.actor, int(v), action).name for v in value
        )


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """Fixed options, or options worked out from the answers so far (`source`).

    With `source`, a field with no options at all is left out (`skip_if_empty`).
    """

    choices: Sequence[Option] = ()
    kind: str = "choice"
    source: Callable[[Turn, Answers], Sequence[Option]] | None = None
    skip_if_empty: bool = False
    not_an_option: str = ""  # what to say when the answer is none of the options

    def expand(self, turn: Turn | None, answers: Answers) -> tuple[Field, ...]:
        if self.source is None:
            return (self,)
        if turn is None:
            raise ValueError(f"field {self.name} needs a turn to list its options")
        choices = tuple(self.source(turn, answers))
        if not choices and self.skip_if_empty:
            return ()
        return (replace(self, choices=choices, source=None),)

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
            return Reject(
                self.not_an_option
                or "Please choose one of the options: type its number or its name."
            )
        return Accept(option.value)

    def show(self, turn: Turn, value: Any) -> str:
        return next((o.label for o in self.choices if o.value == value), str(value))


@dataclass(frozen=True, kw_only=True)
class MultiChoiceField(ChoiceField):
    """Several options, typed as numbers or names separated by commas."""

    kind: str = "multi_choice"
    min_choices: int = 0
    none_label: str | None = None  # offered as the last option, e.g. "Everyone was here"

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        extra = (Option("none", self.none_label),) if self.none_label else ()
        return tuple(self.choices) + extra

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        said = _words(raw)
        none_number = str(len(self.choices) + 1) if self.none_label else None
        none_words = ("none", "no", "-") + ((_words(self.none_label),) if self.none_label else ())
        if (said in none_words or said == none_number) and self.min_choices == 0:
            return Accept([])
        picked: list[str] = []
        option: Option | None
        for part in re.split(r"[,;\s]+" if re.fullmatch(r"[\d,;\s]+", raw) else r"[,;]", raw):
            if not part.strip():
                continue
            text = part.strip()
            if text.isdecimal():  # a number is a position in the list, never an id
                index = int(text)
                option = self.choices[index - 1] if 1 <= index <= len(self.choices) else None
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

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return (Option("skip", "Skip"),) if self.optional else ()

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
    not_past: bool = False
    max_days_back: int | None = None
    max_days_ahead: int | None = None
    quick: tuple[Option, ...] = ()  # e.g. Today, Yesterday
    too_far_back: str = ""  # the message when a date is more than max_days_back ago

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return self.quick

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        candidates: list[str] = scratch.get("candidates", [])
        try:
            if raw.strip() in candidates:  # one of the readings offered by the question below
                day = date.fromisoformat(raw.strip())
            else:
                day = parse_british_date(raw, turn.today, direction=self.direction)
        except DateAmbiguous as exc:
            return Clarify(
                text=f"{exc}\n\nPlease choose one, or type the date again with its year.",
                options=tuple(Option(d.isoformat(), self._label(turn, d)) for d in exc.candidates),
                scratch={"candidates": [d.isoformat() for d in exc.candidates]},
            )
        except DateNotUnderstood as exc:
            return Reject(str(exc))
        return self._within_limits(turn, day)

    @staticmethod
    def _label(turn: Turn, day: date) -> str:
        passed = " (has passed)" if day < turn.today else ""
        return day.strftime("%a %-d %b %Y") + passed

    def _within_limits(self, turn: Turn, day: date) -> Outcome:
        if self.not_future and day > turn.today:
            return Reject("That date is in the future. Please give today's date or an earlier one.")
        if self.not_past and day < turn.today:
            return Reject("That date has passed. Please give today's date or a later one.")
        if self.max_days_back is not None and (turn.today - day).days > self.max_days_back:
            return Reject(
                self.too_far_back
                or f"That is more than {self.max_days_back} days ago. Please give a date in the "
                f"last {self.max_days_back} days."
            )
        if self.max_days_ahead is not None and (day - turn.today).days > self.max_days_ahead:
            return Reject(
                f"That is more than {self.max_days_ahead} days ahead. Please give a date "
                f"within the next {self.max_days_ahead} days."
            )
        return Accept(day.isoformat())

    def show(self, turn: Turn, value: Any) -> str:
        return date.fromisoformat(value).strftime("%a %-d %b %Y")


@dataclass(frozen=True, kw_only=True)
class WhenField(Field):
    """When something happened: a day, and a time of day if the person knows it ('now',
    'today 12:30', 'yesterday'), in the school's time zone; never in the future. The
    answer is an ISO date ('2026-12-07') or local date and time ('2026-12-07T12:30')."""

    kind: str = "when"
    quick: tuple[Option, ...] = (Option("now", "Just now"),)

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return self.quick

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        local_now = turn.now.astimezone(turn.tz).replace(tzinfo=None)
        try:
            day, at = _given_before(raw) or parse_when(raw, local_now)
        except DateAmbiguous as exc:
            return Reject(
                f"{exc} Please type it again with the year, for example '1/12/2026 14:00'."
            )
        except DateNotUnderstood as exc:
            return Reject(str(exc))
        if day > local_now.date() or (at is not None and datetime.combine(day, at) > local_now):
            return Reject(
                "That is in the future. Please say when it happened: 'now', or a day and "
                "time that has passed, like 'today 12:30'."
            )
        return Accept(day.isoformat() if at is None else f"{day.isoformat()}T{at:%H:%M}")

    def show(self, turn: Turn, value: Any) -> str:
        return when_words(str(value))


WHEN_ANSWER = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _given_before(raw: str) -> tuple[date, time | None] | None:
    """A WhenField's own answer, as a form shows it back when it is redrawn or sent again
    ('2026-12-07T12:30'); None for anything else, which is read as typed."""
    text = raw.strip()
    if not WHEN_ANSWER.fullmatch(text):
        return None
    try:
        return when_answer(text)
    except ValueError:
        return None


def when_answer(value: str) -> tuple[date, time | None]:
    """A WhenField's answer as its day and (if known) its time of day."""
    if "T" in value:
        moment = datetime.fromisoformat(value)
        return moment.date(), moment.time()
    return date.fromisoformat(value), None


def when_words(value: str) -> str:
    day, at = when_answer(value)
    if at is None:
        return f"{day:%a %-d %b %Y} (time not known)"
    return f"{day:%a %-d %b %Y}, {at:%H:%M}"


@dataclass(frozen=True, kw_only=True)
class NumberField(Field):
    kind: str = "number"
    minimum: int = 0
    maximum: int = 10_000
    unit: str = ""

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        if self.default is None:
            return ()
        return (Option("ok", f"{self.default(turn, answers)} {self.unit}".strip()),)

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        text = raw.strip()
        if not re.fullmatch(r"-?\d+", text):
            return Reject("Please type a whole number, like 30.")
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            return Reject(f"Please type a number from {self.minimum} to {self.maximum}.")
        return Accept(number)

    def show(self, turn: Turn, value: Any) -> str:
        return f"{value} {self.unit}".strip()


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
    may_change: bool = True  # offers 'change an answer' (back to the last question)

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


@dataclass(frozen=True, kw_only=True)
class LookupField(Field):
    """A record (an intervention, a member of staff) picked from suggestions or by name.

    `suggest` lists the likely ones as options; `search` finds others by what is typed,
    only among records the actor may use. Answers are ids.
    """

    kind: str = "lookup"
    suggest: Callable[[Turn, Answers], Sequence[Option]] = field(default=lambda turn, answers: ())
    search: Callable[[Turn, str], Sequence[Option]] = field(default=lambda turn, query: ())
    label_of: Callable[[Turn, int], str] = field(default=lambda turn, value: str(value))
    not_found: str = "I couldn't find '{query}'. Try another part of the name."
    max_choices: int = 8

    def options(self, turn: Turn, answers: Answers) -> tuple[Option, ...]:
        return tuple(self.suggest(turn, answers))

    def parse(self, turn: Turn, raw: str, scratch: dict[str, Any]) -> Outcome:
        query = raw.strip()
        offered = set(scratch.get("candidates", [])) or {
            o.value for o in self.suggest(turn, turn.answers)
        }
        if query in offered and query.isdecimal():
            return Accept(int(query))
        if scratch.get("candidates") and query.isdecimal():
            return Reject("Please choose one of those listed: type its number.")
        if len(query) < 2 and not (self.own_numbers and query.isdecimal()):
            return Reject("Please type at least two letters of the name.")
        found = list(self.search(turn, query))
        if not found:
            return Reject(self.not_found.format(query=query))
        if len(found) == 1:
            return Accept(int(found[0].value))
        if len(found) > self.max_choices:
            return Reject(f"Lots of names match '{query}'. Please type more of it.")
        return Clarify(
            text=f"{len(found)} match '{query}'. Which one do you mean?",
            options=tuple(found),
            scratch={"candidates": [o.value for o in found]},
        )

    def show(self, turn: Turn, value: Any) -> str:
        return self.label_of(turn, int(value))


@dataclass(frozen=True)
class Item:
    """One thing a repeated question is asked about: a pupil, a target."""

    key: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Each(Field):
    """The same question once per item known only at run time (each absent pupil, each
    target). The template's label and question may say {item}; answers are stored under
    '<name>.<item key>'."""

    kind: str = "each"
    label: str = ""
    question: str = ""
    items: Callable[[Turn, Answers], Sequence[Item]] = field(default=lambda turn, answers: ())
    template: Field

    def expand(self, turn: Turn | None, answers: Answers) -> tuple[Field, ...]:
        if turn is None:
            raise ValueError(f"field {self.name} needs a turn to list its items")
        out: list[Field] = []
        for item in self.items(turn, answers):
            concrete = replace(
                self.template,
                name=f"{self.name}.{item.key}",
                label=self.template.label.format(item=item.label),
                question=self.template.question.format(item=item.label),
                needs=self.needs,
                when=self.when,
            )
            out.extend(concrete.expand(turn, answers))
        return tuple(out)

    def values(self, answers: Answers) -> dict[str, Any]:
        """Item key -> answer, for the items answered."""
        prefix = f"{self.name}."
        return {k[len(prefix) :]: v for k, v in answers.items() if k.startswith(prefix)}


@dataclass(frozen=True, kw_only=True)
class Repeat(Field):
    """A group of questions asked again while the person says yes ('add another?')."""

    kind: str = "repeat"
    label: str = ""
    question: str = ""
    fields: tuple[Field, ...] = ()
    first: str = ""  # "Add a new target?"
    more: str = ""  # "Add another?"
    max_items: int = 5

    def expand(self, turn: Turn | None, answers: Answers) -> tuple[Field, ...]:
        key = f"{self.name}.add"
        out: list[Field] = [
            YesNoField(name=key, label=self.first, question=self.first, in_summary=False)
        ]
        number = 1
        while answers.get(key) is True and number <= self.max_items:
            for template in self.fields:
                out.append(
                    replace(
                        template,
                        name=f"{self.name}.{number}.{template.name}",
                        label=template.label.format(n=number),
                        question=template.question.format(n=number),
                    )
                )
            if number == self.max_items:
                break
            key = f"{self.name}.{number}.more"
            out.append(YesNoField(name=key, label=self.more, question=self.more, in_summary=False))
            number += 1
        return tuple(out)

    def groups(self, answers: Answers) -> list[dict[str, Any]]:
        """The answers of each group in order, keyed by the template field names."""
        found: list[dict[str, Any]] = []
        for number in range(1, self.max_items + 1):
            group = {
                t.name: answers[f"{self.name}.{number}.{t.name}"]
                for t in self.fields
                if f"{self.name}.{number}.{t.name}" in answers
            }
            if len(group) < len(self.fields):
                break
            found.append(group)
        return found
