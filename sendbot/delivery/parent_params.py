"""The plain data each parent message is built from, and its JSON form for the outbox.

The outbox stores a template key and these params; the message is rendered at send time in
the recipient's language. So every field is JSON-safe through `to_params`/`from_params`,
and nothing here is already translated. Free text (target wording, next steps) is English as
staff wrote it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

# Canonical meeting kinds; anything else is worded as a general meeting about the child.
MEETING_KINDS = (
    "sen_support_review",
    "annual_review",
    "interim_review",
    "reintegration",
    "parent_meeting",
)

# How a target ended at a review, in the words PlanReview.outcomes and Target.status use.
OUTCOMES = ("met", "partly", "not_yet")
_OUTCOME_ALIASES = {
    "met": "met",
    "achieved": "met",
    "partly": "partly",
    "partly_met": "partly",
    "partially_met": "partly",
    "part": "partly",
    "not_met": "not_yet",
    "not_yet": "not_yet",
    "not yet": "not_yet",
}

# TargetProgress.rating values, in order.
RATINGS = ("not_yet", "emerging", "developing", "secure", "achieved")


def normalise_outcome(value: object) -> str:
    """One of OUTCOMES; an unknown word is read as 'not yet', never as success."""
    return _OUTCOME_ALIASES.get(str(value).strip().lower(), "not_yet")


def normalise_meeting_kind(kind: str) -> str:
    low = kind.lower()
    if low in MEETING_KINDS:
        return low
    for needle, canonical in (
        ("annual", "annual_review"),
        ("reintegration", "reintegration"),
        ("interim", "interim_review"),
        ("review", "sen_support_review"),
    ):
        if needle in low:
            return canonical
    return "parent_meeting"


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class RsvpActions:
    """Opaque action ids for the four invitation buttons, made and checked by the caller."""

    will_come: str
    cannot_come: str
    other_time: str
    interpreter: str


@dataclass(frozen=True)
class MeetingInvitationData:
    invitation_id: int
    meeting_kind: str
    child_name: str
    school_name: str
    starts_at: datetime  # aware; stored UTC, shown in the school's timezone
    ends_at: datetime | None
    place: str | None
    video_link: str | None
    actions: RsvpActions
    parent_name: str | None = None
    # Bump when the meeting moves, so calendar apps replace the old event.
    sequence: int = 0
    # Used in the calendar file's UID, so every copy of one invitation is the same event.
    uid_domain: str = "sendbot.invalid"

    def to_params(self) -> dict[str, Any]:
        params = asdict(self)
        params["starts_at"] = self.starts_at.isoformat()
        params["ends_at"] = self.ends_at.isoformat() if self.ends_at else None
        return params

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> MeetingInvitationData:
        values = dict(params)
        values["starts_at"] = _dt(values["starts_at"])
        values["ends_at"] = _dt(values.get("ends_at"))
        values["actions"] = RsvpActions(**values["actions"])
        return cls(**values)


@dataclass(frozen=True)
class TargetOutcome:
    wording: str  # the target's parent-friendly wording, English as staff wrote it
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class ReviewSummaryData:
    child_name: str
    school_name: str
    held_on: date
    reviewed: tuple[TargetOutcome, ...]
    new_targets: tuple[str, ...]
    next_steps: str | None
    next_review_on: date | None
    parent_name: str | None = None
    # Optional opaque ids; without them the message says how to reply in words only.
    reply_action_id: str | None = None
    interpreter_action_id: str | None = None
    show_english_action_id: str | None = None
    # Staff's next steps are encrypted at rest (PlanReview.next_steps_text): the outbox row
    # holds this id instead of the words, and `render` reads them with a session at send time.
    next_steps_review_id: int | None = None
    # The child it is about (an id, never shown): a parent's link for this message opens only
    # while its guardian may still read this child. Rows queued before it was kept lack it.
    pupil_id: int | None = None

    def to_params(self) -> dict[str, Any]:
        params = asdict(self)
        params["held_on"] = self.held_on.isoformat()
        params["next_review_on"] = self.next_review_on.isoformat() if self.next_review_on else None
        params["reviewed"] = [asdict(t) for t in self.reviewed]
        params["new_targets"] = list(self.new_targets)
        return params

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReviewSummaryData:
        values = dict(params)
        values["held_on"] = _d(values["held_on"])
        values["next_review_on"] = _d(values.get("next_review_on"))
        values["reviewed"] = tuple(TargetOutcome(**t) for t in values.get("reviewed", ()))
        values["new_targets"] = tuple(values.get("new_targets", ()))
        return cls(**values)


@dataclass(frozen=True)
class TargetProgressLine:
    wording: str
    rating: str | None  # one of RATINGS, or None when nobody has rated it yet


@dataclass(frozen=True)
class TermProgressData:
    child_name: str
    school_name: str
    term: str  # "2026-autumn", as TermDate.name stores it
    targets: tuple[TargetProgressLine, ...]
    next_steps: str | None
    next_review_on: date | None
    parent_name: str | None = None
    reply_action_id: str | None = None
    interpreter_action_id: str | None = None
    show_english_action_id: str | None = None
    next_steps_review_id: int | None = None  # as in ReviewSummaryData
    pupil_id: int | None = None  # as in ReviewSummaryData

    def to_params(self) -> dict[str, Any]:
        params = asdict(self)
        params["next_review_on"] = self.next_review_on.isoformat() if self.next_review_on else None
        params["targets"] = [asdict(t) for t in self.targets]
        return params

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TermProgressData:
        values = dict(params)
        values["next_review_on"] = _d(values.get("next_review_on"))
        values["targets"] = tuple(TargetProgressLine(**t) for t in values.get("targets", ()))
        return cls(**values)
