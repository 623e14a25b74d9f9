"""Writing to the outbox, in the caller's transaction, so a message exists iff its cause does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
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
