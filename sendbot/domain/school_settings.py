"""Every choice a school can make, in one typed model, with its default and what it means.

A setting has one name, used the same way by `sendbot school set NAME VALUE`, by a line of
the roster's `settings.csv` and in `School.settings` (JSON): a dotted name is a path into
the JSON (`school_hours.start` is `{"school_hours": {"start": ...}}`). Three settings live
in columns of their own (`digest_time`, `quiet_hours_start`, `quiet_hours_end`).

Text from an admin is checked strictly (`parse_text`, `check`), so a mistake is refused
with a line saying what would be right. Values already stored are read leniently
(`from_stored`): a malformed scheduling value falls back to its default, so a typo can never
stop a reminder or a safeguarding escalation, and is reported by `stored_problems`; a
malformed level name or retention period is reported too, and the services that need it
refuse to guess (see `REFUSED_GROUPS`).

`SETTINGS` below lists every setting, its default and its meaning; `sendbot school show`
prints the same table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OUT_OF_HOURS_CHOICES = ("same", "on_call", "next_school_day")
EMPTY_DIGEST_CHOICES = ("one_line", "none")
REVIEW_FREQUENCIES = ("half_termly", "termly")
LEVEL_KEYS = ("monitoring", "sen_support", "ehc_plan")
MIN_SAFEGUARDING_AGE = 25
NONE_WORDS = ("none", "null", "never", "off", "-")
YES_WORDS = ("yes", "y", "true", "on", "1")
NO_WORDS = ("no", "n", "false", "off", "0")


class SettingError(ValueError):
    """A value a school cannot have, said so an admin knows what to write instead."""


# --- kinds of value ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How one kind of value is read from text and JSON, checked, stored and shown."""

    rule: str  # "a time of day like {default}", completed with the setting's default
    read_text: Callable[[str], Any]  # raises ValueError
    read_json: Callable[[Any], Any]  # raises ValueError
    to_json: Callable[[Any], Any]
    show: Callable[[Any], str]


def _hhmm(value: time) -> str:
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
    return Kind("a time of day like {default}", _time_text, _time_json, _hhmm, _hhmm)


def optional_time_kind(when_none: str) -> Kind:
    def text(value: str) -> time | None:
        return None if value.strip().lower() in NONE_WORDS else _time_text(value)

    def read(value: Any) -> time | None:
        return None if value is None else _time_json(value)

    return Kind(
        f"a time of day like 07:30, or none for {when_none}",
        text,
        read,
        lambda v: None if v is None else _hhmm(v),
        lambda v: when_none if v is None else _hhmm(v),
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
        if not isinstance(value, bool):
            raise ValueError(value)
        return value

    return Kind("yes or no", text, read, lambda v: v, lambda v: "yes" if v else "no")


def words_kind(limit: int = 60) -> Kind:
    def read(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise ValueError(value)
        return value.strip()

    return Kind(f"a non-empty text (at most {limit} characters)", read, read, lambda v: v, str)


# --- the settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One choice: its name, kind, default, meaning, and where it is kept."""

    key: str
    kind: Kind
    default: Any
    meaning: str
    column: str | None = None  # a School column, instead of a path in School.settings
    changes_deadlines: bool = False  # deadlines are recomputed when it changes
    falls_back: bool = True  # a bad stored value falls back (else the reader refuses it)

    @property
    def attr(self) -> str:
        return self.key.replace(".", "_")

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))

    @property
    def rule(self) -> str:
        return self.kind.rule.format(default=self.kind.show(self.default))

    def parse_text(self, text: str) -> Any:
        """The value an admin typed, or SettingError saying what would be right."""
        try:
            return self.kind.read_text(text)
        except ValueError:
            raise SettingError(f"{self.key} must be {self.rule}, not '{text.strip()}'") from None


_LEVEL_DEFAULTS = {
    "monitoring": ("Monitoring", "Monitoring plan"),
    "sen_support": ("SEN support", "SEN support plan"),
    "ehc_plan": ("EHC plan", "EHC plan"),
}
_LEVEL_WORDS = {
    "monitoring": "monitoring (the level below SEN support)",
    "sen_support": "SEN support",
    "ehc_plan": "an EHC plan",
}


