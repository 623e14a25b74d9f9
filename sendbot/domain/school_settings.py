"""The scheduling choices a school can make, kept in `School.settings`, with defaults here.

Every key is optional. An admin sets them with the school's settings JSON; anything missing
or malformed falls back to the default below, so a typo can never stop a reminder.

`reminder_offsets_days` (list of whole days, default [28, 14, 7, 2, 0])
    When a staff deadline reminds its owner: that many days before it is due (0 = on the
    day). After that the deadline shows as overdue in the digest until it is marked done.
`reminder_time` ("HH:MM", default: the school's digest time)
    The school-local time reminders are sent on their day.
`digest_days` (list of weekday numbers, Monday = 0, default [0, 1, 2, 3, 4])
    The days the SENCO and DSL digests are sent; an empty list sends none.
`empty_digest` ("one_line" or "none", default "one_line")
    What an empty day sends.
`headteacher_digest_weekday` (0-6 or null, default 0 = Monday)
    The day of the headteacher's weekly digest (at the digest time); null sends none.
`dsl_digest_to_deputies` (bool, default false)
    Whether deputy DSLs also get the DSL's digest.
`escalation_minutes` (list of minutes, default [15, 60])
    When an unacknowledged safeguarding alert goes to the deputies and the headteacher.
`school_hours` ({"start": "HH:MM", "end": "HH:MM"}, default 08:00 to 18:00)
    Inside these hours on a school day (a working day when no term dates are set up) the
    escalation rules above apply as they are.
`out_of_hours` ("same", "on_call" or "next_school_day", default "same")
    What escalation does outside school hours. "same": exactly as in school hours.
    "on_call": escalations go to `on_call_staff_ids` and the headteacher instead of the
    deputies. "next_school_day": the escalation clock starts when school hours next begin,
    except for a concern flagged as immediate danger, which always escalates at once.
    The first alert to the DSL and deputies is never delayed.
`on_call_staff_ids` (list of staff ids, default [])
`referral_chase_working_days` (whole working days, default 1)
    After a referral to children's social care, when the DSL is asked whether the local
    authority has acknowledged it and decided next steps (KCSIE: within 1 working day).
`cumulative_concerns` ({"count": 3, "days": 14})
    Several concerns about one pupil in this window (any areas) prompt the DSL and SENCO to
    look at them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

DEFAULT_REMINDER_OFFSETS = (28, 14, 7, 2, 0)
DEFAULT_ESCALATION_MINUTES = (15, 60)
DEFAULT_SCHOOL_HOURS = (time(8, 0), time(18, 0))
OUT_OF_HOURS_CHOICES = ("same", "on_call", "next_school_day")


@dataclass(frozen=True)
class SchedulingSettings:
    reminder_offsets: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS
    reminder_time: time | None = None
    digest_days: frozenset[int] = frozenset(range(5))
    empty_digest: str = "one_line"
    headteacher_digest_weekday: int | None = 0
    dsl_digest_to_deputies: bool = False
    escalation_minutes: tuple[int, ...] = DEFAULT_ESCALATION_MINUTES
    school_hours: tuple[time, time] = DEFAULT_SCHOOL_HOURS
    out_of_hours: str = "same"
    on_call_staff_ids: tuple[int, ...] = ()
    referral_chase_working_days: int = 1
    cumulative_count: int = 3
    cumulative_days: int = 14


def _time(value: Any, default: time | None) -> time | None:
    if isinstance(value, str):
        try:
            hours, minutes = value.strip().split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            return default
    return default


def _ints(value: Any, default: tuple[int, ...], low: int, high: int) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return default
    found = sorted(
        {
            int(v)
            for v in value
            if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
        },
        reverse=True,
    )
    return tuple(found) or default


def _int(value: Any, default: int, low: int, high: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return default


def scheduling_settings(settings: dict[str, Any] | None) -> SchedulingSettings:
    """The school's choices, each falling back to its default when missing or malformed."""
    s = settings or {}
    hours = s.get("school_hours") if isinstance(s.get("school_hours"), dict) else {}
    start = _time(hours.get("start"), DEFAULT_SCHOOL_HOURS[0]) or DEFAULT_SCHOOL_HOURS[0]
    end = _time(hours.get("end"), DEFAULT_SCHOOL_HOURS[1]) or DEFAULT_SCHOOL_HOURS[1]
    if end <= start:
        start, end = DEFAULT_SCHOOL_HOURS
    cumulative = (
        s.get("cumulative_concerns") if isinstance(s.get("cumulative_concerns"), dict) else {}
    )
    days = s.get("digest_days")
    digest_days = frozenset(range(5))
    if isinstance(days, list | tuple):  # an empty list turns the daily digests off
        digest_days = frozenset(_ints(days, (), 0, 6))
    empty = s.get("empty_digest")
    out = s.get("out_of_hours")
    return SchedulingSettings(
        reminder_offsets=_ints(s.get("reminder_offsets_days"), DEFAULT_REMINDER_OFFSETS, 0, 365),
        reminder_time=_time(s.get("reminder_time"), None),
        digest_days=digest_days,
        empty_digest=empty if empty in ("one_line", "none") else "one_line",
        headteacher_digest_weekday=(
            None
            if "headteacher_digest_weekday" in s and s["headteacher_digest_weekday"] is None
            else _int(s.get("headteacher_digest_weekday"), 0, 0, 6)
        ),
        dsl_digest_to_deputies=bool(s.get("dsl_digest_to_deputies", False)),
        escalation_minutes=tuple(
            sorted(_ints(s.get("escalation_minutes"), DEFAULT_ESCALATION_MINUTES, 1, 24 * 60))
        ),
        school_hours=(start, end),
        out_of_hours=out if out in OUT_OF_HOURS_CHOICES else "same",
        on_call_staff_ids=_ints(s.get("on_call_staff_ids"), (), 1, 2**31),
        referral_chase_working_days=_int(s.get("referral_chase_working_days"), 1, 1, 10),
        cumulative_count=_int(cumulative.get("count"), 3, 2, 50),
        cumulative_days=_int(cumulative.get("days"), 14, 1, 366),
    )


