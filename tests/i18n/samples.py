"""Sample parent messages used across the language tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sendbot.messages.parents import (
    MeetingInvitationData,
    ReviewSummaryData,
    RsvpActions,
    TargetOutcome,
    TargetProgressLine,
    TermProgressData,
)

# 13:00 UTC in June is 14:00 in London (British Summer Time).
STARTS = datetime(2027, 6, 15, 13, 0, tzinfo=UTC)
ENDS = datetime(2027, 6, 15, 14, 0, tzinfo=UTC)
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)

ACTIONS = RsvpActions("opaque-yes", "opaque-no", "opaque-other", "opaque-interpreter")


def invitation(kind: str = "annual_review", **changes: object) -> MeetingInvitationData:
    values: dict[str, object] = dict(
        invitation_id=41,
        meeting_kind=kind,
        child_name="Amelia",
        school_name="Oakfield Primary School",
        starts_at=STARTS,
        ends_at=ENDS,
        place="Room 4",
        video_link=None,
        actions=ACTIONS,
        parent_name="Sara",
        uid_domain="oakfield.example",
    )
    values.update(changes)
    return MeetingInvitationData(**values)  # type: ignore[arg-type]


def review(**changes: object) -> ReviewSummaryData:
    values: dict[str, object] = dict(
        child_name="Amelia",
        school_name="Oakfield Primary School",
        held_on=date(2027, 6, 15),
        reviewed=(
            TargetOutcome("Read 20 common words by sight", "met"),
            TargetOutcome("Write a sentence with a capital letter and a full stop", "partly"),
            TargetOutcome("Count on from any number to 50", "not_yet"),
        ),
        new_targets=("Read 40 common words by sight", "Use capital letters for names"),
        next_steps="The TA will read with Amelia every day. The EP will visit in the autumn.",
        next_review_on=date(2027, 10, 20),
        parent_name="Sara",
    )
    values.update(changes)
    return ReviewSummaryData(**values)  # type: ignore[arg-type]


def term_progress(**changes: object) -> TermProgressData:
    values: dict[str, object] = dict(
        child_name="Amelia",
        school_name="Oakfield Primary School",
        term="2027-summer",
        targets=tuple(
            TargetProgressLine(f"Target {n}", rating)
            for n, rating in enumerate(
                ["not_yet", "emerging", "developing", "secure", "achieved", None], start=1
            )
        ),
        next_steps="Amelia will join a small reading group.",
        next_review_on=date(2027, 10, 20),
        parent_name="Sara",
    )
    values.update(changes)
    return TermProgressData(**values)  # type: ignore[arg-type]
