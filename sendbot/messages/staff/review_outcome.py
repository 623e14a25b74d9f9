"""After a review meeting: was it held? Read from the meeting at send time, so a meeting
already marked (or moved, or cancelled) sends nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.services import meetings, review_outcomes
from sendbot.store.models import Meeting, Pupil


def outcome_prompt(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    meeting = session.get(Meeting, int(params["meeting_id"]))
    if meeting is None or meeting.status != "scheduled":
        return None
    if meetings.stamp_of(meeting) != params.get("stamp"):
        return None  # moved: the new time asks again once it has passed
    pupil = session.get(Pupil, meeting.pupil_id)
    day = review_outcomes.meeting_day(session, meeting)
    name = pupil.display_name if pupil else "a pupil"
    what = review_outcomes.kind_words(meeting.kind)
    lines = [
        f"Was {name}'s {what} on {day:%A %-d %B %Y} held?",
        "Tap Held and I will start what follows and date the next review"
        + (
            ": the report to the local authority within 2 weeks, the LA's decision within "
            "4 weeks, and the next annual review within 12 months (SEND Regs 2014 reg 20; "
            "CFA 2014 s44)."
            if meeting.kind == "annual_review"
            else " on the school's review cycle (Code 6.65)."
        ),
        "If it was not held, tap the reason; the review stays due and I will remind you to "
        "book it again. Type 'review held' to give the reason in your own words.",
    ]
    ids = review_outcomes.button_ids(session, meeting)
    labels = {review_outcomes.HELD: "Held", **review_outcomes.TAP_REASONS}
    labels["not_held_other"] = "Not held: other reason"
    buttons = tuple(
        Button(ids[value], label, "primary" if value == review_outcomes.HELD else None)
        for value, label in labels.items()
    )
    return OutgoingMessage(text="\n".join(lines), buttons=buttons)
