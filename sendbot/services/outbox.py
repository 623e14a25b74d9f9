"""Writing to the outbox, in the caller's transaction, so a message exists iff its cause does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sendbot.store.models import Outbox

URGENT = 0
NORMAL = 5


def enqueue(
    session: Session,
    *,
    school_id: int,
    template: str,
    params: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    recipient_staff_id: int | None = None,
    recipient_guardian_id: int | None = None,
    priority: int = NORMAL,
    not_before: datetime | None = None,
) -> Outbox | None:
    """Add one message unless one with the same dedupe key exists; returns the new row."""
    if (recipient_staff_id is None) == (recipient_guardian_id is None):
        raise ValueError("an outbox message has exactly one recipient")
    if session.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key)) is not None:
        return None
    row = Outbox(
        school_id=school_id,
        recipient_staff_id=recipient_staff_id,
        recipient_guardian_id=recipient_guardian_id,
        template=template,
        params=params,
        priority=priority,
        not_before=not_before or now,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    session.add(row)
    return row


# A reminder that went out inside another message (one person's reminders about one pupil
# on one day): its row keeps its dedupe key, so it is never queued again, and is never sent.
MERGED = "merged"


def record_merged(
    session: Session,
    *,
    school_id: int,
    recipient_staff_id: int,
    template: str,
    params: dict[str, Any],
    dedupe_key: str,
    into: str,
    now: datetime,
) -> None:
    """Keep a reminder's dedupe key, marked as carried by the message keyed `into`."""
    session.add(
        Outbox(
            school_id=school_id,
            recipient_staff_id=recipient_staff_id,
            template=template,
            params={**params, "merged_into": into},
            not_before=now,
            dedupe_key=dedupe_key,
            status=MERGED,
            created_at=now,
        )
    )


def add_items(session: Session, dedupe_key: str, items: list[dict[str, Any]]) -> bool:
    """Add items to a message of items still waiting to go; False if it has been claimed or
    sent (a worker has read it), so the caller can carry them in the next one instead."""
    row = session.scalar(select(Outbox).where(Outbox.dedupe_key == dedupe_key))
    if row is None or row.status != "pending":
        return False
    params = {**row.params, "items": [*row.params.get("items", []), *items]}
    result = session.execute(
        update(Outbox)
        .where(Outbox.id == row.id, Outbox.status == "pending")
        .values(params=params)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))
