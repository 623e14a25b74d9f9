"""`sendbot serve` as a real process taking Telegram's webhook: the right secret is processed
(once, even when Telegram delivers an update twice); a wrong or missing one gets 403 and
changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sendbot.services import invites
from sendbot.store.models import AuditEvent, Identity, ParentMessage
from tests.factories import build_small_school
from tests.slack.test_slack_serve import free_port, post, wait_healthy
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, person, text_update
from tests.telegram.harness import Family, add_guardian

pytestmark = pytest.mark.slow

SECRET = "webhook-secret-for-tests_0123456789"


def counts(sessions) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Identity)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(ParentMessage)),
        )


def test_serve_takes_the_webhook_with_the_secret_and_refuses_it_without(
    db_url, sessions, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    school = build_small_school(sessions)
    family: Family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    with sessions() as session, session.begin():
        invite = invites.create_guardian_invite(
            session, family.guardian_id, datetime.now(UTC), BOT_USERNAME
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SENDBOT_SLACK_", "SENDBOT_TELEGRAM_", "SENDBOT_PUBLIC_URL"))
    }
    env.update(
        SENDBOT_DATABASE_URL=db_url,
        SENDBOT_TELEGRAM_BOT_TOKEN=TOKEN,
        SENDBOT_TELEGRAM_API_URL=fake_api.url,
        SENDBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SENDBOT_PUBLIC_URL=base,
        SENDBOT_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-c", "from sendbot.cli import app; app()", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"{base}/healthz", process)
        hook = fake_api.wait_for("setWebhook")[0]
        assert hook.params["url"] == f"{base}/telegram/webhook"
        assert hook.params["secret_token"] == SECRET
        assert any(c.params.get("language_code") == "pl" for c in fake_api.of("setMyCommands"))

        parent = person(8001, "Anna")
        url = f"{base}/telegram/webhook"
        good = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        start = json.dumps(text_update(parent, f"/start {invite.code}"))
        assert post(url, start, good) == 200
        assert counts(sessions)[0] == 1
        assert "Hello Anna" in fake_api.texts(parent["id"])[-1]

        # Telegram delivers the same update twice: it is processed once.
        message = json.dumps(text_update(parent, "Kacper has a dentist visit on Friday."))
        assert post(url, message, good) == 200
        assert post(url, message, good) == 200
        assert counts(sessions)[2] == 1

        # A wrong secret, or none: 403, and nothing is read or changed.
        calls, before = len(fake_api.calls), counts(sessions)
        other = json.dumps(text_update(parent, "Another message"))
        wrong = {**good, "X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
        assert post(url, other, wrong) == 403
        assert post(url, other, {"Content-Type": "application/json"}) == 403
        assert len(fake_api.calls) == calls
        assert counts(sessions) == before
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
