"""Each Telegram update is one transaction: claimed, counted, answered and saved together.

So a teacher's message costs one commit (and one more to record that its reply went, the reply
being saved with the update: services/chat_replies.py), an update Telegram sends twice is
answered once, and an update that fails halfway leaves no trace, not even its claim, so
Telegram's retry is handled in full.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from telegram import Update

from sendbot.conversations.engine import Engine
from sendbot.services import invites
from sendbot.store.models import ConversationState, InboundRate, ProcessedEvent
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, text_update
from tests.telegram.harness import Harness


@contextmanager
def counting_commits(h: Harness) -> Iterator[list[int]]:
    commits: list[int] = []

    def seen(_connection) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    event.listen(h.core.db, "commit", seen)
    try:
        yield commits
    finally:
        event.remove(h.core.db, "commit", seen)


async def _link_teacher(h: Harness, school, teacher) -> None:  # type: ignore[no-untyped-def]
    with h.core.sessions() as session, session.begin():
        invite = invites.create_staff_invite(
            session, school.staff["teacher4"], h.clock.now(), BOT_USERNAME
        )
    await h.send(text_update(teacher, f"/start {invite.code}"))


def test_a_teachers_message_is_claimed_counted_and_answered_in_one_commit(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    """The update, its count and its saved reply commit together; the reply's sending is
    recorded in a second commit."""
    school = build_small_school(sessions)
    teacher = person(7501, "Owen")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _link_teacher(h, school, teacher)
            with counting_commits(h) as commits:
                await h.send(text_update(teacher, "menu"))
            assert len(commits) == 2  # the update with its reply; the reply recorded as sent
            assert "What would you like to do?" in fake_api.texts(teacher["id"])[-1]

            # The same update again, as from a webhook retry: no second answer, no count.
            again = text_update(teacher, "1")
            await h.send(again)
            answers = len(fake_api.texts(teacher["id"]))
            await h.send(again)
            assert len(fake_api.texts(teacher["id"])) == answers
            with h.core.sessions() as session:
                rate = session.scalars(
                    select(InboundRate.count).where(InboundRate.sender_key == str(teacher["id"]))
                ).all()
            assert rate == [3]  # /start, menu and 1; the repeat was not counted

    asyncio.run(scenario())


def test_an_update_that_fails_halfway_leaves_no_claim_and_its_retry_is_answered(
    db_url, sessions, fake_api: FakeBotApi, monkeypatch
) -> None:
    school = build_small_school(sessions)
    teacher = person(7502, "Owen")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _link_teacher(h, school, teacher)
            real = Engine.turn_in
            failures = {"left": 1}

            def flaky(self, session, chat, actor, text):  # type: ignore[no-untyped-def]
                reply = real(self, session, chat, actor, text)  # the work is done, unsaved
                if failures["left"]:
                    failures["left"] -= 1
                    raise OperationalError("COMMIT", {}, Exception("the database went away"))
                return reply

            monkeypatch.setattr(Engine, "turn_in", flaky)
            update = text_update(teacher, "menu")
            await h.send(update)
            assert h.bot.should_retry(Update.de_json(update, h.bot.application.bot))
            with h.core.sessions() as session:
                claimed = session.scalars(
                    select(ProcessedEvent).where(
                        ProcessedEvent.event_id == str(update["update_id"])
                    )
                ).all()
                state = session.scalars(select(ConversationState)).all()
            assert claimed == [] and state == []

            await h.send(update)  # Telegram tries again
            assert "What would you like to do?" in fake_api.texts(teacher["id"])[-1]

    asyncio.run(scenario())
