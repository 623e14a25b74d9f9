"""Small wording helpers the staff messages share: times, year groups, days left."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def timezone_of(params: Mapping[str, Any]) -> str:
    """The school's timezone, as the outbox worker puts it in `_timezone`."""
    return str(params.get("_timezone") or "Europe/London")


def now_of(params: Mapping[str, Any]) -> datetime:
    """The worker's clock (`_now`), so a frozen or fast-forwarded clock words the message."""
    raw = params.get("_now")
    return datetime.fromisoformat(raw) if raw else datetime.now(ZoneInfo("UTC"))


def when(raw: str, tz: str) -> str:
    return datetime.fromisoformat(raw).astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")


def year_group(value: Any) -> str:
    if value is None:
        return "year group not recorded"
    return "Reception" if int(value) == 0 else f"Year {int(value)}"


def days_from_now(n: int) -> str:
    return "today" if n == 0 else "tomorrow" if n == 1 else f"in {n} days"
