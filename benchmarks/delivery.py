"""Delivery: parent messages through the real outbox worker to a flood-limited fake Bot API.

Each message goes to a different parent's chat, so only the bot-wide limit (30 a second)
binds, never the one-a-second-per-chat one. The worker paces itself to the platform's
limit and honours any 429's `retry_after`; we count what arrived, how often, and how fast.
The baseline is the platform's own ceiling, 30 messages a second: the ratio is the share
of it we achieve.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from telegram import Bot

from benchmarks.common import NOW, Databases, Results, Row
from benchmarks.fakes import TOKEN, FakeBotApiProcess
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.scheduling.worker import OutboxWorker
from sendbot.services import SESSION_HOOKS
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import Guardian, Identity, Outbox, School, Staff

NAME = "delivery"
PLATFORM_RATE = 30
FIRST_CHAT = 880_000_000


class RunningClock:
    """Real time passing, started at the benchmark's school-day instant, so quiet hours never
    hold a message back whatever the hour of the run, and a 429's wait really passes."""

    def __init__(self, at: datetime) -> None:
        self._at = at
        self._start = time.monotonic()

    def now(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._start)


def _seed(engine: object, messages: int) -> None:
    now = NOW
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(School), [{"id": 1, "name": "Benchmark School", "urn": "990001"}])
        conn.execute(
            insert(Staff),
            [
                {
                    "id": 1,
                    "school_id": 1,
                    "external_id": "S1",
                    "first_name": "Sam",
                    "last_name": "Teacher",
                    "email": "teacher@school1.example",
                }
            ],
        )
        conn.execute(
            insert(Guardian),
            [
                {
                    "id": n,
                    "school_id": 1,
                    "external_id": f"G{n}",
                    "first_name": "Parent",
                    "last_name": str(n),
                    "preferred_language": "en",
                }
                for n in range(1, messages + 1)
            ],
        )
        conn.execute(
            insert(Identity),
            [
                {
                    "platform": "telegram",
                    "team_id": "",
                    "external_id": str(FIRST_CHAT + n),
                    "guardian_id": n,
                    "active": True,
                    "created_at": now,
                }
                for n in range(1, messages + 1)
            ],
        )
        conn.execute(
            insert(Outbox),
            [
                {
                    "school_id": 1,
                    "recipient_guardian_id": n,
                    "template": "parent.staff_reply",
                    "params": {
                        "text": "Thank you for letting us know. See you on Thursday.",
                        "staff_name": "Sam Teacher",
                        "school_name": "Benchmark School",
                    },
                    "priority": 5,
                    "not_before": now,
                    "dedupe_key": f"bench:{n}",
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
                for n in range(1, messages + 1)
            ],
        )


async def _deliver(sessions: object, api: FakeBotApiProcess, budget: float) -> float:
    clock = RunningClock(NOW)
    async with Bot(TOKEN, base_url=f"{api.url}/bot") as bot:
        worker = OutboxWorker(
            sessions,  # type: ignore[arg-type]
            clock,
            {"telegram": TelegramSender(bot)},
            worker_id="bench-worker",
        )
        start = time.perf_counter()
        deadline = start + budget
        while time.perf_counter() < deadline:
            await worker.drain(max_seconds=max(1.0, deadline - time.perf_counter()))
            with sessions() as session:  # type: ignore[operator]
                left = session.scalar(
                    select(func.count()).select_from(Outbox).where(Outbox.status != "sent")
                )
            if not left:
                break
            await asyncio.sleep(0.05)  # rows waiting out a 429's retry_after
        return time.perf_counter() - start


def run(databases: Databases, backend: str, messages: int, results: Results) -> None:
    url = databases.fresh(backend, "delivery")
    engine = make_engine(url)
    sessions = session_factory(engine, *SESSION_HOOKS)
    _seed(engine, messages)
    api = FakeBotApiProcess(PLATFORM_RATE).start()
    try:
        # Bounded: three times what the platform's limit needs, and half a minute more.
        budget = messages / PLATFORM_RATE * 3 + 30
        elapsed = asyncio.run(_deliver(sessions, api, budget))
        accepted, throttled, _ = api.stats()
    finally:
        api.stop()
    with sessions() as session:
        by_status = dict(
            session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
        )
    arrived = len(accepted)
    lost = messages - arrived
    duplicates = sum(n - 1 for n in accepted.values() if n > 1)
    rate = sum(accepted.values()) / elapsed if elapsed else 0.0
    results.add(
        Row(
            NAME,
            backend,
            f"{messages:,} parent messages: achieved rate",
            rate,
            float(PLATFORM_RATE),
            "msg/s",
            goal=">= 90% of 30/s",
            met=rate >= 0.9 * PLATFORM_RATE,
            lower_is_better=False,
            note=(
                f"{elapsed:.1f} s in all; the fake answered {throttled} 429s; "
                f"outbox by status {by_status}"
            ),
        )
    )
    results.add(
        Row(NAME, backend, "messages lost", float(lost), None, "count", goal="0", met=lost == 0)
    )
    results.add(Row(NAME, backend, "duplicates", float(duplicates), None, "count"))
    engine.dispose()
