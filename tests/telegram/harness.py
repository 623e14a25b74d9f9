"""The real python-telegram-bot Application over a test database, talking to the fake API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.handlers.telegram.bot import TelegramBot, TelegramSettings
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, RunReport, WorkerConfig
from sendbot.services import invites, meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.serving.core import build_core
from sendbot.store.models import Guardian, GuardianPupil, Outbox
from tests.factories import NOW, SmallSchool
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, text_update


@dataclass
class Family:
    guardian_id: int
    pupil_ids: list[int]


WEB_URL = "https://sendbot.school.example"


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
        self.core = build_core(Settings(database_url=db_url, web_url=WEB_URL), self.clock)
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
        outbox for the test to read. The worker's gap between two messages to one chat is off
        so tests stay fast; the bot still paces its calls (handlers/telegram/pacing.py).
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


# --- steps several Telegram dialogs share ----------------------------------------------


async def link_parent(
    h: Harness, school: SmallSchool, who: dict[str, Any], children: list[str]
) -> int:
    """A parent of these children, invited and linked from their chat; their guardian id."""
    family = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", children)
    with h.core.sessions() as session, session.begin():
        code = invites.create_guardian_invite(
            session, family.guardian_id, h.clock.now(), BOT_USERNAME
        ).code
    await h.send(text_update(who, f"/start {code}"))
    return family.guardian_id


async def link_staff(h: Harness, school: SmallSchool, who: dict[str, Any], key: str) -> None:
    """A member of staff, invited and linked from their chat."""
    with h.core.sessions() as session, session.begin():
        code = invites.create_staff_invite(
            session, school.staff[key], h.clock.now(), BOT_USERNAME
        ).code
    await h.send(text_update(who, f"/start {code}"))


async def review_with_views_asked(h: Harness, school: SmallSchool, pupil: str) -> None:
    """The SENCO books a review; its invitation, then the views question, are delivered."""
    with h.core.sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils[pupil],
            kind="annual_review",
            starts_at=NOW + timedelta(days=20),
            video_link="https://meet.school.example/review",
            now=NOW,
        )
    h.clock.advance(timedelta(minutes=1))
    await h.deliver()
    h.clock.advance(meetings.VIEWS_DELAY)
    await h.deliver()
