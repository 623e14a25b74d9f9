"""A one-time link to the staff web pages, in a staff member's own chat.

The words are here once: the chat's reply to "sign in" or View details, and the message the
outbox sends when someone asks for a new link from an expired one. The outbox row holds no
token: the renderer makes it when the message is sent, so it is never stored in the clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import OutgoingMessage
from sendbot.services import web_access
from sendbot.services.actors import staff_actor_by_id

NOT_ON = (
    "The school has not turned on sendbot's web pages yet, so I can't send a sign-in link. "
    "Ask the designated safeguarding lead, or the school admin to set them up."
)
NOT_FOR_YOU = (
    "You can't sign in to sendbot's web pages. Ask the school admin if you think you should."
)


def sign_in_text(url: str, what: str = "sendbot's web pages") -> str:
    minutes = int(web_access.LINK_LIFETIME.total_seconds() // 60)
    return (
        f"Here is your sign-in link to {what}. It works once, only for you, for the next "
        f"{minutes} minutes:\n{url}\n"
        "Do not forward it. The page signs you out after 15 minutes without use."
    )


def link_for(
    session: Session,
    actor_staff_id: int,
    base_url: str | None,
    now: datetime,
    page: str | None = None,
    what: str = "sendbot's web pages",
) -> str:
    """The reply with a fresh link for this person, or why there is none."""
    actor = staff_actor_by_id(session, actor_staff_id)
    if not base_url:
        return NOT_ON
    token = web_access.issue_link(session, actor, now, page) if actor else None
    if token is None:
        return NOT_FOR_YOU
    return sign_in_text(web_access.link_url(base_url, token), what)


def web_sign_in_link(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    staff_id = params.get("_recipient_staff_id")
    if staff_id is None:
        return None
    now = datetime.fromisoformat(str(params["_now"]))
    text = link_for(session, int(staff_id), params.get("base_url"), now, params.get("page"))
    return OutgoingMessage(text=text)
