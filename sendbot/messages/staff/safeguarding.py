"""Safeguarding follow-ups: the unacknowledged-alert escalation, the referral chase, the
cumulative-concerns prompt and a leaving pupil's child protection file.

None carries a concern's narrative or a pupil's name: only the year group, who logged it
and when, with buttons whose ids are re-authorised on every tap. The one exception is the
prompt to send a leaving pupil's child protection file, which goes to the DSL and deputies
alone and must name the pupil and the new school for them to act on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.needs import Area
from sendbot.messages.staff import concern_alerts
from sendbot.messages.staff.wording import timezone_of, when, year_group
from sendbot.services import action_ids
from sendbot.services import deadlines as deadline_service
from sendbot.store.models import Concern, Pupil


def escalation(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    concern = session.get(Concern, int(params["concern_id"]))
    if concern is None or concern.acknowledged_at is not None or concern.status != "open":
        return None  # acknowledged since: the escalation has done its job
    minutes = int(params.get("minutes", 0))
    title = f"Safeguarding alert NOT acknowledged after {minutes} minutes"
    if params.get("immediate_danger"):
        title += ": immediate danger reported, 999 advised"
    lines = [
        title,
        f"Logged by: {params.get('raised_by')}",
        f"When: {when(str(params['raised_at']), timezone_of(params))}",
        f"Year group: {year_group(params.get('year_group'))}",
        "Nobody from the safeguarding team has acknowledged it yet. Please acknowledge it, "
        "or make sure the DSL or a deputy has it now.",
    ]
    cid = concern.id
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            concern_alerts.acknowledge_button(session, cid),
            concern_alerts.view_details_button(session, cid),
        ),
        urgent=True,
    )


def referral_chase(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    concern = session.get(Concern, int(params["concern_id"]))
    if concern is None or concern.status in deadline_service.CLOSED_CONCERN:
        return None
    referral = deadline_service.referral_of(session, concern.id)
    if referral is None or deadline_service.la_response_of(session, concern.id, referral.at):
        return None  # the local authority has replied since
    tz = timezone_of(params)
    chases = int(params.get("chases", 0))
    lines = [
        "Referral follow-up: has the local authority replied?",
        f"Concern #{concern.id} ({year_group(params.get('year_group'))}, logged by {params.get('raised_by')}) "
        f"was referred to children's social care on {when(str(params['referral_at']), tz)}.",
        "Within one working day they should acknowledge it and decide the next steps "
        "(Keeping children safe in education; Working Together 2023).",
        "If they have not, follow it up and record that you did. If the child's situation "
        "does not improve, consider the local escalation procedure.",
    ]
    if chases:
        lines.insert(2, f"Chased {chases} time{'s' if chases != 1 else ''} so far.")
    cid = concern.id
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            Button(
                action_ids.seal(session, action_ids.LA_REPLIED, cid), "They have replied", "primary"
            ),
            Button(action_ids.seal(session, action_ids.REFERRAL_CHASED, cid), "I have chased them"),
            concern_alerts.view_details_button(session, cid),
        ),
        urgent=True,
    )


def cumulative(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    tz = timezone_of(params)
    areas = []
    for key, count in sorted(dict(params.get("areas") or {}).items()):
        try:
            label = Area(key).label
        except ValueError:
            label = key
        areas.append(f"{label}: {count}")
    flagged = int(params.get("safeguarding", 0))
    lines = [
        f"{params['count']} concerns about one pupil in {params['days']} days "
        f"({year_group(params.get('year_group'))})",
        f"From {when(str(params['first_at']), tz)} to {when(str(params['last_at']), tz)}.",
        "Areas: " + ", ".join(areas),
    ]
    if flagged:
        lines.append(f"{flagged} of them flagged as safeguarding.")
    lines.append(
        "Please look at them together, DSL and SENCO. Signs of harm in pupils with SEND, "
        "such as changes in behaviour, mood or injuries, are too easily put down to their "
        "needs (Keeping children safe in education)."
    )
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            Button(
                action_ids.seal(session, action_ids.REVIEW_PUPIL, int(params["pupil_id"])),
                "Look at them together",
                "primary",
            ),
        ),
    )


def cp_file_transfer(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    """To the DSL and deputies: a pupil with a child protection file is leaving (or the file
    is due today); send it to the new school and record its receipt."""
    pupil = session.get(Pupil, int(params["pupil_id"]))
    if pupil is None or pupil.leaving_on is None or pupil.cp_file_received_on is not None:
        return None  # receipt confirmed since, or the leaving was taken back
    if pupil.leaving_on.isoformat() != params.get("leaving_on"):
        return None  # a different leaving date since: that one has its own prompt
    due = date.fromisoformat(str(params["due_on"])) if params.get("due_on") else None
    due_words = f"by {due:%A %-d %B %Y}" if due else "within 5 school days"
    title = (
        "Child protection file due today: has the new school confirmed receipt?"
        if params.get("stage") == "due"
        else "Child protection file: send it to the new school"
    )
    where = pupil.destination_school or "the new school (not recorded yet)"
    lines = [
        title,
        f"{pupil.display_name} ({year_group(pupil.year_group)}) leaves on "
        f"{pupil.leaving_on:%A %-d %B %Y} for {where}.",
        f"Send the child protection file to the new school's DSL {due_words}: separately "
        "from the main pupil file, securely, and get confirmation of receipt (Keeping "
        "children safe in education, Annex C: 5 school days, or the first 5 days of a new "
        "term).",
    ]
    if pupil.cp_file_sent_on is not None:
        lines.append(f"Sent on {pupil.cp_file_sent_on:%a %-d %b %Y}; receipt not confirmed yet.")
    buttons = [
        Button(
            action_ids.seal(session, action_ids.CP_FILE_RECEIVED, pupil.id),
            "Receipt confirmed today",
            "primary",
        )
    ]
    if pupil.cp_file_sent_on is None:
        buttons.insert(
            0,
            Button(action_ids.seal(session, action_ids.CP_FILE_SENT, pupil.id), "File sent today"),
        )
    return OutgoingMessage(text="\n".join(lines), buttons=tuple(buttons))
