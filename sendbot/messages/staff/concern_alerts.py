"""The staff alerts a new concern sends (`concern.new`, `safeguarding.alert`), as messages.

Platform-neutral: the outbox worker turns a row's template and params into an
`OutgoingMessage` here, and each platform's sender lays it out. The first line is the
title. The alerts carry no narrative and no pupil name: who logged it, when, the year
group, and buttons whose ids are re-authorised on every tap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sendbot.delivery import keys
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.needs import Area

ACK = "safeguarding.ack"
VIEW = "concern.view"


def action_id(kind: str, concern_id: int) -> str:
    return f"{kind}:{concern_id}"


def _when(raw: str, tz: str) -> str:
    at = datetime.fromisoformat(raw).astimezone(ZoneInfo(tz))
    return at.strftime("%a %-d %b %Y, %H:%M")


def _year(year_group: Any) -> str:
    return "Reception" if int(year_group) == 0 else f"Year {int(year_group)}"


def safeguarding_alert(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
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
            Button(action_id(ACK, concern_id), "Acknowledge", "primary"),
            Button(action_id(VIEW, concern_id), "View details"),
        ),
        urgent=True,
    )


def concern_new(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
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
        buttons=(Button(action_id(VIEW, int(params["concern_id"])), "View details"),),
    )


TEMPLATES: dict[str, Callable[..., OutgoingMessage]] = {
    keys.SAFEGUARDING_ALERT: safeguarding_alert,
    keys.CONCERN_NEW: concern_new,
}


def render(template: str, params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    return TEMPLATES[template](params, tz)
