"""Engine, sessions and migrations: one place that knows how to reach the database."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from sendbot.store import crypto
from sendbot.store.private_files import create_private

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT = 30  # seconds a writer waits for another before giving up
_HOLDS_WRITE_LOCK = "sendbot.sqlite_write_lock"
_HELD = "sendbot.held"
HOLD_LIMIT = 500


def make_engine(url: str, keyring: crypto.Keyring | None = None) -> Engine:
    """SQLite gets foreign keys, a busy timeout and WAL so a second worker can share it.

    The engine carries its encryption keys (from configuration unless given), loaded now so
    a server with no key refuses to start rather than failing at the first concern.
    """
    keys = keyring or crypto.keyring_from_settings(url)
    return crypto.attach(_make_engine(url), keys)


def private_sqlite_file(url: str) -> None:
    """Create an SQLite database file readable by this user only, before SQLite creates it
    with the umask's 0644; its -wal and -shm files take the database file's mode."""
    path = crypto.sqlite_file(url)
    if path is None:
        return
    with contextlib.suppress(FileNotFoundError):  # no such folder: SQLite says so, as before
        if not create_private(path) and path.stat().st_mode & 0o077:
            log.warning(
                "The database file %s can be read by other users on this server; make it "
                "readable by the sendbot user only (chmod 600 it and its -wal and -shm files).",
                path,
            )


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        # hide_parameters: a failed statement's values (names, messages) stay out of logs.
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(
            dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry
        ) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                _write_ahead_log(cursor)
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _write_ahead_log(cursor: DBAPICursor) -> None:
    """Put the database in WAL mode, once; it stays so in the file.

    Switching a file from its rollback journal to WAL takes an exclusive lock, and SQLite
    refuses a second connection switching at the same moment at once, without waiting its
    busy timeout: two workers starting together on a new database failed with "database
    is locked". A file already in WAL mode needs no switch, and a refused switch is tried
    again until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if str((cursor.fetchone() or ("",))[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def database_now(session: Session) -> datetime:
    """The database's own time, aware UTC: one clock for every worker's leases.

    A process's clock can be stepped (NTP, a VM restored, a wrong hand-set time); leases
    measured on the database's clock expire on time whichever process claimed them. SQLite
    runs in the process, so there it is the host's clock, read to the millisecond.
    """
    if session.get_bind().dialect.name == "sqlite":
        text = session.scalar(select(func.strftime("%Y-%m-%d %H:%M:%f", "now")))
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    value = session.scalar(select(func.now()))
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


# Something start-up wires onto the project's own session factory, such as the recompute
# of materialised deadlines (`sendbot.services.SESSION_HOOKS`).
SessionHook = Callable[[sessionmaker[Session]], None]


def session_factory(engine: Engine, *hooks: SessionHook) -> sessionmaker[Session]:
    """The project's sessions: each hook is given the new factory to listen on, so a
    listener only ever sees sessions of this factory, never every SQLAlchemy session."""
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "loaded_as_persistent", _hold)
    event.listen(factory, "after_transaction_end", _let_go)
    if engine.dialect.name == "sqlite":
        writers = _SQLiteWriters()
        event.listen(factory, "after_begin", writers.lock_first)
        event.listen(factory, "after_transaction_end", writers.unlock)
    for hook in hooks:
        hook(factory)
    return factory


def holds_sqlite_write_lock(session: Session) -> bool:
    """True inside a SQLite session opened to write: it took the write lock at its start."""
    return _HOLDS_WRITE_LOCK in session.info


def _hold(session: Session, instance: object) -> None:
    """Keep what a transaction loaded until it ends (SQLAlchemy's strong-referencing recipe).

    The session's identity map holds rows weakly, so a row a service loaded and let go of
    was loaded again by the next service that asked for it: an RSVP tap read the same
    meeting and parent three times. Bounded, so a job that reads thousands of rows holds
    no more than the first few hundred.
    """
    held = session.info.setdefault(_HELD, [])
    if len(held) < HOLD_LIMIT:
        held.append(instance)


def _let_go(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)


class _SQLiteWriters:
    """A session opened to write (`session.begin()`) takes SQLite's write lock first.

    In WAL mode a transaction that reads and then writes cannot wait for another writer:
    SQLite refuses it at once with "database is locked", whatever the busy timeout, so 20
    teachers saving concerns at the same moment lost most of them (BENCHMARKS.md). Taking
    the lock at the start (BEGIN IMMEDIATE) makes them queue instead. Sessions that only
    read (no `begin()`) are left alone, so they never wait on a writer.

    Writers in this process also queue on a lock of our own before asking SQLite. SQLite's
    busy handler polls, sleeping longer each time (up to 100 ms), so a waiting writer
    sleeps on long after the lock is free; twelve chats at once spent most of their time
    asleep. The process lock hands over the moment a writer finishes; the busy timeout
    still orders writers from other processes. It is re-entrant, so a thread that opens a
    second write session inside a first meets SQLite's timeout, as it would without it.

    The lock belongs to the thread that began the transaction, and is let go when that
    transaction ends: a write session must begin and end in one thread (every one here is a
    `with sessions() as s, s.begin():` block inside one call), and must not be abandoned
    open, or every writer in the process waits for it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def lock_first(
        self, session: Session, transaction: SessionTransaction, connection: Connection
    ) -> None:
        if (
            transaction.parent is not None
            or transaction.origin is not SessionTransactionOrigin.BEGIN
        ):
            return
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT):
            raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("database is locked"))
        session.info[_HOLDS_WRITE_LOCK] = transaction
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.unlock(session, transaction)
            raise

    def unlock(self, session: Session, transaction: SessionTransaction) -> None:
        if session.info.get(_HOLDS_WRITE_LOCK) is transaction:
            del session.info[_HOLDS_WRITE_LOCK]
            self._lock.release()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    private_sqlite_file(url)  # the migrations may be what creates the database file
    command.upgrade(alembic_config(url), revision)
    if url.startswith("sqlite"):
        # A new database leaves here in WAL mode, before any worker opens it.
        engine = _make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
