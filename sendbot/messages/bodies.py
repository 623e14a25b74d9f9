"""Messages whose words are a stored, encrypted message between a family and the school.

The outbox holds only the message's id and the text is read at send time, so none of it
sits in plain JSON in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.store.models import ParentMessage

_BODIES = {keys.PARENT_STAFF_REPLY: "reply_id", keys.PARENT_MESSAGE_NOTICE: "message_id"}


class NeedsSession(LookupError):
    """This message's text is in the database; render it with a session."""


def with_body(
    template: str, params: Mapping[str, Any], session: Session | None
) -> Mapping[str, Any]:
    """The params with the stored message's words under "text", for the templates that have one."""
    key = _BODIES.get(template)
    if key is None or "text" in params:
        return params
    if session is None:
        raise NeedsSession(f"{template} reads the message text: pass a database session")
    message = session.get(ParentMessage, int(params[key]))
    if message is None:
        raise NeedsSession(f"{template}: message {params[key]} no longer exists")
    return {**params, "text": message.body_text}
