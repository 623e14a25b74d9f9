"""The append-only audit log, each event chained by hash to the one before it, and signed
checkpoints of its head that someone who can only write to the database cannot make."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.store import crypto, locks
from sendbot.store.crypto import keyring_of
from sendbot.store.models import AuditCheckpoint, AuditEvent

log = logging.getLogger(__name__)

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
    """The id of the first event that is not as recorded, or None if all hold."""
    return verify_chain(session).broken_id


# --- signed checkpoints --------------------------------------------------------------------

_CHECKPOINT_CONTEXT = b"sendbot audit checkpoints v1"


def _signing_keys(session: Session) -> dict[str, bytes]:
    """Checkpoint keys by fingerprint, newest first, derived from the encryption keys: they
    live in configuration or a key file, never in the database, so a copy of the database
    (or someone who can only write to it) cannot sign."""
    ring = keyring_of(session.get_bind().dialect)
    return {
        crypto.fingerprint(key): hmac.new(
            key.strip().encode("ascii"), _CHECKPOINT_CONTEXT, hashlib.sha256
        ).digest()
        for key in ring.keys
    }


def _signature(key: bytes, event_id: int, event_hash: str, at: datetime) -> str:
    message = f"{event_id}|{event_hash}|{at.astimezone(UTC).isoformat()}"
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Signed:
    """A checkpoint whose signature held: the chain must still pass through it."""

    id: int
    event_id: int
    event_hash: str
    at: datetime

    def said(self) -> str:
        return f"checkpoint {self.id} signed {self.at:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class _Checkpoints:
    signed: list[_Signed]
    forged: AuditCheckpoint | None  # the first whose signature does not hold
    unchecked: int  # signed with a key no longer configured


def _checkpoints(session: Session) -> _Checkpoints:
    rows = list(
        session.scalars(
            select(AuditCheckpoint).order_by(AuditCheckpoint.event_id, AuditCheckpoint.id)
        )
    )
    if not rows:
        return _Checkpoints([], None, 0)
    keys = _signing_keys(session)
    signed: list[_Signed] = []
    forged, unchecked = None, 0
    for row in rows:
        key = keys.get(row.key_fingerprint)
        if key is None:
            unchecked += 1
        elif hmac.compare_digest(
            row.signature, _signature(key, row.event_id, row.event_hash, row.at)
        ):
            signed.append(_Signed(row.id, row.event_id, row.event_hash, row.at))
        elif forged is None:
            forged = row
    return _Checkpoints(signed, forged, unchecked)


def _newest_signed(session: Session) -> _Signed | None:
    """The checkpoint furthest along the chain whose signature holds."""
    keys: dict[str, bytes] | None = None
    rows = select(AuditCheckpoint).order_by(
        AuditCheckpoint.event_id.desc(), AuditCheckpoint.id.desc()
    )
    for row in session.scalars(rows.execution_options(yield_per=100)):
        keys = keys if keys is not None else _signing_keys(session)
        key = keys.get(row.key_fingerprint)
        if key is not None and hmac.compare_digest(
            row.signature, _signature(key, row.event_id, row.event_hash, row.at)
        ):
            return _Signed(row.id, row.event_id, row.event_hash, row.at)
    return None


class ChainBroken(RuntimeError):
    """The chain does not hold, so no checkpoint may vouch for it."""

    def __init__(self, report: ChainReport) -> None:
        super().__init__(report.describe())
        self.report = report


def write_checkpoint(session: Session, now: datetime) -> AuditCheckpoint | None:
    """Sign the chain's head, after checking every event since the newest checkpoint.

    None when there is nothing new to sign. Raises ChainBroken rather than vouching for a
    chain that does not hold. Called every minute by the scheduler and by `sendbot audit
    checkpoint`; serialised with the writers of the chain, so the head cannot move meanwhile.
    """
    locks.serialise(session, locks.AUDIT_CHAIN)
    newest = _newest_signed(session)
    report = verify_chain(session, since=newest)
    if not report.intact:
        raise ChainBroken(report)
    if report.last_id is None or report.last_hash is None:
        return None
    if newest is not None and newest.event_id == report.last_id:
        return None
    fingerprint, key = next(iter(_signing_keys(session).items()))
    at = now.astimezone(UTC)
    checkpoint = AuditCheckpoint(
        event_id=report.last_id,
        event_hash=report.last_hash,
        at=at,
        key_fingerprint=fingerprint,
        signature=_signature(key, report.last_id, report.last_hash, at),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def checkpoint_job(session: Session, now: datetime) -> int:
    """The scheduler's minute job: a checkpoint when the log has grown; a broken chain is
    logged (ids and reasons only) and left unsigned."""
    try:
        return 1 if write_checkpoint(session, now) is not None else 0
    except ChainBroken as exc:
        log.error("audit log not checkpointed: %s", exc)
        return 0


# --- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """What `sendbot audit verify` says: how many events, the head, the first break, and
    how far signed checkpoints vouch for it."""

    events: int
    last_id: int | None
    last_hash: str | None
    broken_id: int | None = None
    reason: str | None = None
    checkpoint: str | None = None  # the newest checkpoint the chain passes through
    covered_to: int | None = None
    uncovered: int = 0
    unchecked: int = 0
    exact: bool = True  # False when only a span of events can be named

    @property
    def intact(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        if not self.intact:
            if self.broken_id is None or not self.exact:
                return str(self.reason)
            return f"event {self.broken_id} was changed or removed: {self.reason}"
        head = f", last hash {self.last_hash[:16]}" if self.last_hash else ""
        text = f"audit chain intact ({self.events} events{head})"
        if self.checkpoint is not None:
            text += f"; {self.checkpoint} covers events up to {self.covered_to}"
            if self.uncovered:
                text += (
                    f"; the {self.uncovered} newer event(s) are not yet covered by a "
                    "checkpoint, so cannot be told from ones added behind sendbot's back"
                )
        elif self.events:
            text += "; no signed checkpoint covers it yet (run `sendbot audit checkpoint`)"
        if self.unchecked:
            text += (
                f"; {self.unchecked} older checkpoint(s) signed with a key no longer "
                "configured were not checked"
            )
        return text


class _Walk:
    """One pass over the chain, oldest first, checking each link, each hash and each
    signed checkpoint on the way; stops at the first event that is not as recorded."""

    def __init__(self, signed: list[_Signed], start: _Signed | None) -> None:
        self.pending = sorted(signed, key=lambda c: (c.event_id, c.id))
        self.prev_hash = start.event_hash if start else GENESIS
        self.prev_id: int | None = start.event_id if start else None
        self.count = 0
        self.passed: _Signed | None = start
        self.uncovered = 0
        self.rewritten: ChainReport | None = None  # held until the next link is seen

    def report(self, broken_id: int | None = None, reason: str | None = None) -> ChainReport:
        return ChainReport(
            self.count,
            self.prev_id,
            None if self.prev_id is None else self.prev_hash,
            broken_id,
            reason,
            self.passed.said() if self.passed else None,
            self.passed.event_id if self.passed else None,
            self.uncovered if self.passed else 0,
        )

    def step(self, event: AuditEvent) -> ChainReport | None:
        """None when the event is as recorded; the report naming it (or an earlier one)
        otherwise."""
        if self.rewritten is not None:
            return self._link(event) or self.rewritten
        if self.pending and self.pending[0].event_id < event.id:
            gone = self.pending[0]
            return self.report(
                gone.event_id,
                f"{gone.said()} vouches for it, but it is no longer in the log",
            )
        broken = self._link(event) or self._hash(event) or self._signed(event)
        if broken is not None:
            return broken
        self.prev_hash, self.prev_id = event.hash, event.id
        self.count += 1
        vouched = self.passed is not None and self.passed.event_id == event.id
        self.uncovered = 0 if vouched else self.uncovered + 1
        return None

    def _link(self, event: AuditEvent) -> ChainReport | None:
        if event.prev_hash == self.prev_hash:
            return None
        expected_first = 1 if self.prev_id is None else self.prev_id + 1
        self_consistent = event.hash == _digest(event.prev_hash, event_fields(event))
        if self.prev_id is not None and event.id == expected_first and self_consistent:
            return self.report(
                self.prev_id,
                f"its contents were changed and its hash recomputed: event {event.id}, "
                f"written after it, still links to the hash it had",
            )
        missing = expected_first if expected_first < event.id else event.id
        after = "the start of the log" if self.prev_id is None else f"event {self.prev_id}"
        return self.report(
            missing,
            f"event {event.id} no longer follows on from {after} - the events between "
            f"them were deleted, or event {event.id}'s link was edited",
        )

    def _hash(self, event: AuditEvent) -> ChainReport | None:
        if event.hash == _digest(self.prev_hash, event_fields(event)):
            return None
        return self.report(
            event.id,
            f"its contents no longer match the hash recorded with it "
            f"(action now reads {event.action!r}, at {event.at:%Y-%m-%d %H:%M} UTC)",
        )

    def _signed(self, event: AuditEvent) -> ChainReport | None:
        while self.pending and self.pending[0].event_id == event.id:
            checkpoint = self.pending.pop(0)
            if checkpoint.event_hash != event.hash:
                self.rewritten = self._rewritten(event, checkpoint)
                return None
            self.passed = checkpoint
        return None

    def _rewritten(self, event: AuditEvent, checkpoint: _Signed) -> ChainReport:
        """Every link holds, yet the hash differs from the signed one: something at or
        before this event was changed and every hash after it recomputed. Only the span
        since the last checkpoint that still holds can be named, unless the next event
        still links to the signed hash (then this event alone was changed: `step`)."""
        first = self.passed.event_id + 1 if self.passed else 1
        since = f"{self.passed.said()} still holds" if self.passed else "no earlier checkpoint"
        return ChainReport(
            self.count,
            self.prev_id,
            self.prev_hash,
            first,
            f"the audit log was rewritten between event {first} and event {event.id}: "
            f"event {event.id} no longer has the hash {checkpoint.said()} vouches for, "
            "though every link holds, so one of these events was changed or removed and "
            f"the hashes after it recomputed ({since}; the first bad event is one of "
            f"events {first} to {event.id})",
            exact=False,
        )

    def finish(self, unchecked: int, forged: AuditCheckpoint | None) -> ChainReport:
        if self.rewritten is not None:
            return self.rewritten
        if self.pending:
            cut = self.pending[0]
            ends = "is empty" if self.prev_id is None else f"now ends at event {self.prev_id}"
            return self.report(
                (self.prev_id or 0) + 1,
                f"the log {ends}, but {cut.said()} covers events up to {cut.event_id}: "
                "the newest events were deleted",
            )
        if forged is not None:
            return self.report(
                None,
                f"checkpoint {forged.id} (for event {forged.event_id}) does not carry a "
                "valid signature: it was added or altered in the database by someone "
                "without the key",
            )
        return dataclasses.replace(self.report(), unchecked=unchecked)


def verify_chain(session: Session, since: _Signed | None = None) -> ChainReport:
    """Walk the chain from the start and name the first event that is not as recorded.

    An edited event no longer matches its own hash; an edited event whose own hash was
    recomputed no longer matches the link the next event holds. A deleted event leaves the
    next one pointing at a hash that is not its predecessor's; the first missing id is named
    (ids can also skip when a transaction rolls back, so only the broken link is the
    evidence). A rewrite that recomputes every hash after the change, or deleting the
    newest events, leaves a chain that holds on its own: the signed checkpoints catch both,
    since the chain must still pass through every (event, hash) they vouch for. Events after
    the newest checkpoint are reported as not yet covered, never as vouched for.

    `since` starts from a checkpoint already checked (the checkpoint writer's shortcut).
    """
    found = _checkpoints(session) if since is None else _Checkpoints([], None, 0)
    walk = _Walk(found.signed, since)
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    if since is not None:
        query = query.where(AuditEvent.id > since.event_id)
        start = session.get(AuditEvent, since.event_id)
        if start is None or start.hash != since.event_hash:
            return walk.report(since.event_id, f"{since.said()} no longer matches it")
    for event in session.scalars(query):
        broken = walk.step(event)
        if broken is not None:
            return broken
    return walk.finish(found.unchecked, found.forged)
