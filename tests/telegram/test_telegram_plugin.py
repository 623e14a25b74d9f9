"""The plugin in-process: polling without a public URL (an update the database could not take
is fetched again), refusals, and `sendbot invite`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from sendbot.cli import app as cli
from sendbot.config import Settings, get_settings
from sendbot.handlers.telegram.plugin import BOT_KEY, telegram_plugin
from sendbot.services import invites
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.store.models import Invite, ParentMessage
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, person, text_update
from tests.telegram.harness import add_guardian


def test_without_a_public_url_it_polls_and_the_webhook_refuses_everyone(
    db_url, fake_api: FakeBotApi
) -> None:
    settings = Settings(
        database_url=db_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=fake_api.url,
    )

    async def scenario() -> None:
        core = build_core(settings)
        async with TestClient(TestServer(build_app(core, [telegram_plugin(settings)]))) as client:
            await asyncio.to_thread(fake_api.wait_for, "getUpdates")
            assert fake_api.of("deleteWebhook") and not fake_api.of("setWebhook")
            assert "telegram" in core.senders
            response = await client.post("/telegram/webhook", json={"update_id": 1})
            assert response.status == 403
        core.db.dispose()

    asyncio.run(scenario())


def test_a_public_url_without_a_secret_is_refused_at_start() -> None:
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN), public_url="https://sendbot.school.example"
    )
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        telegram_plugin(settings)


def test_sendbot_invite_guardian_prints_a_link_and_writes_a_qr_code(
    db_url, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("SENDBOT_TELEGRAM_BOT_USERNAME", BOT_USERNAME)
    get_settings.cache_clear()
    qr = tmp_path / "letter.png"
    try:
        result = CliRunner().invoke(
            cli, ["invite", "guardian", str(family.guardian_id), "--qr", str(qr)]
        )
        missing = CliRunner().invoke(cli, ["invite", "guardian", "99999"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"https://t.me/{BOT_USERNAME}?start=" in result.output
    assert qr.read_bytes().startswith(b"\x89PNG")
    with sessions() as session:
        assert session.query(Invite).one().guardian_id == family.guardian_id
    assert missing.exit_code != 0


def test_an_update_that_fails_for_want_of_the_database_is_asked_for_again(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    settings = Settings(
        database_url=db_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=fake_api.url,
        telegram_webhook_secret=SecretStr("s3cret"),
    )
    parent = person(7401, "Anna")

    async def scenario() -> None:
        core = build_core(settings)
        app = build_app(core, [telegram_plugin(settings)])
        async with TestClient(TestServer(app)) as client:
            bot = app[BOT_KEY]
            with core.sessions() as session, session.begin():
                code = invites.create_guardian_invite(
                    session, family.guardian_id, core.clock.now(), BOT_USERNAME
                ).code
            real = bot.router.handle
            calls = {"n": 0}

            def flaky(incoming):  # type: ignore[no-untyped-def]
                calls["n"] += 1
                if calls["n"] == 1:
                    raise OperationalError("SELECT 1", {}, Exception("database is down"))
                return real(incoming)

            bot.router.handle = flaky  # type: ignore[method-assign]
            update = text_update(parent, f"/start {code}")
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            first = await client.post("/telegram/webhook", json=update, headers=headers)
            assert first.status == 503
            again = await client.post("/telegram/webhook", json=update, headers=headers)
            assert again.status == 200
            assert "Hello Anna" in fake_api.texts(parent["id"])[-1]
        core.db.dispose()

    asyncio.run(scenario())


async def _until(done: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for `done` (or give up: the assertions after say what is missing)."""
    for _ in range(int(seconds / 0.05)):
        if await asyncio.to_thread(done):
            return
        await asyncio.sleep(0.05)


def test_polling_fetches_again_a_message_the_database_could_not_take_and_stores_it_once(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    settings = Settings(  # no public URL: the bot polls
        database_url=db_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=fake_api.url,
    )
    parent = person(7402, "Anna")
    said = "Kacper has the dentist on Friday at 2pm."
    down = {"tries": 2}  # the database is unreachable for the message's first two attempts

    def stored() -> int:
        with sessions() as session:
            return len(session.scalars(select(ParentMessage)).all())

    def confirmed() -> int:
        return sum("has gone to the school" in t for t in fake_api.texts(parent["id"]))

    async def scenario() -> None:
        core = build_core(settings)
        app = build_app(core, [telegram_plugin(settings)])
        async with TestClient(TestServer(app)):
            bot = app[BOT_KEY]
            with core.sessions() as session, session.begin():
                code = invites.create_guardian_invite(
                    session, family.guardian_id, core.clock.now(), BOT_USERNAME
                ).code
            fake_api.push_update(text_update(parent, f"/start {code}"))
            await _until(lambda: any("Hello Anna" in t for t in fake_api.texts(parent["id"])))

            real = bot.router.handle

            def flaky(incoming):  # type: ignore[no-untyped-def]
                if down["tries"]:
                    down["tries"] -= 1
                    raise OperationalError("INSERT", {}, Exception("the database is down"))
                return real(incoming)

            bot.router.handle = flaky  # type: ignore[method-assign]
            fake_api.push_update(text_update(parent, said))
            await _until(lambda: stored() >= 1 and confirmed() >= 1)
        core.db.dispose()

    asyncio.run(scenario())
    assert stored() == 1
    assert confirmed() == 1
    assert down["tries"] == 0  # it was fetched again after each failure
