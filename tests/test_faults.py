"""Faults: the database goes away in the middle of a flow, the platform fails for a while.

A 429 storm and a worker killed mid-delivery are in tests/scheduling/test_delivery.py, and a
Telegram update that fails for want of the database is asked for again in
tests/telegram/test_telegram_plugin.py; this file adds what those do not cover.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.engine import make_url

from sendbot.clock import FrozenClock, SystemClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.handlers.console import chat as console
from sendbot.scheduling.senders import WebhookSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Concern, ConversationState, DeliveryAttempt
from tests.factories import NOW, build_small_school
from tests.scheduling.fake_platform import FakePlatform
from tests.scheduling.test_delivery import _enqueue, _people, _statuses

NARRATIVE = "He came in without a coat again and said there was no food at home"
TRY_AGAIN = "please try again in a minute"


@contextmanager
def database_gone(engine: SqlEngine, db_url: str) -> Iterator[None]:
    """The database really unreachable for a while: no connection can be made to it.

    SQLite: the file is moved away (a new connection finds an empty database, not ours).
    PostgreSQL: the database refuses connections and the open ones are ended.
    """
    engine.dispose()
    url = make_url(db_url)
    if url.drivername.startswith("sqlite"):
        path = Path(url.database or "")
        parked = [(p, p.with_name(p.name + ".parked")) for p in _sqlite_files(path)]
        for here, away in parked:
            shutil.move(here, away)
        try:
            yield
        finally:
            engine.dispose()
            for leftover in _sqlite_files(path):
                leftover.unlink()
            for here, away in parked:
                shutil.move(away, here)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        engine.dispose()


def _sqlite_files(path: Path) -> list[Path]:
    candidates = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return [p for p in candidates if p.exists()]


def _answers(sessions) -> dict:  # type: ignore[no-untyped-def]
    with sessions() as session:
        row = session.scalar(select(ConversationState))
        return dict(row.answers) if row else {}


def test_database_gone_mid_flow_through_the_engine_keeps_the_answers(
    sessions, engine, db_url
) -> None:
    school = build_small_school(sessions)
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    bot = Engine(sessions, REGISTRY, FrozenClock(NOW))
    chat = ChatRef("console", "staff:faults")
    bot.handle(chat, teacher, "log a concern")
    bot.handle(chat, teacher, "Zoë")
    asked = bot.handle(chat, teacher, NARRATIVE)
    before = _answers(sessions)
    assert before.get("narrative") == NARRATIVE

    with database_gone(engine, db_url):
        reply = bot.handle(chat, teacher, "1")
        assert TRY_AGAIN in reply.text and "Nothing you typed is lost" in reply.text

    assert _answers(sessions) == before
    again = bot.handle(chat, teacher, "1")  # the same answer, once the database is back
    assert again.text != asked.text and TRY_AGAIN not in again.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Concern)) == 0  # not yet saved


def test_database_gone_mid_flow_through_the_console_adapter(sessions, engine, db_url) -> None:
    """The same fault as a person at the console sees it: one kind line, then carry on."""
    school = build_small_school(sessions)
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    bot = Engine(sessions, REGISTRY, FrozenClock(NOW))
    first = io.StringIO()
    console.run(bot, teacher, ["log a concern", "Zoë", NARRATIVE], first, echo=True)
    kept = _answers(sessions)
    during = io.StringIO()
    with database_gone(engine, db_url):
        # Coming back (resume) and answering both meet the outage; neither crashes.
        console.run(bot, teacher, ["1"], during, echo=True)
    assert during.getvalue().count(TRY_AGAIN) == 2
    after = io.StringIO()
    console.run(bot, teacher, ["1"], after, echo=True)
    assert "unfinished log a concern" in after.getvalue()  # resumed where they were
    assert TRY_AGAIN not in after.getvalue()
    assert _answers(sessions)["narrative"] == kept["narrative"] == NARRATIVE


def test_a_period_of_500s_loses_nothing_and_sends_each_message_once(sessions) -> None:
    school = build_small_school(sessions)
    people = _people(sessions, school.school_id, 5)
    _enqueue(sessions, school.school_id, people, 30)
    platform = FakePlatform(outage_seconds=0.8)
    url = platform.start()
    sender = WebhookSender(url)
    config = WorkerConfig(
        batch=10, limits={"webhook": PlatformLimit(500)}, backoff_base_seconds=0.1
    )
    worker = OutboxWorker(sessions, SystemClock(), {"webhook": sender}, worker_id="500s", config=config)  # fmt: skip

    async def go() -> None:
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                report = await worker.run_once()
                if not report.claimed and _statuses(sessions) == {"sent": 30}:
                    return
                if not report.claimed:
                    await asyncio.sleep(0.05)
        finally:
            await sender.close()

    try:
        asyncio.run(go())
    finally:
        platform.stop()
    failures = [r for r in platform.log if r.status == 500]
    assert failures  # the outage happened
    assert len(platform.delivered) == 30 and set(platform.delivered.values()) == {1}
    assert _statuses(sessions) == {"sent": 30}
    with sessions() as session:
        retries = session.scalar(select(func.count()).where(DeliveryAttempt.outcome == "retry"))
    assert retries == len(failures)
