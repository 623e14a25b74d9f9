"""A small vocabulary for the documented shape of what a chat platform sends us.

The platforms' libraries read into a request before any code of ours runs, and take its
fields' types on trust; a body with a list where an object belongs made them fail with
HTTP 500. Each platform's adapter describes the shapes it accepts with these checks and
answers 400 to anything else. A check returns what is wrong (a field's path, never what it
held, so it may be logged) or None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Check = Callable[[Any, str], str | None]  # (value, where) -> what is wrong, or None

LARGEST_ID = 2**63 - 1  # platforms' ids are 64-bit integers


def text(value: Any, where: str) -> str | None:
    return None if isinstance(value, str) else f"{where} is not text"


def flag(value: Any, where: str) -> str | None:
    return None if isinstance(value, bool) else f"{where} is not true or false"


def whole(low: int, high: int) -> Check:
    """An integer in [low, high] (JSON's true and false are not numbers here)."""

    def number(value: Any, where: str) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{where} is not a whole number"
        return None if low <= value <= high else f"{where} is out of range"

    return number


def maybe(check: Check) -> Check:
    """The field may be null."""

    def either(value: Any, where: str) -> str | None:
        return None if value is None else check(value, where)

    return either


def text_or(check: Check) -> Check:
    """Text, or else what `check` accepts (Slack names a team by its id or by an object)."""

    def either(value: Any, where: str) -> str | None:
        return None if isinstance(value, str) else check(value, where)

    return either


@dataclass(frozen=True)
class Obj:
    """An object whose `required` fields are present and whose listed fields, where
    present, have their shape. Fields not listed are let through unread."""

    fields: Mapping[str, Check]
    required: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where} is not an object"
        for name in sorted(self.required):
            if name not in value:
                return f"{where}.{name} is missing"
        for name, check in self.fields.items():
            if name in value:
                problem = check(value[name], f"{where}.{name}")
                if problem:
                    return problem
        return None


def obj(required: tuple[str, ...] = (), **fields: Check) -> Obj:
    return Obj(fields, frozenset(required))


def list_of(check: Check, *, at_least: int = 0) -> Check:
    def items(value: Any, where: str) -> str | None:
        if not isinstance(value, list):
            return f"{where} is not a list"
        if len(value) < at_least:
            return f"{where} is empty"
        for i, item in enumerate(value):
            problem = check(item, f"{where}[{i}]")
            if problem:
                return problem
        return None

    return items


def map_of(check: Check) -> Check:
    """An object used as a map: any keys, every value of one shape."""

    def entries(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where} is not an object"
        for item in value.values():
            problem = check(item, f"{where}.*")
            if problem:
                return problem
        return None

    return entries
