"""`sendbot serve` with Telegram out of reach at start-up: the server starts, says so in one
line, keeps serving Slack, the health check and the clock, holds Telegram's messages for
later rather than giving them up, and reaches Telegram in the background once it answers.

The serving app is the real one (`plugins_for` the settings, as `sendbot serve` builds it),
with the fake Slack Web API, and either no Telegram at all or the fake Bot API answering
502 at first. The waits between tries are made short.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select, update

from sendbot.cli.serve import plugins_for
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.handlers.telegram.plugin import WEBHOOK_PATH
from sendbot.services import outbox
from sendbot.serving import connecting
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.serving.scheduler import SERVICE_KEY
from sendbot.store.models import Identity, Outbox, School
from tests.factories import NOW, build_small_school
from tests.slack import payloads
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.harness import USERS
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, person, text_update

SECRET = "webhook-secret-for-tests_0123456789"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused
HEAD_CHAT = 8101


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connecting, "DEFAULT", connecting.Backoff(first=0.05, most=0.2))


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


def settings_for(db_url: str, slack: FakeSlack, telegram_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token=SecretStr("xoxb-test-token"),
        slack_signing_secret=SecretStr(payloads.SIGNING_SECRET),
        slack_api_url=slack.base_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=telegram_url,
        telegram_webhook_secret=SecretStr(SECRET),
        public_url="https://sendbot.school.example",
    )


def prepare(sessions: Any, slack: FakeSlack) -> int:
    """The small school on Slack (the teacher has an account there); the head reads
    sendbot on Telegram only, and has a notice waiting. Returns the notice's outbox id."""
    school = build_small_school(sessions)
    slack.add_user(USERS["teacher"], "teacher@oakfield.example")
    with sessions() as session, session.begin():
        session.execute(
            update(School).where(School.id == school.school_id).values(slack_team_id=TEAM_ID)
        )
        session.add(
            Identity(
                platform="telegram",
                external_id=str(HEAD_CHAT),
                staff_id=school.staff["head"],
                created_at=NOW,
            )
        )
        row = outbox.enqueue(
            session,
            school_id=school.school_id,
            template=keys.STAFF_NOTICE,
            params={"text": "Term dates for next year are in the office."},
            dedupe_key="notice:head:1",
            now=NOW,
            recipient_staff_id=school.staff["head"],
        )
        assert row is not None
        session.flush()
        return row.id


def slack_accounts(sessions: Any) -> int:
    with sessions() as session:
        return len(session.scalars(select(Identity).where(Identity.platform == "slack")).all())