def _level_settings() -> list[Setting]:
    found: list[Setting] = []
    for level, (name, plan_name) in _LEVEL_DEFAULTS.items():
        found += [
            Setting(
                f"send_levels.{level}.name",
                words_kind(),
                name,
                f"What the school calls pupils on {_LEVEL_WORDS[level]}, in every message.",
                falls_back=False,
            ),
            Setting(
                f"send_levels.{level}.plan_name",
                words_kind(),
                plan_name,
                f"What the school calls the plan of a pupil on {_LEVEL_WORDS[level]}.",
                falls_back=False,
            ),
            Setting(
                f"send_levels.{level}.review",
                choice_kind(REVIEW_FREQUENCIES),
                "termly",
                "How often that plan is reviewed: the next review defaults to the end of the "
                "current half term or term"
                + (
                    ", and the SEN support review deadlines follow it."
                    if level == "sen_support"
                    else "."
                ),
                changes_deadlines=True,
                falls_back=False,
            ),
        ]
    return found


def _retention(key: str, default: int, meaning: str, low: int = 1) -> Setting:
    return Setting(f"retention.{key}", whole_kind(low, None), default, meaning, falls_back=False)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "digest_time",
        time_kind(),
        time(7, 30),
        "School-local time of the SENCO, DSL and headteacher digests.",
        column="digest_time",
    ),
    Setting(
        "quiet_hours_start",
        time_kind(),
        time(20, 0),
        "Parents get no message from this time (a parent may choose their own hours). "
        "Quiet hours may run past midnight; the same start and end means none.",
        column="quiet_start",
    ),
    Setting(
        "quiet_hours_end",
        time_kind(),
        time(7, 0),
        "Messages held in quiet hours are sent from this time.",
        column="quiet_end",
    ),
    Setting(
        "reminder_offsets_days",
        numbers_kind(0, 365, "days", descending=True, example="28, 14, 7, 2, 0"),
        (28, 14, 7, 2, 0),
        "When a deadline reminds its owner: that many days before it is due (0 = on the day).",
    ),
    Setting(
        "reminder_time",
        optional_time_kind("the digest time"),
        None,
        "School-local time reminders are sent on their day.",
    ),
    Setting(
        "digest_days",
        weekdays_kind(),
        frozenset(range(5)),
        "The days the SENCO and DSL digests are sent; none sends no daily digest.",
    ),
    Setting(
        "empty_digest",
        choice_kind(EMPTY_DIGEST_CHOICES),
        "one_line",
        "What a day with nothing to report sends: one line, or none at all.",
    ),
    Setting(
        "headteacher_digest_weekday",
        weekday_or_none_kind(),
        0,
        "The day of the headteacher's weekly digest (at the digest time); none sends none.",
    ),
    Setting(
        "dsl_digest_to_deputies",
        yes_no_kind(),
        False,
        "Whether deputy DSLs also get the DSL's digest.",
    ),
    Setting(
        "escalation_minutes",
        numbers_kind(1, 24 * 60, "minutes", descending=False, example="15, 60"),
        (15, 60),
        "Minutes after an unacknowledged safeguarding alert that it goes to the deputies and "
        "the headteacher, then to all of them again.",
    ),
    Setting(
        "school_hours.start",
        time_kind(),
        time(8, 0),
        "Start of school hours on a school day: inside them safeguarding escalation runs "
        "as set; outside them (evenings, weekends, holidays) out_of_hours decides.",
    ),
    Setting("school_hours.end", time_kind(), time(18, 0), "End of school hours."),
    Setting(
        "out_of_hours",
        choice_kind(OUT_OF_HOURS_CHOICES),
        "same",
        "Safeguarding cover out of school hours, at weekends and in the holidays: same "
        "(escalate as in school hours), on_call (escalate to on_call_staff_ids and the "
        "headteacher), next_school_day (the escalation clock starts when school next opens, "
        "except for immediate danger). The first alert is never delayed.",
    ),
    Setting(
        "on_call_staff_ids",
        staff_ids_kind(),
        (),
        "Staff on call out of hours and in the holidays when out_of_hours is on_call.",
    ),
    Setting(
        "referral_chase_working_days",
        whole_kind(1, 10),
        1,
        "Working days after a referral to children's social care before the DSL is asked "
        "whether the local authority has responded (KCSIE: within 1 working day).",
    ),
    Setting(
        "cumulative_concerns.count",
        whole_kind(2, 50),
        3,
        "This many concerns about one pupil within cumulative_concerns.days prompt the DSL "
        "and SENCO to look at them together.",
    ),
    Setting(
        "cumulative_concerns.days", whole_kind(1, 366), 14, "The window for cumulative concerns."
    ),
    Setting(
        "office_hours.start",
        time_kind(),
        time(8, 0),
        "When the school office opens on weekdays; a parent writing outside office hours "
        "is told when staff will read their message.",
    ),
    Setting("office_hours.end", time_kind(), time(16, 30), "When the school office closes."),
    *_level_settings(),
    Setting(
        "no_send_name",
        words_kind(),
        "No SEND",
        "What the school calls pupils with no SEND level.",
        falls_back=False,
    ),
    _retention(
        "records_until_age",
        25,
        "Records of a pupil who has left are kept until this birthday (SEND records, "
        "concerns that are not safeguarding).",
    ),
    Setting(
        "retention.safeguarding_until_age",
        optional_whole_kind(MIN_SAFEGUARDING_AGE, None, "keep them until deleted by hand"),
        25,
        "Safeguarding records of a pupil who has left are kept until this birthday.",
        falls_back=False,
    ),
    _retention(
        "conversation_state_days", 2, "Days a half-finished conversation is kept after it expires."
    ),
    _retention(
        "processed_event_days", 7, "Days the ids of platform events are kept to drop duplicates."
    ),
    _retention("outbox_sent_days", 90, "Days delivered messages and their attempts are kept."),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
