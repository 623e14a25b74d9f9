"""A reply whose process died after the commit is sent once, when that process's lease ends.

The chat router saves an update's replies claimed, with a lease, by the process that handled
it (services/chat_replies.py); the delivery job of every process leaves them alone while the
lease runs, then sends them, once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sendbot.conversations.chat import Incoming
from sendbot.conversations.parent_chat import ChatRouter
from sendbot.services import chat_replies
from sendbot.serving.scheduler import SchedulerService
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, text_update
from tests.telegram.harness import Harness, link_parent


def test_a_reply_whose_process_died_before_sending_is_sent_once_when_its_lease_ends(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    nadia = person(7852, "Nadia", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, nadia, ["kacper"])
            before = len(fake_api.texts(nadia["id"]))
            # A process handles the update, commits, and dies before sending its reply.
            gone = ChatRouter(
                h.core.sessions, h.clock, h.core.conversations, claim_replies_as="gone:1"
            )
            update = text_update(nadia, "/help")
            outcome = await asyncio.to_thread(
                gone.handle,
                Incoming(
                    "telegram",
                    str(nadia["id"]),
                    "command",
                    "help",
                    event_id=str(update["update_id"]),
                ),
            )
            assert outcome.reply_ids
            await h.send(update)  # Telegram's retry of the same update: handled already

            h.core.senders["telegram"] = h.sender
            scheduler = SchedulerService(h.core)
            await scheduler.deliver()
            assert fake_api.texts(nadia["id"])[before:] == []  # still leased to the dead one
            h.clock.advance(chat_replies.LEASE + timedelta(seconds=1))
            await scheduler.deliver()
            await scheduler.deliver()
            assert len(fake_api.texts(nadia["id"])[before:]) == 1

    asyncio.run(scenario())
