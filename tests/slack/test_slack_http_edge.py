"""The Slack endpoint's edge: a signed body Slack would never send gets 400, a timestamp that
is not a number 401, and neither reaches Bolt, the records or Slack; someone Slack itself
does not know is told they are not set up."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from sendbot.handlers.slack.admission import NOT_SET_UP
from sendbot.store.models import AuditEvent, Identity, ProcessedEvent
from tests.slack import payloads
from tests.slack.harness import USERS, running

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def interactive(payload: Any) -> tuple[str, str]:
    return FORM, urlencode({"payload": json.dumps(payload)})


def teacher() -> dict[str, Any]:
    return {"id": USERS["teacher"], "team_id": "T0OAKFIELD"}


# Each signed with the right secret, each unlike anything Slack sends.
MALFORMED: dict[str, tuple[str, str]] = {
    "JSON cut short": (JSON, '{"type": "event_callback", "event": {'),
    "a JSON list": (JSON, "[1, 2]"),
    "a JSON string": (JSON, '"event_callback"'),
    "an event that is text": (
        JSON,
        json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0", "event": "x"}),
    ),
    "a team id that is a number": (
        JSON,
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev2",
                "team_id": 5,
                "event": {"type": "app_home_opened", "user": USERS["teacher"]},
            }
        ),
    ),
    "a payload field that is not JSON": (FORM, "payload=%7Bnot-json"),
    "a payload that is null": (FORM, "payload=null"),
    "a team that is a number": interactive(
        {"type": "block_actions", "user": teacher(), "team": 3, "actions": "x"}
    ),
    "a view that is a number": interactive(
        {"type": "view_submission", "user": teacher(), "team": {"id": "T0OAKFIELD"}, "view": 1}
    ),
    "no actions in a button press": interactive(
        {"type": "block_actions", "user": teacher(), "team": {"id": "T0OAKFIELD"}, "actions": []}
    ),
    "a view's state that is a list": interactive(
        {
            "type": "view_submission",
            "user": teacher(),
            "team": {"id": "T0OAKFIELD"},
            "view": {"id": "V1", "callback_id": "flow:log_concern", "state": {"values": []}},
        }
    ),
    "a user that is a list": interactive(
        {"type": "shortcut", "user": ["U0"], "callback_id": "log_concern", "trigger_id": "1.2"}
    ),
    "a slash command without its trigger": (
        FORM,
        urlencode({"command": "/send", "user_id": USERS["teacher"], "team_id": "T0OAKFIELD"}),
    ),
}


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_signed_bodies_slack_would_never_send_get_400_and_change_nothing(db_url, sessions):
    async def scenario() -> tuple[dict[str, int], list[str]]:
        statuses: dict[str, int] = {}
        async with running(db_url, sessions) as h:
            for name, (kind, body) in MALFORMED.items():
                headers = {"Content-Type": kind, **payloads.sign(body)}
                statuses[name] = (await h.post(body, headers)).status
            raw = b"payload=\xff\xfe"  # not UTF-8
            headers = {"Content-Type": FORM, **_sign_bytes(raw)}
            statuses["bytes that are not UTF-8"] = (
                await h.client.post("/slack/events", data=raw, headers=headers)
            ).status
            deep = "[" * 5000
            headers = {"Content-Type": JSON, **payloads.sign(deep)}
            statuses["JSON nested 5000 deep"] = (await h.post(deep, headers)).status
            await asyncio.sleep(0.2)
            slack_calls = [c.method for c in h.fake.calls]
            # Nothing was even counted as seen (a request is claimed once it is admitted).
            assert count(sessions, ProcessedEvent) == 0
            # The endpoint still serves a well-formed request after all of them.
            assert (await h.command("teacher", "help")).status == 200
        return statuses, slack_calls

    statuses, slack_calls = asyncio.run(scenario())
    assert statuses == {name: 400 for name in statuses}
    assert slack_calls == []
    assert [a for a in _audit_actions(sessions) if a != "identity.link"] == []


def _audit_actions(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.action)))


def _sign_bytes(raw: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(
        payloads.SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256
    ).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "1764000000.5", "0x6900"])
def test_a_timestamp_that_is_not_a_number_is_unsigned(db_url, sessions, timestamp):
    async def scenario() -> int:
        async with running(db_url, sessions) as h:
            body, headers = payloads.form_request(payloads.slash_command(USERS["teacher"], "help"))
            headers["X-Slack-Request-Timestamp"] = timestamp
            status = (await h.post(body, headers)).status
            assert h.fake.calls == []
            return status

    assert asyncio.run(scenario()) == 401
    assert count(sessions, Identity) == 0


def test_a_signature_that_is_not_ascii_is_unsigned(db_url, sessions):
    async def scenario() -> int:
        async with running(db_url, sessions) as h:
            body, headers = payloads.form_request(payloads.slash_command(USERS["teacher"], "help"))
            headers["X-Slack-Signature"] = "v0=é"
            return (await h.post(body, headers)).status

    assert asyncio.run(scenario()) == 401


def test_someone_slack_does_not_know_is_told_they_are_not_set_up(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            response = await h.command("U0NOBODY", "concern")  # users.info: user_not_found
            assert response.status == 200
            assert await response.json() == {"response_type": "ephemeral", "text": NOT_SET_UP}
            assert len(h.fake.called("users.info")) == 1
            assert h.fake.called("views.open") == []

    asyncio.run(scenario())
    assert count(sessions, Identity) == 0


def test_someone_in_no_workspace_sendbot_can_tell_is_told_they_are_not_set_up(db_url, sessions):
    """Bolt reads the workspace from `authorizations` first; one naming none used to reach
    the Home tab's listener with nobody identified (found by tests/test_fuzz_inbound.py)."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            event = payloads.app_home_opened(USERS["teacher"], event_id="Ev0NOTEAM")
            event["authorizations"] = [{"user_id": "U0SENDBOT", "is_bot": True}]
            assert (await h.event(event)).status == 200
            (published,) = await h.fake.wait_for("views.publish")
            assert published.params["view"]["blocks"][0]["text"]["text"] == NOT_SET_UP
            await asyncio.sleep(0.1)
            assert h.fake.called("chat.postMessage") == []

    asyncio.run(scenario())
    assert count(sessions, Identity) == 0
