"""The kinds of value a school setting can have: how each is read from what an admin types
and from JSON, stored, and shown, and the rule that says what a right value looks like."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import time
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NONE_WORDS = ("none", "null", "never", "off", "-")
YES_WORDS = ("yes", "y", "true", "on", "1")
NO_WORDS = ("no", "n", "false", "off", "0")


@dataclass(frozen=True)
class Kind:
    """How one kind of value is read from text and JSON, checked, stored and shown."""

    rule: str  # "a time of day like {default}", completed with the setting's default
    read_text: Callable[[str], Any]  # raises ValueError
    read_json: Callable[[Any], Any]  # raises ValueError
    to_json: Callable[[Any], Any]
    show: Callable[[Any], str]


def hhmm(value: time) -> str:
    return f"{value:%H:%M}"


def _time_text(text: str) -> time:
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(text)
    return time(int(found[1]), int(found[2]))


def _time_json(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        found = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", value.strip())
        if found and int(found[1]) <= 23 and int(found[2]) <= 59:
            return time(int(found[1]), int(found[2]))
    raise ValueError(value)


def _whole(value: Any, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    if value < low or (high is not None and value > high):
        raise ValueError(value)
    return value


def _whole_text(text: str, low: int, high: int | None) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise ValueError(text)
    return _whole(int(text.strip()), low, high)


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", text.strip().strip("[]")) if p]


def _range_words(low: int, high: int | None) -> str:
    return f"from {low} to {high}" if high is not None else f"of at least {low}"


def time_kind() -> Kind:
    return Kind("a time of day like {default}", _time_text, _time_json, hhmm, hhmm)


def optional_time_kind(when_none: str) -> Kind:
    def text(value: str) -> time | None:
        return None if value.strip().lower() in NONE_WORDS else _time_text(value)

    def read(value: Any) -> time | None:
        return None if value is None else _time_json(value)

    return Kind(
        f"a time of day like 07:30, or none for {when_none}",
        text,
        read,
        lambda v: None if v is None else hhmm(v),
        lambda v: when_none if v is None else hhmm(v),
    )


def whole_kind(low: int, high: int | None, unit: str = "") -> Kind:
    words = f"a whole number{unit} {_range_words(low, high)}"
    return Kind(
        words,
        lambda t: _whole_text(t, low, high),
        lambda v: _whole(v, low, high),
        lambda v: v,
        str,
    )


def optional_whole_kind(low: int, high: int | None, when_none: str) -> Kind:
    def text(value: str) -> int | None:
        return None if value.strip().lower() in NONE_WORDS else _whole_text(value, low, high)

    return Kind(
        f"a whole number {_range_words(low, high)}, or none to {when_none}",
        text,
        lambda v: None if v is None else _whole(v, low, high),
        lambda v: v,
        lambda v: f"none ({when_none})" if v is None else str(v),
    )


def numbers_kind(low: int, high: int, unit: str, *, descending: bool, example: str) -> Kind:
    """A non-empty list of whole numbers, kept sorted without repeats."""

    def tidy(values: Iterable[int]) -> tuple[int, ...]:
        found = tuple(sorted(set(values), reverse=descending))
        if not found:
            raise ValueError("empty")
        return found

    def read(value: Any) -> tuple[int, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError(value)
        return tidy(_whole(v, low, high) for v in value)

    return Kind(
        f"whole numbers of {unit} from {low} to {high}, separated by commas, like {example}",
        lambda t: tidy(_whole_text(p, low, high) for p in _split(t)),
        read,
        list,
        lambda v: ", ".join(str(n) for n in v),
    )


def staff_ids_kind() -> Kind:
    def read(value: Any) -> tuple[int, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError(value)
        return tuple(dict.fromkeys(_whole(v, 1, 2**31) for v in value))

    def text(value: str) -> tuple[int, ...]:
        if value.strip().lower() in NONE_WORDS:
            return ()
        return tuple(dict.fromkeys(_whole_text(p, 1, 2**31) for p in _split(value)))

    return Kind(
        "staff ids separated by commas, like 12, 15, or none",
        text,
        read,
        list,
        lambda v: ", ".join(str(n) for n in v) or "none",
    )


def _weekday_text(word: str) -> int:
    word = word.strip().lower()
    if re.fullmatch(r"[0-6]", word):
        return int(word)
    matches = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 2 and day.startswith(word)]
    if len(matches) != 1:
        raise ValueError(word)
    return matches[0]


def _day_names(days: Iterable[int]) -> str:
    return ", ".join(WEEKDAYS[d].capitalize() for d in sorted(days)) or "none"


def weekdays_kind() -> Kind:
    def text(value: str) -> frozenset[int]:
        if value.strip().lower() in NONE_WORDS:
            return frozenset()
        return frozenset(_weekday_text(p) for p in _split(value))

    def read(value: Any) -> frozenset[int]:
        if not isinstance(value, list | tuple):
            raise ValueError(value)
        return frozenset(_whole(v, 0, 6) for v in value)

    return Kind(
        "days of the week separated by commas, like Mon, Tue, Wed, Thu, Fri, or none",
        text,
        read,
        sorted,
        _day_names,
    )


def weekday_or_none_kind() -> Kind:
    def text(value: str) -> int | None:
        return None if value.strip().lower() in NONE_WORDS else _weekday_text(value)

    return Kind(
        "a day of the week like Monday, or none",
        text,
        lambda v: None if v is None else _whole(v, 0, 6),
        lambda v: v,
        lambda v: "none" if v is None else WEEKDAYS[v].capitalize(),
    )


def choice_kind(choices: tuple[str, ...]) -> Kind:
    def read(value: Any) -> str:
        if value not in choices:
            raise ValueError(value)
        return str(value)

    return Kind(
        "one of " + ", ".join(choices),
        lambda t: read(t.strip().lower()),
        read,
        lambda v: v,
        str,
    )


def yes_no_kind() -> Kind:
    def text(value: str) -> bool:
        word = value.strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError(value)

    def read(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1):  # written by hand into the JSON before there was a command
            return bool(value)
        if isinstance(value, str):
            return text(value)
        raise ValueError(value)

    return Kind("yes or no", text, read, lambda v: v, lambda v: "yes" if v else "no")


def words_kind(limit: int = 60) -> Kind:
    def read(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise ValueError(value)
        return value.strip()

    return Kind(f"a non-empty text (at most {limit} characters)", read, read, lambda v: v, str)


def optional_words_kind(limit: int, when_none: str) -> Kind:
    """A short text, or none (e.g. a phone number and an email address to call)."""

    def read(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise ValueError(value)
        return value.strip()

    def text(value: str) -> str | None:
        return None if value.strip().lower() in NONE_WORDS else read(value)

    return Kind(
        f"a text of at most {limit} characters, or none for {when_none}",
        text,
        read,
        lambda v: v,
        lambda v: f"none ({when_none})" if v is None else str(v),
    )
