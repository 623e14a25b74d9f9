"""The append-only audit log, each event chained by hash to the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sendbot.store.models import AuditEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def event_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "pupil_id": event.pupil_id,
        "at": event.at.isoformat(),
        "details": event.details,
    }


def record(
    session: Session,
    *,
    at: datetime,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None = None,
    school_id: int | None = None,
    pupil_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; the chain is serialised per database."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7311)"))
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        school_id=school_id,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        pupil_id=pupil_id,
        at=at,
        details=details or {},
        prev_hash=last or GENESIS,
    )
    event.hash = _digest(event.prev_hash, event_fields(event))
    session.add(event)
    session.flush()
    return event


def first_broken_link(session: Session) -> int | None:
    """The id of the first event whose hash or link does not hold, or None if all hold."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev or event.hash != _digest(prev, event_fields(event)):
            return event.id
        prev = event.hash
    return None
