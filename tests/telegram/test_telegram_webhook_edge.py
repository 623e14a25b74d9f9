"""The webhook's edge: a body carrying the secret but unlike any update the Bot API documents
gets 400 (so Telegram stops sending it), never a 500 from inside python-telegram-bot, and
changes nothing; a real update after all of them is still handled."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import func, select

from sendbot.config import Settings
from sendbot.handlers.telegram.plugin import WEBHOOK_PATH, telegram_plugin
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.store.models import ConversationState, Identity, ProcessedEvent
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, person, tap_update, text_update

SECRET = "webhook-secret-for-tests_0123456789"
PARENT = person(7301, "Anna")


def _chat_message(**changes: Any) -> dict[str, Any]:
    update = text_update(PARENT, "Hello")
    update["message"].update(changes)
    return update


def _tap(**changes: Any) -> dict[str, Any]:
    update = tap_update(PARENT, "lang:pl")
    update["callback_query"].update(changes)
    return update


MALFORMED: dict[str, Any] = {
    "JSON cut short": b'{"update_id": 1, "message": {',
    "a JSON list": [],
    "a JSON string": "update",
    "null": None,
    "a message that is text": {"update_id": 2, "message": "hello"},
    "entities that are text": _chat_message(text="/start", entities="bot_command"),
    "a chat id that is text": _chat_message(chat={"id": "abc", "type": "private"}),
    "a date past any calendar": _chat_message(date=10**30),
    "a chat id too large for Telegram": _chat_message(chat={"id": 10**40, "type": "private"}),
    "text that is a number": _chat_message(text=5),
    "a language code that is a number": _chat_message(**{"from": {**PARENT, "language_code": 5}}),
    "a tap from nobody": _tap(**{"from": "someone"}),
    "a tap's data that is a number": _tap(data=5),
    "a new chat member that is a number": {
        "update_id": 3,
        "my_chat_member": {
            "chat": {"id": 7301, "type": "private"},
            "from": PARENT,
            "date": 1795000000,
            "old_chat_member": {"status": "member", "user": PARENT},
            "new_chat_member": 5,
        },
    },
    "JSON nested 5000 deep": b"[" * 5000,
}


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


def counts(sessions) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Identity, ProcessedEvent, ConversationState)
        )


def test_bodies_unlike_a_telegram_update_get_400_and_change_nothing(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    settings = Settings(
        database_url=db_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=fake_api.url,
        telegram_webhook_secret=SecretStr(SECRET),
        public_url="https://sendbot.school.example",
    )
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}

    async def scenario() -> tuple[dict[str, int], list[str], tuple[int, int, int]]:
        core = build_core(settings)
        statuses: dict[str, int] = {}
        async with TestClient(TestServer(build_app(core, [telegram_plugin(settings)]))) as client:
            fake_api.clear()
            for name, value in MALFORMED.items():
                response = await client.post(WEBHOOK_PATH, data=_body(value), headers=headers)
                statuses[name] = response.status
            api_calls = [c.method for c in fake_api.calls]
            stored = counts(sessions)
            good = await client.post(
                WEBHOOK_PATH, data=_body(text_update(PARENT, "/help")), headers=headers
            )
            assert good.status == 200
            assert fake_api.texts(PARENT["id"])
        core.db.dispose()
        return statuses, api_calls, stored

    statuses, api_calls, stored = asyncio.run(scenario())
    assert statuses == {name: 400 for name in MALFORMED}
    assert api_calls == []
    assert stored == (0, 0, 0)
