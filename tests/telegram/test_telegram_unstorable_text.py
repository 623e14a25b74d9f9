"""A Telegram message no database could store (a NUL, half an emoji) is saved cleaned and
acknowledged, so Telegram does not send the same update again for ever."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from telegram import Update

from sendbot.store.models import ParentMessage
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, text_update
from tests.telegram.harness import Harness, link_parent

NADIA = person(7401, "Nadia", language_code="en")


def test_a_parent_message_with_a_lone_surrogate_and_a_nul_is_saved_cleaned(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, NADIA, ["zoe"])
            update = Update.de_json(
                text_update(NADIA, "Zoe\x00 is \ud83d ill today"), h.bot.application.bot
            )
            await h.bot.application.process_update(update)
            assert not h.bot.should_retry(update)
            assert "has gone to the school" in fake_api.texts(NADIA["id"])[-1]
            with h.core.sessions() as session:
                sent = session.scalars(select(ParentMessage.body_text)).all()
            assert sent == ["Zoe is \ufffd ill today"]

    asyncio.run(scenario())
