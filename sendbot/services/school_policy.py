"""The school's own names for its levels of support, and how often each level's plan is reviewed.

Schools name their levels of support differently and review them at different rates, so
every message about a level uses the school's own words. The settings behind it
(`send_levels.<level>.name`, `.plan_name`, `.review`, and `no_send_name`) are described with
their defaults in `sendbot.domain.school_settings`; a school sets them with
`sendbot school set` or the roster's `settings.csv`. A malformed stored name is refused
(ValueError) rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from sendbot.domain.people import SenStatus
from sendbot.domain.school_settings import LEVEL_KEYS, Level, SchoolSettings, from_stored
from sendbot.services import school_settings

LEVELS: tuple[SenStatus, ...] = (SenStatus.MONITORING, SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN)
POLICY_GROUPS = ("send_levels", "no_send_name")

__all__ = ["LEVELS", "Level", "SchoolPolicy", "from_settings", "load", "problems"]


@dataclass(frozen=True)
class SchoolPolicy:
    levels: dict[str, Level]
    no_send_name: str

    def level_name(self, status: str) -> str:
        if status == SenStatus.NONE:
            return self.no_send_name
        return self.levels[status].name

    def plan_name(self, kind: str) -> str:
        return self.levels[kind].plan_name

    def review(self, kind: str) -> str:
        return self.levels[kind].review


def policy_of(settings: SchoolSettings) -> SchoolPolicy:
    """The level names and review cycles of these settings; ValueError if they are malformed."""
    wrong = settings.problems_in(POLICY_GROUPS)
    if wrong:
        raise ValueError("school settings: " + "; ".join(wrong))
    return SchoolPolicy({key: settings.level(key) for key in LEVEL_KEYS}, settings.no_send_name)


def problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with a school's level names and review cycles, in words an admin can act on."""
    return from_stored(settings).problems_in(POLICY_GROUPS)


def from_settings(settings: dict[str, Any] | None) -> SchoolPolicy:
    return policy_of(from_stored(settings))


def load(session: Session, school_id: int) -> SchoolPolicy:
    return policy_of(school_settings.load(session, school_id))
