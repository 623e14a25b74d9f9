"""A one-time link to the staff web pages, from any chat: the words 'sign in' (or 'web'),
and an alert's View details on a platform that does not show a concern's details itself.

Not a flow: one answer, nothing asked. The link goes only into the person's own chat (the
conversation is theirs), works once, for 10 minutes; the page it opens asks the policy
again, so a link never opens more than its holder may read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sendbot.messages.staff import web_link
from sendbot.services import web_access
from sendbot.services.actors import StaffActor

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

SIGN_IN_WORDS = ("sign in", "signin", "log in", "login", "web", "web page", "/web", "/signin")
HELP_LINE = (
    "Type 'sign in' for a link to sendbot's web pages, or 'details 12' for concern #12's "
    "page (a link works once, for 10 minutes)."
)
DETAILS = re.compile(r"^(?:view )?details (?:of )?(?:concern )?#?(\d{1,9})$")


def concern_asked(said: str) -> int | None:
    """'details 12' (or 'details #12', 'view details of concern 12'): the concern's number."""
    found = DETAILS.match(said)
    return int(found.group(1)) if found else None


def sign_in_reply(session: Session, actor: StaffActor, web_url: str | None, now: datetime) -> str:
    return web_link.link_for(session, actor.staff_id, web_url, now)


def concern_details_reply(
    session: Session, actor: StaffActor, web_url: str | None, concern_id: int, now: datetime
) -> str:
    """View details: a link that opens this concern's page (which re-asks who may read)."""
    refusal = web_access.concern_link_refusal(session, actor, concern_id, now)
    if refusal is not None:
        return refusal
    page = web_access.concern_page(concern_id)
    return web_link.link_for(
        session, actor.staff_id, web_url, now, page, what=f"concern #{concern_id}"
    )
