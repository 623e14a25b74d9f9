"""A parent message's Reply button on a staff message: which message it answers, whether this
person may answer it, and the reply itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sendbot.services import action_ids, parents, policy
from sendbot.services.actors import StaffActor
from sendbot.services.policy import PermissionDenied


def message_answered_by(session: Session, token: str) -> int | None:
    """The parent's message a sealed Reply button names; None for any other button."""
    action = action_ids.decode(session, token)
    return action.subject_id if action is not None and action.kind == "reply" else None


def refusal(session: Session, actor: StaffActor, token: str) -> str | None:
    """Why this person cannot answer (asked before they type), or None if they can."""
    return policy.reply_refusal(session, actor, message_answered_by(session, token))


def send(session: Session, actor: StaffActor, token: str, text: str, now: datetime) -> str:
    """The reply, checked again and queued; the note that says it was sent.

    Raises PermissionDenied (an out-of-date button, someone not allowed) or ValueError
    (a reply too long or empty)."""
    message_id = message_answered_by(session, token)
    if message_id is None:
        raise PermissionDenied(policy.OUT_OF_DATE)
    parents.staff_reply(session, actor, message_id, text, now)
    return parents.reply_sent_note(text)
