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
refuse to guess (`Setting.falls_back`). The kinds of value are in `setting_kinds`.

`SETTINGS` below lists every setting, its default and its meaning; `sendbot school show`
prints the same table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any

from sendbot.domain.setting_kinds import (
    Kind,
    choice_kind,
    hhmm,
    numbers_kind,
    optional_time_kind,
    optional_whole_kind,
    optional_words_kind,
    staff_ids_kind,
    time_kind,
    weekday_or_none_kind,
    weekdays_kind,
    whole_kind,
    words_kind,
    yes_no_kind,
)

OUT_OF_HOURS_CHOICES = ("same", "on_call", "next_school_day")
EMPTY_DIGEST_CHOICES = ("one_line", "none")
REVIEW_FREQUENCIES = ("half_termly", "termly")
LEVEL_KEYS = ("monitoring", "sen_support", "ehc_plan")
MIN_SAFEGUARDING_AGE = 25


class SettingError(ValueError):
    """A value a school cannot have, said so an admin knows what to write instead."""


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
        "digests_on_closed_days",
        yes_no_kind(),
        False,
        "Whether digests are also sent on days the school is closed (weekends, bank "
        "holidays, the holidays between terms and half terms); without them, the next open "
        "day's digest lists what fell due meanwhile.",
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
        "Staff on call out of hours and in the holidays when out_of_hours is on_call "
        "(`sendbot school show` lists the ids of the safeguarding leads and headteacher).",
    ),
    Setting(
        "dsl_holiday_cover",
        staff_ids_kind(),
        (),
        "Staff who cover safeguarding in the school holidays (half terms included), named "
        "by id, email or MIS id (stored as ids): the referral chase goes to them on the "
        "working day it falls due, and the digests name them. None: the chase goes to the "
        "DSL.",
    ),
    Setting(
        "dsl_holiday_cover_copies_dsl",
        yes_no_kind(),
        False,
        "Whether the DSL also gets what goes to the holiday cover in the school holidays.",
    ),
    Setting(
        "referral_chase_working_days",
        whole_kind(1, 10),
        1,
        "Working days after a referral to children's social care before the DSL is asked "
        "whether the local authority has responded (KCSIE: within 1 working day).",
    ),
    Setting(
        "lado_contact",
        optional_words_kind(200, "no contact given"),
        None,
        "How to reach the local authority designated officer (LADO), e.g. a phone number and "
        "an email address: shown to a member of staff reporting a concern about an adult "
        "when there is nobody in school to tell (KCSIE Part four).",
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
    Setting(
        "last_year_group",
        optional_whole_kind(0, 14, "use the highest year group on roll"),
        None,
        "The school's last year group (2 for an infant school, 6 for a primary, 11 or 13 "
        "for a secondary). Pupils with an EHC plan in it, and in Years 6 and 11, get the "
        "phase-transfer deadline (SEND Regs 2014 reg 18).",
        changes_deadlines=True,
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
    digests_on_closed_days: bool = False
    escalation_minutes: tuple[int, ...] = (15, 60)
    school_hours_start: time = time(8, 0)
    school_hours_end: time = time(18, 0)
    out_of_hours: str = "same"
    on_call_staff_ids: tuple[int, ...] = ()
    dsl_holiday_cover: tuple[int, ...] = ()
    dsl_holiday_cover_copies_dsl: bool = False
    referral_chase_working_days: int = 1
    lado_contact: str | None = None
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
    last_year_group: int | None = None
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
                    f"{group}.start ({hhmm(start)}) must be before {group}.end "
                    f"({hhmm(end)}): {words.lower()} cannot run past midnight",
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
            "(safeguarding records are never kept for less), or none to keep them"
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
        shown = {"start": hhmm(getattr(parsed, start)), "end": hhmm(getattr(parsed, end))}
        problems.append(
            f"{group}: {shown!r} is not understood; "
            f"{hhmm(getattr(default, start))} to {hhmm(getattr(default, end))} is used"
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