# Groups whose readers refuse a malformed stored value instead of falling back.
REFUSED_GROUPS = ("send_levels", "no_send_name", "retention")
_GROUPS = {s.path[0] for s in SETTINGS if len(s.path) > 1}


def find(key: str) -> Setting:
    """The setting called `key`, or a kind SettingError naming the nearest ones."""
    name = key.strip()
    if name in BY_KEY:
        return BY_KEY[name]
    near = difflib.get_close_matches(name, list(BY_KEY), n=2, cutoff=0.6)
    hint = f" Did you mean {' or '.join(near)}?" if near else ""
    raise SettingError(
        f"There is no setting called '{name}'.{hint} `sendbot school show` lists them all."
    )


# --- the typed model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    plan_name: str
    review: str


@dataclass(frozen=True)
class SchoolSettings:
    """A school's settings, every one typed; field names are the keys with `_` for `.`."""

    digest_time: time = time(7, 30)
    quiet_hours_start: time = time(20, 0)
    quiet_hours_end: time = time(7, 0)
    reminder_offsets_days: tuple[int, ...] = (28, 14, 7, 2, 0)
    reminder_time: time | None = None
    digest_days: frozenset[int] = frozenset(range(5))
    empty_digest: str = "one_line"
    headteacher_digest_weekday: int | None = 0
    dsl_digest_to_deputies: bool = False
    escalation_minutes: tuple[int, ...] = (15, 60)
    school_hours_start: time = time(8, 0)
    school_hours_end: time = time(18, 0)
    out_of_hours: str = "same"
    on_call_staff_ids: tuple[int, ...] = ()
    referral_chase_working_days: int = 1
    cumulative_concerns_count: int = 3
    cumulative_concerns_days: int = 14
    office_hours_start: time = time(8, 0)
    office_hours_end: time = time(16, 30)
    send_levels_monitoring_name: str = "Monitoring"
    send_levels_monitoring_plan_name: str = "Monitoring plan"
    send_levels_monitoring_review: str = "termly"
    send_levels_sen_support_name: str = "SEN support"
    send_levels_sen_support_plan_name: str = "SEN support plan"
    send_levels_sen_support_review: str = "termly"
    send_levels_ehc_plan_name: str = "EHC plan"
    send_levels_ehc_plan_plan_name: str = "EHC plan"
    send_levels_ehc_plan_review: str = "termly"
    no_send_name: str = "No SEND"
    retention_records_until_age: int = 25
    retention_safeguarding_until_age: int | None = 25
    retention_conversation_state_days: int = 2
    retention_processed_event_days: int = 7
    retention_outbox_sent_days: int = 90
    problems: tuple[str, ...] = field(default=(), compare=False)

    # The names the schedulers and the escalation rules have always read.
    @property
    def reminder_offsets(self) -> tuple[int, ...]:
        return self.reminder_offsets_days

    @property
    def school_hours(self) -> tuple[time, time]:
        return self.school_hours_start, self.school_hours_end

    @property
    def office_hours(self) -> tuple[time, time]:
        return self.office_hours_start, self.office_hours_end

    @property
    def quiet_hours(self) -> tuple[time, time]:
        return self.quiet_hours_start, self.quiet_hours_end

    @property
    def cumulative_count(self) -> int:
        return self.cumulative_concerns_count

    @property
    def cumulative_days(self) -> int:
        return self.cumulative_concerns_days

    def value(self, key: str) -> Any:
        return getattr(self, find(key).attr)

    def level(self, key: str) -> Level:
        return Level(
            key,
            getattr(self, f"send_levels_{key}_name"),
            getattr(self, f"send_levels_{key}_plan_name"),
            getattr(self, f"send_levels_{key}_review"),
        )

    def problems_in(self, groups: Iterable[str]) -> list[str]:
        """The stored problems that belong to these top-level keys."""
        wanted = tuple(groups)
        return [p for p in self.problems if _group_of(p) in wanted]


