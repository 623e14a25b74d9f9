"""The Telegram `Sender` against the fake Bot API, the command menus, and staff on Telegram."""

from __future__ import annotations

import asyncio

from telegram import Bot

from sendbot.delivery.contract import Attachment, Button, OutgoingMessage, Recipient
from sendbot.handlers.telegram.layout import TEXT_LIMIT, split_text
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.handlers.telegram.transport import AiohttpRequest
from sendbot.services import invites
from sendbot.store.models import ParentMessage
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import (
    BOT_USERNAME,
    TOKEN,
    FakeBotApi,
    person,
    tap_update,
    text_update,
)
from tests.telegram.harness import Harness, add_guardian

CHAT = Recipient("telegram", "7301")


async def _send(fake: FakeBotApi, message: OutgoingMessage):  # type: ignore[no-untyped-def]
    async with Bot(TOKEN, base_url=f"{fake.url}/bot", request=AiohttpRequest()) as bot:
        return await TelegramSender(bot).send(CHAT, message)


def test_429_waits_retry_after_and_403_is_blocked(fake_api: FakeBotApi) -> None:
    fake_api.fail_next(
        "sendMessage",
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 17",
            "parameters": {"retry_after": 17},
        },
    )
    outcome = asyncio.run(_send(fake_api, OutgoingMessage("Hello")))
    assert (outcome.status, outcome.retry_after_seconds) == ("retry", 17.0)
    fake_api.fail_next(
        "sendMessage",
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    outcome = asyncio.run(_send(fake_api, OutgoingMessage("Hello")))
    assert outcome.status == "blocked" and "blocked by the user" in (outcome.detail or "")
    outcome = asyncio.run(_send(fake_api, OutgoingMessage("Hello")))
    assert outcome.status == "sent" and outcome.platform_message_id


def test_long_text_is_split_at_sentences_with_buttons_and_a_file_last(
    fake_api: FakeBotApi,
) -> None:
    sentence = "Kacper read twelve short words on his own this week, which is great progress. "
    text = (sentence * 120).strip()
    message = OutgoingMessage(
        text,
        buttons=(Button("x" + "A" * 22, "I will come"), Button("x" + "B" * 22, "I cannot come")),
        attachments=(Attachment("meeting.ics", b"BEGIN:VCALENDAR\r\n", "text/calendar"),),
    )
    assert asyncio.run(_send(fake_api, message)).status == "sent"
    parts = fake_api.of("sendMessage", 7301)
    assert len(parts) == 3
    assert all(len(p.params["text"]) <= TEXT_LIMIT for p in parts)
    assert all(p.params["text"].endswith("progress.") for p in parts)
    assert " ".join(p.params["text"] for p in parts) == text
    assert [len(p.buttons) for p in parts] == [0, 0, 2]
    assert fake_api.of("sendDocument", 7301)[0].files["document"][0] == "meeting.ics"
    assert split_text("One. Two.", limit=5) == ["One.", "Two."]


def test_a_button_id_over_64_bytes_is_a_failure_not_a_crash(fake_api: FakeBotApi) -> None:
    message = OutgoingMessage("Hi", buttons=(Button("y" * 65, "Too long"),))
    assert asyncio.run(_send(fake_api, message)).status == "failed"
    assert fake_api.of("sendMessage") == []


def test_staff_use_the_staff_flows_and_answer_parents_in_telegram(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7302, "Owen", language_code="en")
    anna = person(7303, "Anna", language_code="pl")
    outsider = person(7304, "Tom", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await h.bot.set_default_commands()
            menus = fake_api.of("setMyCommands")
            assert {m.params.get("language_code") for m in menus} >= {None, "pl", "ur", "pa"}
            with h.core.sessions() as session, session.begin():
                invite = invites.create_staff_invite(
                    session, school.staff["teacher4"], h.clock.now(), BOT_USERNAME
                )
            await h.send(text_update(teacher, f"/start {invite.code}"))
            assert "staff account" in fake_api.texts(teacher["id"])[-1]
            await h.send(text_update(teacher, "menu"))
            menu = fake_api.of("sendMessage", teacher["id"])[-1]
            assert menu.buttons and all(len(d.encode()) < 64 for _, d in menu.buttons)
            first = menu.buttons[0][1]
            await h.send(tap_update(teacher, first))
            question = fake_api.texts(teacher["id"])[-1]
            assert question != menu.params["text"]
            # The menu's button again, now that a question is open: it says so, kindly.
            await h.send(tap_update(teacher, first))
            assert "earlier question" in fake_api.texts(teacher["id"])[-1]
            await h.send(text_update(teacher, "cancel"))

            # A parent writes; the class teacher answers from the notice's Reply button.
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
            # A teacher of another class who has the button (a forwarded id, say) is told
            # at the tap, before typing a reply that could not be sent.
            with h.core.sessions() as session, session.begin():
                other = invites.create_staff_invite(
                    session, school.staff["teacher"], h.clock.now(), BOT_USERNAME
                )
            await h.send(text_update(outsider, f"/start {other.code}"))
            await h.send(tap_update(outsider, notice.params["reply_action"]))
            refused = fake_api.texts(outsider["id"])[-1]
            assert refused == "Only the SENCO or the child's teacher can answer this message."
            await h.send(text_update(outsider, "Yes, PE is on Thursday."))
            with h.core.sessions() as session:
                assert session.query(ParentMessage).filter_by(direction="out").count() == 0

            # Part way through logging a concern, Reply asks to finish it first: the half-
            # typed concern is not dropped.
            await h.send(text_update(teacher, "concern"))
            await h.send(text_update(teacher, "Kacper"))
            await h.send(tap_update(teacher, notice.params["reply_action"]))
            assert fake_api.texts(teacher["id"])[-1].startswith(
                "You are in the middle of 'Log a concern'. Finish it, or type cancel"
            )
            await h.send(text_update(teacher, "cancel"))
            await h.send(tap_update(teacher, notice.params["reply_action"]))
            # 'back' at the reply's one question stays there; it does not undo the button.
            await h.send(text_update(teacher, "back"))
            assert fake_api.texts(teacher["id"])[-1].startswith("This is the first question.")
            await h.send(text_update(teacher, "Yes, PE is on Thursday."))
            assert "Sent" in fake_api.texts(teacher["id"])[-1]
            with h.core.sessions() as session:
                out = session.query(ParentMessage).filter_by(direction="out").one()
                assert out.body_text == "Yes, PE is on Thursday."
            # The parent cannot use a staff Reply button.
            await h.send(tap_update(anna, notice.params["reply_action"]))
            assert "not for you" in fake_api.texts(anna["id"])[-1]

    asyncio.run(scenario())
