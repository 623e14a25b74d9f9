"""Make the demo database: the synthetic roster through the real importer, then provision."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.demo.provision import seed_demo_provision
from sendbot.demo.school import DEMO_URN, write_demo_roster
from sendbot.services import SESSION_HOOKS
from sendbot.services.roster import import_roster
from sendbot.store.crypto import keyring_of
from sendbot.store.db import make_engine, session_factory, transaction, upgrade
from sendbot.store.key_check import check_keys
from sendbot.store.models import School


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_school_id(sessions: sessionmaker[Session]) -> int | None:
    with sessions() as session:
        return session.scalar(select(School.id).where(School.urn == DEMO_URN))


def build_demo(path: Path, today: date) -> sessionmaker[Session]:
    """A fresh demo school in a SQLite file at `path` (any old one is replaced)."""
    remove_sqlite_files(path)
    url = sqlite_url(path)
    upgrade(url)
    engine = make_engine(url)
    check_keys(engine, keyring_of(engine.dialect))  # records the key the demo is written with
    sessions = session_factory(engine, *SESSION_HOOKS)
    with tempfile.TemporaryDirectory(prefix="sendbot-demo-roster-") as folder:
        write_demo_roster(Path(folder))
        with transaction(sessions) as session:
            import_roster(session, [Path(folder)], actor_kind="cli")
    school_id = demo_school_id(sessions)
    assert school_id is not None
    _seed_provision(sessions, school_id, today)
    return sessions


def _seed_provision(sessions: sessionmaker[Session], school_id: int, today: date) -> None:
    """Interventions, plans and targets, so the staff flows have something to show."""
    with transaction(sessions) as session:
        seed_demo_provision(session, school_id, today)


def open_demo(path: Path, today: date, reset: bool) -> tuple[sessionmaker[Session], bool]:
    """The demo database at `path`, built if missing or asked to reset; True when built now."""
    if not reset and path.exists():
        url = sqlite_url(path)
        upgrade(url)
        engine = make_engine(url)
        check_keys(engine, keyring_of(engine.dialect))  # KeyMismatch: not this demo's key
        sessions = session_factory(engine, *SESSION_HOOKS)
        if demo_school_id(sessions) is not None:
            return sessions, False
    return build_demo(path, today), True
