"""SQLite writers in one process take turns on a lock of ours, then SQLite's own.

Twelve chats at once spent most of their time asleep in SQLite's busy handler; the lock hands
over as soon as a writer finishes. It must never lose a write, and a transaction that fails
must hand the lock on, or the next teacher would wait for ever.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.db import make_engine, session_factory, upgrade
from sendbot.store.models import ProcessedEvent
from tests.factories import NOW


@pytest.fixture
def sqlite_sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


def test_twenty_threads_writing_at_once_all_land(sqlite_sessions) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(10):
                with sqlite_sessions() as session, session.begin():
                    # Read, then write: the pattern SQLite refused under WAL without the lock.
                    session.scalar(select(func.count()).select_from(ProcessedEvent))
                    session.add(ProcessedEvent(platform="t", event_id=f"{n}-{k}", at=NOW))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _count(sqlite_sessions) == 200


def test_a_failed_write_hands_the_lock_on(sqlite_sessions) -> None:
    with pytest.raises(RuntimeError), sqlite_sessions() as session, session.begin():
        session.add(ProcessedEvent(platform="t", event_id="lost", at=NOW))
        session.flush()
        raise RuntimeError("the teacher's phone lost signal")

    done = threading.Event()

    def another_teacher() -> None:
        with sqlite_sessions() as session, session.begin():
            session.add(ProcessedEvent(platform="t", event_id="saved", at=NOW))
        done.set()

    thread = threading.Thread(target=another_teacher)
    thread.start()
    thread.join(10)
    assert done.is_set(), "the lock was never released after the rollback"
    assert _count(sqlite_sessions) == 1


def test_reading_without_a_transaction_never_waits_for_a_writer(sqlite_sessions) -> None:
    read: list[int] = []
    with sqlite_sessions() as writer, writer.begin():
        writer.add(ProcessedEvent(platform="t", event_id="pending", at=NOW))
        writer.flush()
        thread = threading.Thread(target=lambda: read.append(_count(sqlite_sessions)))
        thread.start()
        thread.join(10)
    assert read == [0]  # it saw the last committed state, at once


def _journal_mode_bytes(path: Path) -> bytes:
    """The file format's read and write versions: 1 for a rollback journal, 2 for WAL."""
    return path.read_bytes()[18:20]


def test_a_new_database_leaves_the_migrations_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    upgrade(f"sqlite:///{path}")
    assert _journal_mode_bytes(path) == b"\x02\x02"


def test_workers_opening_a_database_together_all_start(tmp_path: Path) -> None:
    """Four workers open a database still in rollback-journal mode at the same moment.

    SQLite refuses a second switch to WAL at once, without its busy timeout; before the
    switch was tried again, about one start in ten lost a worker to "database is locked".
    """
    errors: list[BaseException] = []
    for round_ in range(30):
        path = tmp_path / f"old-{round_}.db"
        with contextlib.closing(sqlite3.connect(path)) as old:
            old.execute("CREATE TABLE note (text TEXT)")
            old.commit()
        assert _journal_mode_bytes(path) == b"\x01\x01"
        engines = [make_engine(f"sqlite:///{path}") for _ in range(4)]
        barrier = threading.Barrier(len(engines))

        def start(engine: Engine, barrier: threading.Barrier) -> None:
            try:
                barrier.wait(10)
                with engine.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO note VALUES ('started')")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(e, barrier)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for e in engines:
            e.dispose()
        assert errors == [], f"round {round_}"
        assert _journal_mode_bytes(path) == b"\x02\x02"
