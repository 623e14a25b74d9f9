"""Does the configured key belong to this database? Checked before anything is written.

A process started with the wrong key used to run happily: it could not read the old text
(that failed later, one request at a time), and it wrote new records under its own key, so
the database ended up with text under two keys and no record of which. Now the database
keeps the fingerprint of every key that has written to it (`EncryptionKey`), every encrypted
value carries the fingerprint of the key that wrote it (`k1.<fingerprint>.<token>`, see
crypto.py), and start-up refuses a keyring that

- holds none of the keys the database knows (a wrong key, or a typo), or
- does not hold the key that wrote the newest value of an encrypted column (read from the
  value's fingerprint, without decrypting; a value from before fingerprints were stored is
  tried with each configured key).

Rotation keeps working: with the new key listed first and the old ones after it, an old key
is known, so the new key is accepted and recorded as first used now.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Integer, Text, column, inspect, select, table
from sqlalchemy.dialects import postgresql, sqlite

from sendbot.store import crypto
from sendbot.store.models import Base, EncryptionKey


class KeyMismatch(crypto.KeyringError):
    """The configured keys do not match the database; the message names both fingerprints."""


def check_keys(engine: Engine, keyring: crypto.Keyring, now: datetime | None = None) -> None:
    """Refuse a keyring that does not match the database; record the keys it writes with.

    Raises KeyMismatch with one line naming the configured key and the database's key.
    """
    with engine.begin() as conn:
        recorded = inspect(conn).has_table(EncryptionKey.__tablename__)
        known = _known(conn) if recorded else []
        if known and not set(keyring.fingerprints) & set(known):
            raise KeyMismatch(_refusal(keyring, known))
        openers = _newest_openers(conn, keyring, known)
        if recorded:
            fresh = ({keyring.newest_fingerprint} | openers) - set(known)
            _record(conn, sorted(fresh), now or datetime.now(UTC))


def _known(conn: Connection) -> list[str]:
    """The database's keys by fingerprint, the most recently first used first."""
    rows = conn.execute(
        select(EncryptionKey.fingerprint).order_by(EncryptionKey.first_used_at.desc())
    )
    return list(rows.scalars())


def _newest_openers(conn: Connection, keyring: crypto.Keyring, known: list[str]) -> set[str]:
    """The keys that wrote each encrypted column's newest value; refuses if none of ours did."""
    openers: set[str] = set()
    for table_name, column_name in crypto.encrypted_columns(Base.metadata):
        raw = table(table_name, column("id", Integer), column(column_name, Text))
        value = raw.c[column_name]
        newest = conn.execute(
            select(value).where(value.is_not(None)).order_by(raw.c.id.desc()).limit(1)
        ).scalar()
        if newest is None or not crypto.looks_like_token(newest):
            continue  # nothing yet, or text from before encryption (`keys rotate` takes it)
        opener = keyring.opener(newest)
        if opener is None:
            where = f"{table_name}.{column_name}"
            raise KeyMismatch(_refusal(keyring, known, where, crypto.written_with(newest)))
        openers.add(opener)
    return openers


def _refusal(
    keyring: crypto.Keyring,
    known: list[str],
    where: str | None = None,
    written: str | None = None,
) -> str:
    """One line naming the configured key and the key the database was written with."""
    configured = ", ".join(keyring.fingerprints)
    theirs = written or next((k for k in known if k not in keyring.fingerprints), None)
    database = f"key {theirs}" if theirs else "a key that is not configured"
    text = f"its newest text in {where} was written with" if where else "it was written with"
    return (
        f"The configured encryption key ({configured}) does not match this database: "
        f"{text} {database}. sendbot will not start, so that nothing is written under a "
        "key the rest of the records cannot be read with. Configure the database's key; to "
        "change keys, list the new key first and the old one after it, then run "
        "`sendbot keys rotate`."
    )


def _record(conn: Connection, fingerprints: Iterable[str], now: datetime) -> None:
    """Add keys first used now; another process recording the same key at once is fine."""
    rows = [{"fingerprint": f, "first_used_at": now} for f in fingerprints]
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(EncryptionKey).values(rows).on_conflict_do_nothing())
