"""Replies to a person's own message, kept like the outbox keeps what the bot starts.

A reply (the confirmation of a message to school, the next question of a flow, the language
buttons) is saved in the transaction that handles the update it answers, so it exists iff
its cause does. The process that handled the update sends it at once; when the platform
says wait (429) or cannot be reached, the reply stays here and the scheduler's sweep sends
it after the wait. A chat's replies go in the order they were written: a reply waits while
an earlier one to the same chat is unsent. A sent reply is deleted (its body can name a
child), and so is one the platform refuses (blocked, malformed) or that still fails after
`MAX_ATTEMPTS` (the log says why): what the person wrote is saved either way.

At least once, like the outbox: a reply goes twice only if its process dies after the
platform accepted it and before its row was deleted.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from sendbot.delivery.contract import Attachment, Button, OutgoingMessage
from sendbot.store.models import ChatReply

log = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "claimed"
UNSENT = (PENDING, CLAIMED)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Reply:
    """One claimed reply, ready to send."""

    id: int
    platform: str
    chat_key: str
    message: OutgoingMessage


def queue(
    session: Session,
    platform: str,
    chat_key: str,
    replies: list[OutgoingMessage],
    now: datetime,
    *,
    claim_as: str | None = None,
) -> list[int]:
    """Save the replies to one update; returns their ids if they were claimed for `claim_as`.

    They are claimed at once (no second commit before sending) unless an earlier reply to the
    chat is still unsent: then they wait their turn behind it.
    """
    if not replies:
        return []
    earlier = session.scalar(
        select(ChatReply.id).where(_chat(platform, chat_key), ChatReply.status.in_(UNSENT)).limit(1)
    )
    claimed = claim_as is not None and earlier is None
    rows = [
        ChatReply(
            platform=platform,
            chat_key=chat_key,
            body=encode(message),
            status=CLAIMED if claimed else PENDING,
            attempts=0,
            not_before=now,
            claimed_by=claim_as if claimed else None,
            lease_until=now + LEASE if claimed else None,
            created_at=now,
        )
        for message in replies
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows] if claimed else []


def claim_chat(
    session: Session, platform: str, chat_key: str, now: datetime, worker: str
) -> list[Reply]:
    """Claim the chat's due replies, oldest first, stopping at one that is not ours to send
    (not due yet, or leased to another process), so none overtakes an earlier one."""
    rows = session.scalars(
        select(ChatReply)
        .where(_chat(platform, chat_key), ChatReply.status.in_(UNSENT))
        .order_by(ChatReply.id)
    ).all()
    claimed: list[Reply] = []
    for row in rows:
        if row.body is None:
            break
        result = session.execute(
            update(ChatReply)
            .where(ChatReply.id == row.id, _due(now))
            .values(status=CLAIMED, claimed_by=worker, lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            break
        claimed.append(Reply(row.id, platform, chat_key, decode(row.body)))
    return claimed


def due_chats(
    session: Session, now: datetime, platforms: list[str], limit: int = 100
) -> list[tuple[str, str]]:
    """Chats with a reply due (or one whose sender's lease ran out), for the sweep."""
    if not platforms:
        return []
    found = session.execute(
        select(ChatReply.platform, ChatReply.chat_key)
        .where(_due(now), ChatReply.platform.in_(platforms))
        .group_by(ChatReply.platform, ChatReply.chat_key)
        .order_by(ChatReply.platform, ChatReply.chat_key)
        .limit(limit)
    ).all()
    return [(platform, chat_key) for platform, chat_key in found]


def done(session: Session, reply_ids: list[int]) -> None:
    """Sent, or refused for good (blocked, malformed): nothing is left to keep."""
    session.execute(delete(ChatReply).where(ChatReply.id.in_(reply_ids)))


def retry(
    session: Session,
    reply_ids: list[int],
    now: datetime,
    wait_seconds: float | None,
    detail: str,
    parts: tuple[tuple[str, str], ...] = (),
) -> None:
    """The first reply could not go now: it and the ones behind it wait `wait_seconds` (the
    platform's `retry_after`) or a growing back-off. After `MAX_ATTEMPTS` the first is given
    up and the rest are due again at once. `parts` of the first that did arrive are kept
    with it, so the next try sends only the rest."""
    if not reply_ids:
        return
    first = session.get(ChatReply, reply_ids[0])
    if first is None:
        return
    if parts and first.body is not None:
        first.body = {**first.body, "delivered": [*first.body.get("delivered", []), *parts]}
    first.attempts += 1
    first.last_error = detail[:2000]
    if first.attempts >= MAX_ATTEMPTS:
        log.warning(
            "a reply to a %s chat dropped after %s tries: %s",
            first.platform,
            first.attempts,
            detail,
        )
        session.delete(first)
        session.flush()
        after = now
    else:
        wait = wait_seconds or min(
            BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (first.attempts - 1)
        )
        after = now + timedelta(seconds=wait)
    session.execute(
        update(ChatReply)
        .where(ChatReply.id.in_(reply_ids), ChatReply.status == CLAIMED)
        .values(status=PENDING, claimed_by=None, lease_until=None, not_before=after)
        .execution_options(synchronize_session=False)
    )


def _chat(platform: str, chat_key: str) -> Any:
    return (ChatReply.platform == platform) & (ChatReply.chat_key == chat_key)


def _due(now: datetime) -> Any:
    return or_(
        (ChatReply.status == PENDING) & (ChatReply.not_before <= now),
        (ChatReply.status == CLAIMED) & (ChatReply.lease_until < now),
    )


# --- the body: an OutgoingMessage as JSON ---------------------------------------------------


def encode(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "text": message.text,
        "buttons": [[b.action_id, b.label, b.style, b.stays] for b in message.buttons],
        "attachments": [
            {
                "filename": a.filename,
                "content": base64.b64encode(a.content).decode("ascii"),
                "mime_type": a.mime_type,
                "title": a.title,
            }
            for a in message.attachments
        ],
        "language": message.language,
        "urgent": message.urgent,
        "delivered": [list(part) for part in message.delivered],
    }


def decode(body: dict[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        text=body["text"],
        buttons=tuple(Button(a, label, style, stays) for a, label, style, stays in body["buttons"]),
        attachments=tuple(
            Attachment(
                a["filename"], base64.b64decode(a["content"]), a["mime_type"], a.get("title")
            )
            for a in body["attachments"]
        ),
        language=body.get("language", "en"),
        urgent=bool(body.get("urgent", False)),
        delivered=tuple((name, sent) for name, sent in body.get("delivered", [])),
    )
