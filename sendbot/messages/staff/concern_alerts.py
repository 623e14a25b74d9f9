"""The staff alerts a new concern sends (`concern.new`, `safeguarding.alert`), as messages,
and the update of a delivered alert once someone acknowledged it.

Platform-neutral: the outbox worker turns a row's template and params into an
`OutgoingMessage` here, and each platform's sender lays it out. The first line is the
title. The alerts carry no narrative and no pupil name: who logged it, when, the year
group, and buttons whose sealed ids (`services.action_ids`) are re-authorised on every tap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.needs import Area
from sendbot.services import action_ids, safeguarding

ACK = action_ids.CONCERN_ACK
VIEW = action_ids.CONCERN_VIEW
# Platforms whose sender can change a message it sent (`OutgoingMessage.replaces`).
EDITABLE = ("slack", "telegram", "teams")


def acknowledge_button(session: Session, concern_id: int) -> Button:
    return Button(action_ids.seal(session, ACK, concern_id), "Acknowledge", "primary")


def view_details_button(session: Session, concern_id: int) -> Button:
    """Reading is not a step done, so this button stays when the others give way."""
    return Button(action_ids.seal(session, VIEW, concern_id), "View details", stays=True)


def _when(raw: str, tz: str) -> str:
    at = datetime.fromisoformat(raw).astimezone(ZoneInfo(tz))
    return at.strftime("%a %-d %b %Y, %H:%M")


def _year(year_group: Any) -> str:
    return "Reception" if int(year_group) == 0 else f"Year {int(year_group)}"


class CopyInFlight(Exception):
    """The copy to update is being sent this moment: the update waits for it (the worker
    tries a message that could not be written again shortly)."""


def _alert_lines(params: Mapping[str, Any], tz: str) -> list[str]:
    title = "Safeguarding concern logged"
    if params.get("immediate_danger"):
        title += ": immediate danger reported, 999 advised"
    if params.get("danger_alert_at"):
        # The follow-up of the early alert: the same report, now saved and ready to read.
        title = (
            "Safeguarding report now saved: the immediate danger you were alerted to at "
            f"{_when(params['danger_alert_at'], tz)}"
        )
    lines = [
        title,
        f"Logged by: {params['raised_by']}",
        f"When: {_when(params['raised_at'], tz)}",
        f"Year group: {_year(params['year_group'])}",
    ]
    if params.get("danger_alert_at") and not params.get("safeguarding"):
        lines.append("The reporter changed their answers and saved it as not safeguarding.")
    lines.append("Open the details in sendbot; they are not sent in chat.")
    return lines


def _acknowledged(
    session: Session, params: Mapping[str, Any], tz: str, by: str, at: datetime
) -> OutgoingMessage:
    """The alert once someone has taken it: who and when, in place of Acknowledge."""
    when = at.astimezone(ZoneInfo(tz)).strftime("%H:%M on %a %-d %b")
    lines = [*_alert_lines(params, tz), f"Acknowledged by {by} at {when}."]
    concern_id = int(params["concern_id"])
    return OutgoingMessage(
        text="\n".join(lines), buttons=(view_details_button(session, concern_id),)
    )


def safeguarding_alert(
    session: Session, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage:
    """The alert; written acknowledged if someone took it before this copy went out."""
    concern_id = int(params["concern_id"])
    taken = safeguarding.acknowledgement(session, concern_id)
    if taken is not None:
        return _acknowledged(session, params, tz, *taken)
    return OutgoingMessage(
        text="\n".join(_alert_lines(params, tz)),
        buttons=(
            acknowledge_button(session, concern_id),
            view_details_button(session, concern_id),
        ),
        urgent=True,
    )


def acknowledged_copy(
    session: Session, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage | None:
    """A delivered copy of an alert (or an escalation of it), updated in place to say who
    acknowledged it; None when there is no copy to update (not sent, or sent where a
    message cannot be changed)."""
    copy = safeguarding.alert_copy(session, int(params["copy_of"]))
    taken = safeguarding.acknowledgement(session, int(params["concern_id"]))
    if copy is None or taken is None:
        return None
    if copy.status == "claimed":
        raise CopyInFlight(f"outbox {params['copy_of']} is being sent")
    if copy.status != "sent" or copy.platform not in EDITABLE or not copy.message_id:
        return None
    message = _acknowledged(session, copy.params, tz, *taken)
    return dataclasses.replace(message, replaces=copy.message_id)


def immediate_danger(
    session: Session, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage:
    """Sent the moment a reporter answers that a child is in immediate danger, before they
    save: who is reporting (so the DSL can phone or find them), when and the year group.
    No narrative and no pupil name, like every alert; no buttons, since nothing is saved
    yet to open or acknowledge. Saving sends the alert with them."""
    lines = [
        "URGENT safeguarding: a child may be in immediate danger now",
        f"Reported by: {params['raised_by']} (still writing the report)",
        f"When: {_when(params['raised_at'], tz)}",
        f"Year group: {_year(params['year_group'])}",
        f"{params['raised_by']} has been told to call 999 and to tell the DSL in person. "
        "Contact them now. The report follows when it is saved; until then it is listed "
        "as unfinished ('unfinished' in sendbot).",
    ]
    return OutgoingMessage(text="\n".join(lines), urgent=True)


def concern_new(
    session: Session, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage:
    try:
        area = Area(params["area"]).label
    except (KeyError, ValueError):
        area = str(params.get("area", ""))
    lines = [
        "New concern logged",
        f"Logged by: {params['raised_by']}",
        f"When: {_when(params['raised_at'], tz)}",
        f"Year group: {_year(params['year_group'])}",
        f"Area: {area}",
    ]
    if params.get("safeguarding"):
        lines.append("Flagged as safeguarding: the DSL has been alerted.")
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(view_details_button(session, int(params["concern_id"])),),
    )


TEMPLATES: dict[str, Callable[..., OutgoingMessage | None]] = {
    keys.SAFEGUARDING_ALERT: safeguarding_alert,
    keys.SAFEGUARDING_DANGER: immediate_danger,
    keys.SAFEGUARDING_ACKNOWLEDGED: acknowledged_copy,
    keys.CONCERN_NEW: concern_new,
}


def render(
    session: Session, template: str, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage | None:
    return TEMPLATES[template](session, params, tz)
