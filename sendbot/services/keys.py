"""Key rotation as a use case: re-encrypt everything, then say so in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from sendbot.clock import Clock, SystemClock
from sendbot.services import audit
from sendbot.store import crypto
from sendbot.store.db import session_factory, transaction
from sendbot.store.models import Base


@dataclass(frozen=True)
class RotationReport:
    columns: list[crypto.ColumnRotation]
    newest_key: str
    audit_event_id: int | None

    @property
    def changed(self) -> int:
        return sum(c.reencrypted + c.encrypted_plaintext for c in self.columns)


def rotate_keys(
    engine: Engine,
    keyring: crypto.Keyring,
    *,
    batch_size: int = 500,
    clock: Clock | None = None,
    actor_kind: str = "cli",
    actor_id: int | None = None,
) -> RotationReport:
    """Every encrypted value under the newest key; audited even when nothing needed doing,
    so the log shows the school checked. Key fingerprints are recorded, never keys."""
    columns = crypto.rotate(engine, keyring, crypto.encrypted_columns(Base.metadata), batch_size)
    now: datetime = (clock or SystemClock()).now()
    with transaction(session_factory(engine)) as session:
        event = audit.record(
            session,
            at=now,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action="keys.rotate",
            object_type="keyring",
            details={
                "newest_key": keyring.newest_fingerprint,
                "keys_configured": len(keyring.keys),
                "values_seen": sum(c.seen for c in columns),
                "reencrypted": sum(c.reencrypted for c in columns),
                "encrypted_plaintext": sum(c.encrypted_plaintext for c in columns),
            },
        )
        event_id = event.id
    return RotationReport(columns, keyring.newest_fingerprint, event_id)
