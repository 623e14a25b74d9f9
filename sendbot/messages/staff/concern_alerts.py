"""The staff alerts a new concern sends (`concern.new`, `safeguarding.alert`), as messages.

Platform-neutral: the outbox worker turns a row's template and params into an
`OutgoingMessage` here, and each platform's sender lays it out. The first line is the
title. The alerts carry no narrative and no pupil name: who logged it, when, the year
group, and buttons whose sealed ids (`services.action_ids`) are re-authorised on every tap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.needs import Area
from sendbot.services import action_ids

ACK = action_ids.CONCERN_ACK
VIEW = action_ids.CONCERN_VIEW


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


def safeguarding_alert(
    session: Session, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage:
    title = "Safeguarding concern logged"
    if params.get("immediate_danger"):
        title += ": immediate danger reported, 999 advised"
    lines = [
        title,
        f"Logged by: {params['raised_by']}",
        f"When: {_when(params['raised_at'], tz)}",
        f"Year group: {_year(params['year_group'])}",
        "Open the details in sendbot; they are not sent in chat.",
    ]
    concern_id = int(params["concern_id"])
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            acknowledge_button(session, concern_id),
            view_details_button(session, concern_id),
        ),
        urgent=True,
    )


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


TEMPLATES: dict[str, Callable[..., OutgoingMessage]] = {
    keys.SAFEGUARDING_ALERT: safeguarding_alert,
    keys.CONCERN_NEW: concern_new,
}


def render(
    session: Session, template: str, params: Mapping[str, Any], tz: str = "Europe/London"
) -> OutgoingMessage:
    return TEMPLATES[template](session, params, tz)