def _group_of(problem: str) -> str:
    """Every problem line starts with the name of the setting (or its group) it is about."""
    found = re.match(r"[a-z_]+", problem)
    return found[0] if found else ""


# --- cross-field rules -------------------------------------------------------------------------


def _cross_field(values: SchoolSettings) -> list[tuple[str, str]]:
    """(key, problem) for values fine alone but wrong together."""
    found: list[tuple[str, str]] = []
    for group, words in (("school_hours", "School hours"), ("office_hours", "Office hours")):
        start, end = getattr(values, f"{group}_start"), getattr(values, f"{group}_end")
        if end <= start:
            found.append(
                (
                    f"{group}.end",
                    f"{group}.start ({_hhmm(start)}) must be before {group}.end "
                    f"({_hhmm(end)}): {words.lower()} cannot run past midnight",
                )
            )
    return found


def warnings(values: SchoolSettings) -> list[str]:
    """Combinations that work but probably not as the school means."""
    if values.out_of_hours == "on_call" and not values.on_call_staff_ids:
        return [
            "out_of_hours is 'on_call' but on_call_staff_ids is empty: escalation goes to "
            "the deputies"
        ]
    return []


def conflicts(values: SchoolSettings, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(group, problem) for values that are wrong together, among the groups of `keys`."""
    touched = {find(k).path[0] for k in keys}
    return [
        (key.split(".")[0], why)
        for key, why in _cross_field(values)
        if key.split(".")[0] in touched
    ]


def with_changes(current: SchoolSettings, changes: Mapping[str, str]) -> SchoolSettings:
    """`changes` (key -> text as typed) applied, each checked alone; SettingError if not."""
    values: dict[str, Any] = {}
    for key, text in changes.items():
        setting = find(key)
        values[setting.attr] = setting.parse_text(text)
    return replace(current, **values)


def check(current: SchoolSettings, changes: Mapping[str, str]) -> SchoolSettings:
    """The settings with `changes` applied, checked alone and together, or one SettingError."""
    updated = with_changes(current, changes)
    for _group, problem in conflicts(updated, changes):
        raise SettingError(problem)
    return updated


# --- reading what is stored --------------------------------------------------------------------


def _dig(stored: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    here: Any = stored
    for part in path:
        if not isinstance(here, Mapping) or part not in here:
            return False, None
        here = here[part]
    return True, here


def _structure_problems(stored: Mapping[str, Any]) -> list[str]:
    """Groups that are not objects, and names inside them that are not settings."""
    found: list[str] = []
    levels = stored.get("send_levels")
    if "send_levels" in stored and not isinstance(levels, Mapping):
        found.append("send_levels must be an object keyed by level")
    elif isinstance(levels, Mapping):
        for level, value in levels.items():
            if level not in LEVEL_KEYS:
                found.append(f"send_levels: '{level}' is not a level ({', '.join(LEVEL_KEYS)})")
            elif not isinstance(value, Mapping):
                found.append(f"send_levels.{level} must be an object")
            else:
                found += [
                    f"send_levels.{level}.{name} is not a setting sendbot knows"
                    for name in value
                    if f"send_levels.{level}.{name}" not in BY_KEY
                ]
    for group in sorted(_GROUPS - {"send_levels"}):
        if group not in stored:
            continue
        value = stored[group]
        if not isinstance(value, Mapping):
            found.append(f"{group} must be an object")
            continue
        found += [
            f"{group}.{name} is not a setting sendbot knows"
            for name in value
            if f"{group}.{name}" not in BY_KEY
        ]
    return found


def _stored_problem(setting: Setting, raw: Any) -> str:
    if setting.falls_back:
        shown = setting.kind.show(setting.default)
        return f"{setting.key}: {raw!r} is not understood; {shown} is used"
    if setting.key == "retention.safeguarding_until_age":
        return (
            f"retention.safeguarding_until_age must be at least {MIN_SAFEGUARDING_AGE} "
            "(safeguarding records are never kept for less), or null to keep them"
        )
    if setting.key.startswith("retention."):
        return f"{setting.key} must be a whole number of at least 1"
    if setting.key.startswith("send_levels.") and setting.key.endswith(".review"):
        return f"{setting.key} must be one of {', '.join(REVIEW_FREQUENCIES)}"
    return f"{setting.key} must be a non-empty text"


def from_stored(
    stored: Mapping[str, Any] | None, columns: Mapping[str, Any] | None = None
) -> SchoolSettings:
    """The school's settings from `School.settings` and its columns (column name -> value).

    Never raises: each malformed value takes its default and is named in `.problems`.
    """
    stored = stored or {}
    columns = columns or {}
    problems = _structure_problems(stored)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.column is not None:
            present, raw = setting.column in columns, columns.get(setting.column)
            present = present and raw is not None
        else:
            present, raw = _dig(stored, setting.path)
        if not present:
            continue
        try:
            values[setting.attr] = setting.kind.read_json(raw)
        except ValueError:
            problems.append(_stored_problem(setting, raw))
    parsed = replace(SchoolSettings(), **values)
    default = SchoolSettings()
    for key, _problem in _cross_field(parsed):
        group = key.split(".")[0]
        start, end = f"{group}_start", f"{group}_end"
        shown = {"start": _hhmm(getattr(parsed, start)), "end": _hhmm(getattr(parsed, end))}
        problems.append(
            f"{group}: {shown!r} is not understood; "
            f"{_hhmm(getattr(default, start))} to {_hhmm(getattr(default, end))} is used"
        )
        parsed = replace(parsed, **{start: getattr(default, start), end: getattr(default, end)})
    return replace(parsed, problems=tuple(problems + warnings(parsed)))


def stored_problems(
    stored: Mapping[str, Any] | None, columns: Mapping[str, Any] | None = None
) -> list[str]:
    """What an admin should fix in what is stored, in words they can act on."""
    return list(from_stored(stored, columns).problems)


# --- writing -----------------------------------------------------------------------------------


def to_store(
    stored: Mapping[str, Any] | None, settings: SchoolSettings, keys: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new School.settings JSON, column values) with `keys` written from `settings`.

    A value equal to its default is still written: the school chose it, and a later change
    of the default must not change it silently.
    """
    json: dict[str, Any] = _deep_copy(stored or {})
    columns: dict[str, Any] = {}
    for key in keys:
        setting = find(key)
        value = getattr(settings, setting.attr)
        if setting.column is not None:
            columns[setting.column] = value
            continue
        here = json
        for part in setting.path[:-1]:
            if not isinstance(here.get(part), dict):
                here[part] = {}
            here = here[part]
        here[setting.path[-1]] = setting.kind.to_json(value)
    return json, columns


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# --- showing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    key: str
    value: str
    default: str
    is_default: bool
    meaning: str
    rule: str


def describe(settings: SchoolSettings) -> list[Shown]:
    """Every setting with its value, its default and what it means, in the order above."""
    return [
        Shown(
            s.key,
            s.kind.show(getattr(settings, s.attr)),
            s.kind.show(s.default),
            getattr(settings, s.attr) == s.default,
            s.meaning,
            s.rule,
        )
        for s in SETTINGS
    ]
