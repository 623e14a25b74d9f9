"""The append-only audit log, each event chained by hash to the one before it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.store import locks
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
    locks.serialise(session, locks.AUDIT_CHAIN)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        school_id=school_id,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        pupil_id=pupil_id,
        at=at.astimezone(UTC),  # hashed as it will read back, whatever zone it came in
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


@dataclass(frozen=True)
class ChainReport:
    """What `sendbot audit verify` says: how many events, the head, and the first break."""

    events: int
    last_id: int | None
    last_hash: str | None
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def describe(self) -> str:
        if self.intact:
            head = f", last hash {self.last_hash[:16]}" if self.last_hash else ""
            return f"audit chain intact ({self.events} events{head})"
        return f"event {self.broken_id} was changed or removed: {self.reason}"


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the start and name the first event that is not as recorded.

    An edited event no longer matches its own hash. A deleted event leaves the next one
    pointing at a hash that is not its predecessor's; the first missing id is named (ids
    can also skip when a transaction rolls back, so only the broken link is the evidence).
    Deleting the newest events leaves a shorter chain that still holds, which is why the
    report gives the last hash: keep it somewhere else and compare.
    """
    prev_hash, prev_id, count = GENESIS, None, 0
    events = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(events):
        if event.prev_hash != prev_hash:
            expected_first = 1 if prev_id is None else prev_id + 1
            missing = expected_first if expected_first < event.id else event.id
            after = "the start of the log" if prev_id is None else f"event {prev_id}"
            return ChainReport(
                count,
                prev_id,
                None if prev_id is None else prev_hash,
                missing,
                f"event {event.id} no longer follows on from {after} - the events between "
                f"them were deleted, or event {event.id}'s link was edited",
            )
        if event.hash != _digest(prev_hash, event_fields(event)):
            return ChainReport(
                count,
                prev_id,
                None if prev_id is None else prev_hash,
                event.id,
                f"its contents no longer match the hash recorded with it "
                f"(action now reads {event.action!r}, at {event.at:%Y-%m-%d %H:%M} UTC)",
            )
        prev_hash, prev_id, count = event.hash, event.id, count + 1
    return ChainReport(count, prev_id, None if prev_id is None else prev_hash)