# The keys read here (School.settings also holds other parts' keys, so others are not errors).
KNOWN_KEYS = frozenset(
    {
        "reminder_offsets_days",
        "reminder_time",
        "digest_days",
        "empty_digest",
        "headteacher_digest_weekday",
        "dsl_digest_to_deputies",
        "escalation_minutes",
        "school_hours",
        "out_of_hours",
        "on_call_staff_ids",
        "referral_chase_working_days",
        "cumulative_concerns",
    }
)


def _whole_numbers(value: Any, low: int, high: int) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)
    )


def problems(settings: dict[str, Any] | None) -> list[str]:
    """What an admin should fix: values that would otherwise fall back to a default quietly."""
    s = settings or {}
    found: list[str] = []

    def wrong(key: str, default: str) -> None:
        found.append(f"{key}: {s[key]!r} is not understood; {default} is used")

    if "reminder_offsets_days" in s and not _whole_numbers(s["reminder_offsets_days"], 0, 365):
        wrong("reminder_offsets_days", "[28, 14, 7, 2, 0]")
    if "escalation_minutes" in s and not _whole_numbers(s["escalation_minutes"], 1, 24 * 60):
        wrong("escalation_minutes", "[15, 60]")
    if "empty_digest" in s and s["empty_digest"] not in ("one_line", "none"):
        wrong("empty_digest", "one_line")
    if "out_of_hours" in s and s["out_of_hours"] not in OUT_OF_HOURS_CHOICES:
        wrong("out_of_hours", "same")
    if "reminder_time" in s and _time(s["reminder_time"], None) is None:
        wrong("reminder_time", "the digest time")
    hours = s.get("school_hours")
    if hours is not None:
        ok = isinstance(hours, dict) and all(_time(hours.get(k), None) for k in ("start", "end"))
        if not ok or _time(hours["end"], None) <= _time(hours["start"], None):  # type: ignore[operator]
            wrong("school_hours", "08:00 to 18:00")
    parsed = scheduling_settings(s)
    if parsed.out_of_hours == "on_call" and not parsed.on_call_staff_ids:
        found.append(
            "out_of_hours is 'on_call' but on_call_staff_ids is empty: escalation goes to the deputies"
        )
    return found
