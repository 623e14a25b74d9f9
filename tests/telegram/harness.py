"""The real python-telegram-bot Application over a test database, talking to the fake API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.handlers.telegram.bot import TelegramBot, TelegramSettings
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, RunReport, WorkerConfig
from sendbot.serving.core import build_core
from sendbot.store.models import Guardian, GuardianPupil, Outbox
from tests.factories import NOW, SmallSchool
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi


@dataclass
class Family:
    guardian_id: int
    pupil_ids: list[int]


def add_guardian(
    sessions: sessionmaker[Session],
    school: SmallSchool,
    key: str,
    first: str,
    last: str,
    pupils: list[str],
    language: str = "en",
) -> Family:
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id,
            external_id=f"G-{key}",
            first_name=first,
            last_name=last,
            preferred_language=language,
        )
        session.add(guardian)
        session.flush()
        for name in pupils:
            session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=school.pupils[name]))
        return Family(guardian.id, [school.pupils[p] for p in pupils])


class Harness:
    """One Application per test; `send` runs an update through `process_update`."""

    def __init__(self, db_url: str, fake: FakeBotApi, at: datetime = NOW) -> None:
        self.clock = FrozenClock(at)
        self.core = build_core(Settings(database_url=db_url), self.clock)
        self.fake = fake
        self.bot = TelegramBot(self.core, TelegramSettings(TOKEN, fake.url))
        self.sender = TelegramSender(self.bot.application.bot)

    async def __aenter__(self) -> Harness:
        await self.bot.application.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.application.shutdown()
        self.core.db.dispose()

    async def send(self, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, self.bot.application.bot)
        await self.bot.application.process_update(update)

    async def deliver(self) -> RunReport:
        """The colleagues' real outbox worker, with our Telegram Sender as its platform.

        Staff here have no chat account unless a test links one, so their rows stay in the
        outbox for the test to read. Pacing is off so tests stay fast.
        """
        worker = OutboxWorker(
            self.core.sessions,
            self.clock,
            {"telegram": self.sender},
            worker_id="test-worker",
            config=WorkerConfig(limits={"telegram": PlatformLimit(None, 0.0)}),
        )
        return await worker.drain(max_seconds=20)

    def outbox(self, template: str | None = None) -> list[Outbox]:
        with self.core.sessions() as session:
            query = select(Outbox).order_by(Outbox.id)
            if template:
                query = query.where(Outbox.template == template)
            return list(session.scalars(query))
