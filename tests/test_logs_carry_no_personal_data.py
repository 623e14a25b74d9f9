"""`sendbot serve` at DEBUG, with a Slack and a Telegram exchange: not one name, email, phone
number or typed word of the people in them reaches the log.

The platform libraries log whole request and response bodies at DEBUG (Slack's user
profiles with names and emails, a parent's message); the serving process keeps those
loggers at INFO and redacts whatever reaches its handlers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sendbot.services import invites
from sendbot.store.models import Concern, Identity, ParentMessage
from tests.slack import payloads
from tests.slack.fake_slack import fake_slack_in_thread
from tests.slack.harness import USERS, filled, prepare_school
from tests.slack.test_slack_serve import free_port, post, wait_healthy
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, person, text_update
from tests.telegram.harness import add_guardian

pytestmark = pytest.mark.slow

SECRET = "webhook-secret-for-tests_0123456789"
STAFF_NAMES = {"teacher": "Hannah Price", "senco": "Grace Okafor", "dsl": "Martin Shaw"}
NARRATIVE = "Amelia said her uncle shouts at her every evening."
PARENT_SAYS = "Kacper has a dentist visit on Friday, call me on 07700 900123."


def personal_data() -> list[str]:
    """Everything about the people in the exchange that must not reach the log."""
    names = [part for name in STAFF_NAMES.values() for part in name.split()]
    emails = [f"{key}@oakfield.example" for key in USERS]
    return [*names, *emails, "Anna", "Wiśniewska", "Wi\\u015bniewska", "Amelia Khan"] + [
        NARRATIVE,
        NARRATIVE.split()[3],  # "uncle"
        PARENT_SAYS,
        "dentist",
        "07700 900123",
    ]


def wait_for(check, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.1)


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_slack_and_telegram_exchange_at_debug_logs_no_personal_data(
    db_url, sessions, tmp_path: Path
) -> None:
    telegram = FakeBotApi().start()
    log_path = tmp_path / "serve.log"
    with fake_slack_in_thread() as (slack, _loop), log_path.open("wb") as log:
        school = prepare_school(sessions, slack)
        for key, name in STAFF_NAMES.items():
            slack.users[USERS[key]]["real_name"] = name
            slack.users[USERS[key]]["profile"]["real_name"] = name
        family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
        with sessions() as session, session.begin():
            invite = invites.create_guardian_invite(
                session, family.guardian_id, datetime.now(UTC), BOT_USERNAME
            )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SENDBOT_SLACK_", "SENDBOT_TELEGRAM_", "SENDBOT_PUBLIC_URL"))
        }
        env.update(
            SENDBOT_DATABASE_URL=db_url,
            SENDBOT_LOG_LEVEL="DEBUG",
            SENDBOT_SLACK_BOT_TOKEN="xoxb-serve-test",
            SENDBOT_SLACK_SIGNING_SECRET=payloads.SIGNING_SECRET,
            SENDBOT_SLACK_API_URL=slack.base_url,
            SENDBOT_TELEGRAM_BOT_TOKEN=TOKEN,
            SENDBOT_TELEGRAM_API_URL=telegram.url,
            SENDBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
            SENDBOT_PUBLIC_URL=base,
        )
        command = [sys.executable, "-c", "from sendbot.cli import app; app()", "serve"]
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"{base}/healthz", process)
            # Staff are found on Slack by email at start-up: the profiles come back with names.
            # The school's staff with a Slack account (other_staff's is for another world).
            staff_on_slack = len(school.staff.keys() & USERS.keys())
            wait_for(lambda: count(sessions, Identity) == staff_on_slack, "matching staff on Slack")

            body, headers = payloads.form_request(
                payloads.slash_command(USERS["teacher"], "concern")
            )
            assert post(f"{base}/slack/events", body, headers) == 200
            wait_for(lambda: bool(slack.called("views.open")), "the concern modal")
            view = payloads.opened_view(slack.called("views.open")[0].params["view"], {})
            answers = {
                "pupil": school.pupils["amelia"],
                "narrative": NARRATIVE,
                "source": "staff",
                "area": "semh",
                "safeguarding": "no",
            }
            submission = payloads.view_submission(USERS["teacher"], filled(view, answers))
            body, headers = payloads.interactive(submission)
            assert post(f"{base}/slack/events", body, headers) == 200
            wait_for(lambda: count(sessions, Concern) == 1, "the concern saved")

            parent = {**person(8101, "Anna"), "last_name": "Wiśniewska", "username": "anna_w"}
            url = f"{base}/telegram/webhook"
            hook = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
            start = json.dumps(text_update(parent, f"/start {invite.code}"))
            assert post(url, start, hook) == 200
            assert post(url, json.dumps(text_update(parent, PARENT_SAYS)), hook) == 200
            wait_for(lambda: count(sessions, ParentMessage) == 1, "the parent's message saved")
            wait_for(lambda: bool(telegram.texts(parent["id"])), "the replies sent")
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
            telegram.stop()
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in logged  # the process did log at DEBUG
    found = [word for word in personal_data() if word in logged]
    assert found == [], f"personal data in the DEBUG log: {found}"
