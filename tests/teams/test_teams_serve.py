"""`sendbot serve` as a real process with Teams configured: its messaging endpoint answers a
signed activity (the teacher is linked by her roster email and answered in her personal
chat) and refuses an unsigned one with 401, beside the health check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sendbot.store.models import Identity
from tests.factories import build_small_school
from tests.slack.test_slack_serve import free_port, post, wait_healthy
from tests.teams.fake_connector import (
    APP_ID,
    SECRET,
    TENANT,
    FakeMicrosoft,
    activity,
    conversation_of,
)

pytestmark = pytest.mark.slow

TEACHER = ("29:teacher", "aad-teacher")


def test_serve_answers_a_signed_activity_and_refuses_an_unsigned_one(
    db_url, sessions, fake: FakeMicrosoft, tmp_path: Path
) -> None:
    build_small_school(sessions)
    fake.member(*TEACHER, "teacher@oakfield.example")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SENDBOT_SLACK_", "SENDBOT_TELEGRAM_", "SENDBOT_TEAMS_"))
    }
    env.update(
        SENDBOT_DATABASE_URL=db_url,
        SENDBOT_TEAMS_APP_ID=APP_ID,
        SENDBOT_TEAMS_APP_SECRET=SECRET,
        SENDBOT_TEAMS_TENANT_ID=TENANT,
        SENDBOT_TEAMS_OPENID_URL=f"{fake.url}/openid",
        SENDBOT_TEAMS_TOKEN_URL=f"{fake.url}/token",
        SENDBOT_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-c", "from sendbot.cli import app; app()", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"{base}/healthz", process)
        url = f"{base}/api/teams/messages"
        body = json.dumps(activity(fake, *TEACHER, "help"))
        unsigned = {"Content-Type": "application/json"}
        assert post(url, body, unsigned) == 401
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Identity)) == 0
        signed = {**unsigned, "Authorization": f"Bearer {fake.sign()}"}
        assert post(url, body, signed) == 200
        deadline = time.monotonic() + 10
        while not fake.texts(conversation_of(TEACHER[0])) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fake.texts(conversation_of(TEACHER[0]))
        with sessions() as session:
            linked = session.scalars(select(Identity)).one()
            assert (linked.platform, linked.team_id, linked.external_id) == (
                "teams",
                TENANT,
                TEACHER[1],
            )
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
