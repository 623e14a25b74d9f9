"""Changing a school's settings: checked whole, saved, audited in the same transaction.

A change to a setting the deadlines depend on (a level's review cycle) recomputes the
school's deadlines here, by an explicit call, before the transaction ends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.domain.school_settings import (
    SchoolSettings,
    SettingError,
    check,
    find,
    to_store,
    warnings,
)
from sendbot.domain.setting_kinds import NONE_WORDS
from sendbot.services import audit, deadlines
from sendbot.services.records import Requester, audit_actor
from sendbot.services.school_settings import of
from sendbot.store.models import School, Staff

__all__ = ["Change", "SettingError", "change"]


@dataclass
class Change:
    """What a change did: the keys whose value moved, and what to tell the admin."""

    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (before, after)
    unchanged: dict[str, str] = field(default_factory=dict)  # key -> its value
    added: list[str] = field(default_factory=list)  # changed keys the school had not set
    deadlines_recomputed: bool = False
    warnings: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, dict[str, str]]:
        return {k: {"from": a, "to": b} for k, (a, b) in self.changed.items()}


def change(
    session: Session,
    actor: Requester | None,
    school: School,
    values: Mapping[str, str],
    now: datetime,
) -> Change:
    """Apply `values` (key -> text as typed), all or nothing; SettingError names the first
    wrong one and changes nothing. Audited as one `school.settings.set` event by `actor`;
    with no actor the caller records the change in its own event (the roster import does)."""
    before = of(school)
    values = {key: staff_refs_to_ids(session, school.id, key, text) for key, text in values.items()}
    after = check(before, values)
    result = Change()
    for key in values:
        setting = find(key)
        old, new = getattr(before, setting.attr), getattr(after, setting.attr)
        explicitly_stored = _is_stored(school, setting.path, setting.column)
        if old == new and explicitly_stored:
            result.unchanged[setting.key] = setting.kind.show(new)
        else:
            result.changed[setting.key] = (setting.kind.show(old), setting.kind.show(new))
            if not explicitly_stored:
                result.added.append(setting.key)
    if not result.changed:
        return result
    _check_staff_ids(session, school, after, result.changed)
    if {"out_of_hours", "on_call_staff_ids"} & set(result.changed):
        result.warnings = warnings(after)
    stored, columns = to_store(school.settings, after, result.changed)
    school.settings = stored
    for name, value in columns.items():
        setattr(school, name, value)
    if actor is not None:
        kind, actor_id, extra = audit_actor(actor)
        audit.record(
            session,
            at=now,
            actor_kind=kind,
            actor_id=actor_id,
            action="school.settings.set",
            object_type="school",
            object_id=school.id,
            school_id=school.id,
            details={**extra, "changed": result.as_details()},
        )
    session.flush()
    if any(find(key).changes_deadlines for key in result.changed):
        deadlines.recompute_school(session, school.id, now)
        deadlines.recomputed(session, school.id)
        result.deadlines_recomputed = True
    return result


def active_staff_ids(session: Session, school_id: int) -> set[int]:
    return set(session.scalars(select(Staff.id).where(Staff.school_id == school_id, Staff.active)))


@dataclass(frozen=True)
class OnCallCandidate:
    staff_id: int
    name: str
    roles: tuple[str, ...]


def on_call_candidates(session: Session, school_id: int) -> list[OnCallCandidate]:
    """The school's active safeguarding leads and headteacher, with the ids
    `on_call_staff_ids` takes, so nobody needs SQL to find them."""
    leads = {r.value for r in (Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER)}
    found = session.scalars(
        select(Staff).where(Staff.school_id == school_id, Staff.active).order_by(Staff.id)
    )
    return [
        OnCallCandidate(s.id, s.display_name, tuple(sorted(s.role_names & leads)))
        for s in found
        if s.role_names & leads
    ]


# Settings naming staff by sendbot's ids: each must be one of the school's active staff.
STAFF_ID_SETTINGS = ("on_call_staff_ids", "dsl_holiday_cover")


def staff_refs_to_ids(session: Session, school_id: int, key: str, text: str) -> str:
    """A setting naming staff takes sendbot's ids, emails or MIS ids, in any mix: the ids,
    as the setting stores them. A name that is no active member of staff is refused."""
    if key not in STAFF_ID_SETTINGS or text.strip().lower() in NONE_WORDS:
        return text
    ids = []
    for part in (p for p in re.split(r"[\s,;]+", text.strip().strip("[]")) if p):
        if part.isdigit():
            ids.append(part)
            continue
        found = session.scalar(
            select(Staff.id).where(
                Staff.school_id == school_id,
                Staff.active,
                or_(func.lower(Staff.email) == part.lower(), Staff.external_id == part),
            )
        )
        if found is None:
            raise SettingError(
                f"{key}: no active member of this school's staff has the email or MIS id '{part}'"
            )
        ids.append(str(found))
    return ", ".join(ids)


def on_call_problem(
    ids: tuple[int, ...], active: set[int], key: str = "on_call_staff_ids"
) -> str | None:
    """Escalations must reach someone: every id is one of the school's active staff."""
    missing = [str(i) for i in ids if i not in active]
    if not missing:
        return None
    return (
        f"{key} must be ids of this school's active staff; "
        f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not"
    )


def _check_staff_ids(
    session: Session, school: School, after: SchoolSettings, changed: Mapping[str, object]
) -> None:
    for key in STAFF_ID_SETTINGS:
        if key in changed:
            _check_on_call(session, school, getattr(after, key), key)


def _check_on_call(
    session: Session, school: School, ids: tuple[int, ...], key: str = "on_call_staff_ids"
) -> None:
    problem = on_call_problem(ids, active_staff_ids(session, school.id), key)
    if problem:
        raise SettingError(problem)


def _is_stored(school: School, path: tuple[str, ...], column: str | None) -> bool:
    """Whether the school has this value written down (a column always is)."""
    if column is not None:
        return True
    here: Any = school.settings or {}
    for part in path:
        if not isinstance(here, Mapping) or part not in here:
            return False
        here = here[part]
    return True
