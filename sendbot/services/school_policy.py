"""A school's policy choices, read from `School.settings` (JSON), with the defaults here.

Schools name their levels of support differently and review them at different rates, so
every message about a level uses the school's own words. Keys (all optional):

`send_levels`: for each level `monitoring`, `sen_support`, `ehc_plan`, an object with
- `name`: what the school calls the level ("Tier 2", "My Plan"); default "Monitoring",
  "SEN support", "EHC plan";
- `plan_name`: what the school calls that level's plan ("Learning Plan", "SEND Support Plan");
  default "Monitoring plan", "SEN support plan", "EHC plan";
- `review`: how often the plan is reviewed by default: "half_termly" or "termly" (the next
  review defaults to the end of the current half term or term); default "termly".

`no_send_name`: what the school calls pupils with no SEND level; default "No SEND".

Example (a school that works in tiers):

    {"send_levels": {"monitoring": {"name": "Tier 2", "plan_name": "Learning Plan"},
                     "sen_support": {"name": "Tier 3", "plan_name": "SEND Support Plan"}}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from sendbot.domain.people import SenStatus
from sendbot.store.models import School

LEVELS: tuple[SenStatus, ...] = (SenStatus.MONITORING, SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN)
REVIEW_FREQUENCIES = ("half_termly", "termly")

DEFAULT_LEVELS: dict[str, dict[str, str]] = {
    "monitoring": {"name": "Monitoring", "plan_name": "Monitoring plan", "review": "termly"},
    "sen_support": {"name": "SEN support", "plan_name": "SEN support plan", "review": "termly"},
    "ehc_plan": {"name": "EHC plan", "plan_name": "EHC plan", "review": "termly"},
}
DEFAULT_NO_SEND_NAME = "No SEND"


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    plan_name: str
    review: str


@dataclass(frozen=True)
class SchoolPolicy:
    levels: dict[str, Level]
    no_send_name: str = DEFAULT_NO_SEND_NAME

    def level_name(self, status: str) -> str:
        if status == SenStatus.NONE:
            return self.no_send_name
        return self.levels[status].name

    def plan_name(self, kind: str) -> str:
        return self.levels[kind].plan_name

    def review(self, kind: str) -> str:
        return self.levels[kind].review


def problems(settings: dict[str, Any]) -> list[str]:
    """What is wrong with a school's policy settings, in words an admin can act on."""
    found: list[str] = []
    levels = settings.get("send_levels", {})
    if not isinstance(levels, dict):
        return ["send_levels must be an object keyed by level"]
    for key, value in levels.items():
        if key not in DEFAULT_LEVELS:
            found.append(f"send_levels: '{key}' is not a level ({', '.join(DEFAULT_LEVELS)})")
            continue
        if not isinstance(value, dict):
            found.append(f"send_levels.{key} must be an object")
            continue
        for name in ("name", "plan_name"):
            if name in value and (not isinstance(value[name], str) or not value[name].strip()):
                found.append(f"send_levels.{key}.{name} must be a non-empty text")
        if "review" in value and value["review"] not in REVIEW_FREQUENCIES:
            found.append(f"send_levels.{key}.review must be one of {', '.join(REVIEW_FREQUENCIES)}")
    no_send = settings.get("no_send_name", DEFAULT_NO_SEND_NAME)
    if not isinstance(no_send, str) or not no_send.strip():
        found.append("no_send_name must be a non-empty text")
    return found


def from_settings(settings: dict[str, Any] | None) -> SchoolPolicy:
    settings = settings or {}
    wrong = problems(settings)
    if wrong:
        raise ValueError("school settings: " + "; ".join(wrong))
    configured = settings.get("send_levels", {})
    levels = {
        key: Level(key=key, **{**defaults, **configured.get(key, {})})
        for key, defaults in DEFAULT_LEVELS.items()
    }
    return SchoolPolicy(levels, settings.get("no_send_name", DEFAULT_NO_SEND_NAME))


def load(session: Session, school_id: int) -> SchoolPolicy:
    school = session.get(School, school_id)
    return from_settings(school.settings if school else None)
