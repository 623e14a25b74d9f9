"""Commands in a teacher's Telegram chat: /cancel and /back do what they say, and no other
command, a typo included, is ever taken as the answer to a question or sent to a parent."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.services import invites
from sendbot.store.models import ConversationState, ParentMessage
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian


async def _linked_teacher(h: Harness, school, who):  # type: ignore[no-untyped-def]
    with h.core.sessions() as session, session.begin():
        invite = invites.create_staff_invite(
            session, school.staff["teacher4"], h.clock.now(), BOT_USERNAME
        )
    await h.send(text_update(who, f"/start {invite.code}"))


def _flow(h: Harness, chat_id: int) -> str | None:
    with h.core.sessions() as session:
        row = session.scalar(
            select(ConversationState).where(ConversationState.chat_key == str(chat_id))
        )
        return row.flow if row else None


def test_a_mistyped_command_mid_concern_asks_again_and_cancel_cancels(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7701, "Owen")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked_teacher(h, school, teacher)
            await h.send(text_update(teacher, "concern"))
            question = fake_api.texts(teacher["id"])[-1]
            assert _flow(h, teacher["id"]) == "log_concern"

            for typed in ("/cancle", "/menu"):
                await h.send(text_update(teacher, typed))
                said = fake_api.texts(teacher["id"])[-1]
                assert typed not in said  # not read as a pupil's name or what happened
                assert _flow(h, teacher["id"]) == "log_concern"
            assert question.splitlines()[-1] in fake_api.texts(teacher["id"])[-1]

            await h.send(text_update(teacher, "/cancel"))
            assert fake_api.texts(teacher["id"])[-1].startswith("Cancelled. Nothing was saved.")
            assert _flow(h, teacher["id"]) is None

    asyncio.run(scenario())


def test_a_command_while_replying_to_a_parent_sends_nothing(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7702, "Owen")
    anna = person(7703, "Anna", language_code="pl")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked_teacher(h, school, teacher)
            family = add_guardian(h.core.sessions, school, "anna", "Anna", "W", ["kacper"])
            with h.core.sessions() as session, session.begin():
                code = invites.create_guardian_invite(
                    session, family.guardian_id, h.clock.now(), BOT_USERNAME
                ).code
            await h.send(text_update(anna, f"/start {code}"))
            await h.send(text_update(anna, "Is PE on Thursday this week?"))
            notice = next(
                r
                for r in h.outbox("parent.message_notice")
                if r.recipient_staff_id == school.staff["teacher4"]
            )

            await h.send(tap_update(teacher, notice.params["reply_action"]))
            await h.send(text_update(teacher, "/cancel"))
            assert fake_api.texts(teacher["id"])[-1] == "Cancelled. Nothing was sent."

            await h.send(tap_update(teacher, notice.params["reply_action"]))
            await h.send(text_update(teacher, "/help"))
            await h.send(text_update(teacher, "1"))  # a menu choice, not a reply
            with h.core.sessions() as session:
                sent = session.scalars(
                    select(ParentMessage).where(ParentMessage.direction == "out")
                ).all()
            assert sent == []

    asyncio.run(scenario())
