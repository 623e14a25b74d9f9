"""Our aiohttp transport under python-telegram-bot: what the Bot API receives, and the
library's own errors when the network fails."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from sendbot.handlers.telegram.transport import AiohttpRequest
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi


def test_a_message_and_a_file_reach_the_bot_api_as_sent(fake_api: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot(TOKEN, base_url=f"{fake_api.url}/bot", request=AiohttpRequest()) as bot:
            await bot.send_message(7601, "Your review is on Tuesday at 15:30 (zaproszenie).")
            await bot.send_document(
                7601,
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                filename="meeting.ics",
                caption="Add it to your calendar",
            )

    asyncio.run(scenario())
    (message,) = fake_api.of("sendMessage", 7601)
    assert message.params["text"] == "Your review is on Tuesday at 15:30 (zaproszenie)."
    (document,) = fake_api.of("sendDocument", 7601)
    assert document.params["caption"] == "Add it to your calendar"
    assert document.files["document"] == ("meeting.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")


def test_telegrams_429_still_becomes_the_librarys_retry_after(fake_api: FakeBotApi) -> None:
    fake_api.fail_next(
        "sendMessage",
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 9",
            "parameters": {"retry_after": 9},
        },
    )

    async def scenario() -> None:
        async with Bot(TOKEN, base_url=f"{fake_api.url}/bot", request=AiohttpRequest()) as bot:
            await bot.send_message(7602, "Hello")

    with pytest.raises(RetryAfter):
        asyncio.run(scenario())


def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens here

    with pytest.raises(NetworkError):
        asyncio.run(_post(AiohttpRequest(connect_timeout=2), port, "getMe"))


def test_a_bot_api_that_never_answers_times_out() -> None:
    async def scenario() -> None:
        async def silent(request: web.Request) -> web.Response:
            await asyncio.sleep(5)
            return web.json_response({"ok": True, "result": True})

        app = web.Application()
        app.router.add_post("/{tail:.*}", silent)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await _post(AiohttpRequest(read_timeout=0.2), port, "sendMessage")
        finally:
            await runner.cleanup()

    with pytest.raises(TimedOut):
        asyncio.run(scenario())


async def _post(request: AiohttpRequest, port: int, method: str) -> None:
    await request.initialize()
    try:
        await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/{method}")
    finally:
        await request.shutdown()
