"""A reply to a person's own message is never lost to Telegram's flood control.

Twenty parents write to school at the same moment against a limit of ten sends a second:
every message is saved, and every parent gets exactly one confirmation, half of them after
the wait Telegram's 429 asked for (`parameters.retry_after`), sent by the scheduler's
delivery job. A reply never overtakes an earlier one to the same chat, and a tap's reply
goes even when Telegram refuses the tap's answer.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from sendbot.delivery.contract import OutgoingMessage
from sendbot.services import chat_replies, invites
from sendbot.serving.scheduler import SchedulerService
from sendbot.store.models import ParentMessage
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian, link_parent

CONFIRMATION = "has gone to the school"


async def _link(h: Harness, school: Any, n: int) -> dict[str, Any]:
    who = person(7800 + n, f"Parent{n}", language_code="en")
    family = add_guardian(h.core.sessions, school, f"p{n}", f"Parent{n}", "Nowak", ["kacper"])
    with h.core.sessions() as session, session.begin():
        code = invites.create_guardian_invite(
            session, family.guardian_id, h.clock.now(), BOT_USERNAME
        ).code
    await h.send(text_update(who, f"/start {code}"))
    return who


def test_twenty_parents_at_once_against_a_limit_of_ten_each_get_one_confirmation(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            parents = [await _link(h, school, n) for n in range(20)]
            # Telegram's flood control, on the harness's clock: ten sends in any second.
            fake_api.flood(10, retry_after=1, clock=lambda: h.clock.now().timestamp())
            await asyncio.gather(
                *(
                    h.send(text_update(p, "Kacper has the dentist on Friday at 2pm."))
                    for p in parents
                )
            )
            throttled = [c for c in fake_api.of("sendMessage") if c.status == 429]
            assert len(throttled) >= 10  # Telegram said "wait" to half of them

            # The delivery job of `sendbot serve`, after Telegram's wait, until nothing is due.
            h.core.senders["telegram"] = h.sender
            scheduler = SchedulerService(h.core)
            for _ in range(5):
                h.clock.advance(timedelta(seconds=2))
                await scheduler.deliver()

            with h.core.sessions() as session:
                saved = session.scalar(select(func.count()).select_from(ParentMessage))
            assert saved == 20
            confirmations = {
                p["id"]: sum(CONFIRMATION in t for t in fake_api.texts(p["id"])) for p in parents
            }
            assert confirmations == {p["id"]: 1 for p in parents}

    asyncio.run(scenario())


FLOOD = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 1",
    "parameters": {"retry_after": 1},
}


def test_a_reply_waits_behind_an_earlier_one_telegram_refused_and_both_go_in_order(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    nadia = person(7851, "Nadia", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, nadia, ["kacper"])
            before = len(fake_api.texts(nadia["id"]))
            fake_api.fail_next("sendMessage", 429, FLOOD)
            await h.send(text_update(nadia, "/help"))
            await h.send(text_update(nadia, "/mychild"))
            # The second answer does not overtake the first, which waits for Telegram.
            assert fake_api.texts(nadia["id"])[before:] == []

            h.core.senders["telegram"] = h.sender
            scheduler = SchedulerService(h.core)
            h.clock.advance(timedelta(milliseconds=500))
            await scheduler.deliver()
            assert fake_api.texts(nadia["id"])[before:] == []  # not before the wait is over
            h.clock.advance(timedelta(seconds=1))
            await scheduler.deliver()
            await scheduler.deliver()
            help_text, child_text = fake_api.texts(nadia["id"])[before:]
            assert "/mychild" in help_text and "Kacper" in child_text

    asyncio.run(scenario())


def test_a_tap_whose_answer_telegram_refuses_still_gets_its_reply(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    nadia = person(7853, "Nadia", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, nadia, ["kacper"])
            greeting = fake_api.of("sendMessage", nadia["id"])[-1]
            polish = next(data for label, data in greeting.buttons if label == "polski")
            before = len(fake_api.texts(nadia["id"]))
            fake_api.fail_next("answerCallbackQuery", 429, FLOOD)
            await h.send(tap_update(nadia, polish))
            # The button's toast was refused; the replies, in Polish now, still went.
            assert [c.status for c in fake_api.of("answerCallbackQuery")] == [429]
            replies = fake_api.texts(nadia["id"])[before:]
            assert len(replies) == 2 and "polski" in replies[0] and "/mychild" in replies[1]
            menu = fake_api.of("setMyCommands")[-1]
            assert menu.params["scope"] == {"type": "chat", "chat_id": nadia["id"]}

    asyncio.run(scenario())


def test_a_long_reply_cut_short_by_a_429_sends_only_its_missing_part_again(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    nadia = person(7855, "Nadia", language_code="en")
    first_half = "Kacper's targets this term. " * 150  # about 4,200 characters: two messages
    second_half = "And what the class teacher said about them. " * 10

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, nadia, ["kacper"])
            with h.core.sessions() as session, session.begin():
                chat_replies.queue(
                    session,
                    "telegram",
                    str(nadia["id"]),
                    [OutgoingMessage(text=first_half + "\n\n" + second_half)],
                    h.clock.now(),
                )
            # One send a second: the first part goes, the second is told to wait.
            fake_api.flood(1, retry_after=1, clock=lambda: h.clock.now().timestamp())
            h.core.senders["telegram"] = h.sender
            scheduler = SchedulerService(h.core)
            await scheduler.deliver()
            assert [c.status for c in fake_api.of("sendMessage", nadia["id"])][-2:] == [200, 429]

            h.clock.advance(timedelta(seconds=2))
            await scheduler.deliver()
            sent = "".join(
                t for t in fake_api.texts(nadia["id"]) if "targets" in t or "teacher" in t
            )
            assert sent.count("Kacper's targets this term.") == 150
            assert sent.count("what the class teacher said") == 10

    asyncio.run(scenario())
