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
from sendbot.delivery.contract import Recipient
from sendbot.delivery.parent_notices import render_outbox
from sendbot.handlers.telegram.bot import TelegramBot, TelegramSettings
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.i18n.languages import resolve
from sendbot.serving.core import build_core
from sendbot.store.models import Guardian, GuardianPupil, Identity, Outbox
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

    async def deliver(self) -> list[Outbox]:
        """A minimal claim-and-send loop: due rows to guardians with a Telegram account.

        Staff rows stay in the outbox for the test to read (staff use Slack here).
        """
        now = self.clock.now()
        with self.core.sessions() as session:
            rows = session.scalars(
                select(Outbox)
                .where(
                    Outbox.status == "pending",
                    Outbox.not_before <= now,
                    Outbox.recipient_guardian_id.is_not(None),
                )
                .order_by(Outbox.not_before, Outbox.id)
            ).all()
            work = []
            for row in rows:
                guardian = session.get(Guardian, row.recipient_guardian_id)
                identity = session.scalar(
                    select(Identity).where(
                        Identity.guardian_id == row.recipient_guardian_id,
                        Identity.platform == "telegram",
                        Identity.active,
                    )
                )
                if guardian is None or identity is None:
                    continue
                language = resolve(guardian.preferred_language, guardian.script).code
                params = {**row.params, "_now": now.isoformat(), "_timezone": "Europe/London"}
                message = render_outbox(row.template, params, language)
                work.append((row.id, identity.external_id, message))
        done = []
        for outbox_id, address, message in work:
            outcome = await self.sender.send(Recipient("telegram", address), message)
            with self.core.sessions() as session, session.begin():
                row = session.get(Outbox, outbox_id)
                assert row is not None
                row.status = "sent" if outcome.status == "sent" else outcome.status
                row.sent_at = now
                row.platform_message_id = outcome.platform_message_id
                done.append(row)
        return done

    def outbox(self, template: str | None = None) -> list[Outbox]:
        with self.core.sessions() as session:
            query = select(Outbox).order_by(Outbox.id)
            if template:
                query = query.where(Outbox.template == template)
            return list(session.scalars(query))