def notice(sessions: Any, outbox_id: int) -> Outbox:
    with sessions() as session:
        return session.scalars(select(Outbox).where(Outbox.id == outbox_id)).one()


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Wait for something the server does in the background (fails after `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, "it never happened"
        await asyncio.sleep(0.05)


def test_serve_keeps_serving_the_rest_while_telegram_cannot_be_reached(
    db_url, sessions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=connecting.__name__)

    async def scenario() -> None:
        slack = FakeSlack()
        await slack.start()
        outbox_id = prepare(sessions, slack)
        settings = settings_for(db_url, slack, NOWHERE)
        core = build_core(settings)
        app = build_app(core, plugins_for(settings))
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/healthz")).status == 200
            # Slack's start-up work goes on: staff are found by email in the background.
            await until(lambda: slack_accounts(sessions) == 1)
            body, headers = payloads.form_request(payloads.slash_command(USERS["teacher"], "help"))
            answer = await client.post("/slack/events", data=body.encode(), headers=headers)
            assert answer.status == 200
            assert "/send" in (await answer.json())["text"]
            assert app[SERVICE_KEY].scheduler is not None
            assert app[SERVICE_KEY].scheduler.running
            # Telegram would send again later: not ready yet, not an error.
            update_body = json.dumps(text_update(person(HEAD_CHAT), "hello")).encode()
            hook = await client.post(
                WEBHOOK_PATH,
                data=update_body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert hook.status == 503
            # The clock's delivery ran: the head's notice waits to be tried again.
            await until(lambda: notice(sessions, outbox_id).attempts >= 1)
            row = notice(sessions, outbox_id)
            assert row.status == "pending"
            assert "telegram" in (row.last_error or "")
            # ... and Telegram is tried again in the background.
            await until(lambda: len(_lines(caplog, "still unreachable")) >= 2)
        core.db.dispose()
        await slack.stop()

    asyncio.run(scenario())
    said = [
        r for r in caplog.records if r.name == connecting.__name__ and r.levelno >= logging.WARNING
    ]
    assert len(said) == 1
    (line,) = said
    assert line.getMessage().startswith("telegram: cannot be reached at start-up")
    assert "\n" not in line.getMessage()
    assert line.exc_info is None
    assert TOKEN not in caplog.text


def _lines(caplog: pytest.LogCaptureFixture, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if words in r.getMessage()]


def test_serve_reaches_telegram_in_the_background_once_it_answers(
    db_url, sessions, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=connecting.__name__)
    bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    for _ in range(3):
        bot_api.fail_next("getMe", 502, bad_gateway)

    async def scenario() -> None:
        slack = FakeSlack()
        await slack.start()
        outbox_id = prepare(sessions, slack)
        settings = settings_for(db_url, slack, bot_api.url)
        core = build_core(settings)
        async with TestClient(TestServer(build_app(core, plugins_for(settings)))) as client:
            assert (await client.get("/healthz")).status == 200
            (hook,) = await asyncio.to_thread(bot_api.wait_for, "setWebhook")
            assert hook.params["url"] == "https://sendbot.school.example/telegram/webhook"
            assert len(bot_api.of("getMe")) == 4
            # The notice that waited is delivered once Telegram answers.
            await until(lambda: notice(sessions, outbox_id).status == "sent", timeout=60)
            assert bot_api.texts(HEAD_CHAT)
            # ... and the webhook takes updates.
            update_body = json.dumps(text_update(person(8102), "/help")).encode()
            taken = await client.post(
                WEBHOOK_PATH,
                data=update_body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert taken.status == 200
            assert bot_api.texts(8102)
        core.db.dispose()
        await slack.stop()

    asyncio.run(scenario())
    assert _lines(caplog, "telegram: cannot be reached at start-up")
    assert _lines(caplog, "telegram: reached at try 4")


def test_serve_keeps_serving_while_slack_socket_mode_cannot_be_reached(
    db_url, sessions, caplog: pytest.LogCaptureFixture
) -> None:
    """Socket Mode needs Slack at start-up too: slack_sdk's own connect would keep the server
    from starting until Slack answered."""
    caplog.set_level(logging.INFO, logger=connecting.__name__)

    async def scenario() -> None:
        slack = FakeSlack()
        await slack.start()
        prepare(sessions, slack)
        for _ in range(3):
            slack.fail_next("apps.connections.open", 500, {"ok": False, "error": "fatal_error"})
        settings = Settings(
            database_url=db_url,
            slack_bot_token=SecretStr("xoxb-test-token"),
            slack_app_token=SecretStr("xapp-1-A0SENDBOT-socket"),
            slack_api_url=slack.base_url,
        )
        core = build_core(settings)
        client = TestClient(TestServer(build_app(core, plugins_for(settings))))
        try:
            await asyncio.wait_for(client.start_server(), timeout=10)
            assert (await client.get("/healthz")).status == 200
            await slack.envelope(
                "slash_commands", payloads.slash_command(USERS["teacher"], "concern")
            )
            (opened,) = await slack.wait_for("views.open")
            assert opened.params["view"]["callback_id"] == "flow:log_concern"
            assert len(slack.called("apps.connections.open")) == 4
        finally:
            await client.close()
            core.db.dispose()
            await slack.stop()

    asyncio.run(scenario())
    assert _lines(caplog, "slack: cannot be reached at start-up")
    assert _lines(caplog, "slack: reached at try 4")
