"""`sendbot serve` as a real process: a signed slash command opens a modal within Slack's
three seconds; an unsigned or stale request is refused with 401 and changes nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sendbot.store.models import AuditEvent, Identity
from tests.slack import payloads
from tests.slack.fake_slack import fake_slack_in_thread
from tests.slack.harness import USERS, prepare_school

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"sendbot serve exited: {process.stdout.read().decode() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("sendbot serve did not become healthy")


def counts(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Identity)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_serve_answers_a_signed_slash_command_with_a_modal_and_refuses_unsigned_ones(
    db_url, sessions, tmp_path: Path
):
    with fake_slack_in_thread() as (fake, _loop):
        school = prepare_school(sessions, fake)
        # The school's staff with a Slack account (other_staff's is for another test's world).
        staff_on_slack = len(school.staff.keys() & USERS.keys())
        port = free_port()
        env = {
            **os.environ,
            "SENDBOT_DATABASE_URL": db_url,
            "SENDBOT_SLACK_BOT_TOKEN": "xoxb-serve-test",
            "SENDBOT_SLACK_SIGNING_SECRET": payloads.SIGNING_SECRET,
            "SENDBOT_SLACK_API_URL": fake.base_url,
            "SENDBOT_LOG_LEVEL": "WARNING",
        }
        env.pop("SENDBOT_SLACK_APP_TOKEN", None)
        command = [
            sys.executable,
            "-c",
            "from sendbot.cli import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(f"{base}/healthz", process)
            # At start-up it finds every staff member's Slack account by email.
            deadline = time.monotonic() + 20
            while counts(sessions)[0] < staff_on_slack and time.monotonic() < deadline:
                time.sleep(0.1)
            assert counts(sessions)[0] == staff_on_slack
            body, headers = payloads.form_request(
                payloads.slash_command(USERS["teacher"], "concern")
            )
            sent = time.monotonic()
            assert post(f"{base}/slack/events", body, headers) == 200
            while not fake.called("views.open"):
                assert time.monotonic() - sent < 3, (
                    "views.open did not reach Slack within 3 seconds"
                )
                time.sleep(0.01)
            assert fake.called("views.open")[0].params["view"]["callback_id"] == "flow:log_concern"

            touched = ("views.open", "views.publish", "users.info", "chat.postMessage")
            calls = [c for c in fake.calls if c.method in touched]
            before = counts(sessions)
            other = payloads.slash_command(USERS["senco"], "concern")
            unsigned_body, _ = payloads.form_request(other)
            assert (
                post(
                    f"{base}/slack/events",
                    unsigned_body,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                == 401
            )
            stale_body, stale = payloads.form_request(other, timestamp=int(time.time()) - 301 - 60)
            assert post(f"{base}/slack/events", stale_body, stale) == 401
            time.sleep(0.3)
            assert [c for c in fake.calls if c.method in touched] == calls
            assert counts(sessions) == before
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
