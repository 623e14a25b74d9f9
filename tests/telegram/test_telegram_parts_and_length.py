"""Telegram delivery in parts, and text longer than one Telegram message.

An invitation is two Bot API calls (its text, then the calendar file): when the file fails,
the retry sends the file alone, never the text again. Text is split within Telegram's 4,096
characters as Telegram counts them (UTF-16 code units: an emoji counts twice), after the
mentions are defused, so no piece is refused as too long and nothing is lost.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Bot

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage, Recipient
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.handlers.telegram.transport import AiohttpRequest
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Outbox
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, person
from tests.telegram.harness import Harness, link_parent

NADIA = person(7801, "Nadia", language_code="en")
SERVER_ERROR = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
TELEGRAM_LIMIT = 4096  # characters of one message, counted in UTF-16 code units
WORD_JOINER = "\u2060"


def test_a_calendar_file_that_fails_is_retried_alone_and_the_invitation_text_goes_once(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> list[Outbox]:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, NADIA, ["zoe"])
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                meetings.schedule(
                    session,
                    senco,
                    pupil_id=school.pupils["zoe"],
                    kind="annual_review",
                    starts_at=NOW + timedelta(days=20),
                    video_link="https://meet.school.example/review",
                    now=NOW,
                )
            fake_api.clear()
            fake_api.fail_next("sendDocument", 500, SERVER_ERROR)
            fake_api.fail_next("sendDocument", 500, SERVER_ERROR)
            for _ in range(4):  # past each retry's back-off
                h.clock.advance(timedelta(minutes=1))
                await h.deliver()
            return h.outbox(keys.MEETING_INVITATION)

    (invitation,) = asyncio.run(scenario())
    assert (invitation.status, invitation.attempts) == ("sent", 3)
    texts = fake_api.texts(NADIA["id"])
    assert texts and len(texts) == len(set(texts)), "a text was sent more than once"
    documents = fake_api.of("sendDocument", NADIA["id"])
    assert len(documents) == 3  # two refused, then the one that arrived
    assert {d.files["document"][0] for d in documents} == {"meeting.ics"}


async def _send(fake: FakeBotApi, message: OutgoingMessage):  # type: ignore[no-untyped-def]
    async with Bot(TOKEN, base_url=f"{fake.url}/bot", request=AiohttpRequest()) as bot:
        return await TelegramSender(bot).send(Recipient("telegram", str(NADIA["id"])), message)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _words(text: str) -> str:
    return "".join(text.replace(WORD_JOINER, "").split())


def test_emoji_and_mentions_are_split_as_telegram_counts_and_nothing_is_lost(
    fake_api: FakeBotApi,
) -> None:
    letter = "Zoë had a lovely day 🙂🎉 and told @mum all about the trip. " * 200
    for text in (letter.strip(), "🙂" * 5000):
        fake_api.clear()
        outcome = asyncio.run(_send(fake_api, OutgoingMessage(text)))
        assert outcome.status == "sent", outcome.detail
        sent = fake_api.texts(NADIA["id"])
        assert len(sent) > 1
        assert all(_units(part) <= TELEGRAM_LIMIT for part in sent)
        assert _words("".join(sent)) == _words(text)
