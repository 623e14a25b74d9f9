"""Requests shaped like Slack's documented payloads, signed the way Slack signs them.

Slash commands arrive form-encoded; interactivity (shortcuts, block_actions,
view_submission, block_suggestion) as a form field `payload` holding JSON; events as JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.slack.fake_slack import TEAM_ID

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the sample secret in Slack's docs
APP_ID = "A0SENDBOT"
# Nothing in a test may leave this machine: an unused local port stands in for hooks.slack.com.
LOCAL_RESPONSE_URL = "http://127.0.0.1:9/response"
_ids = itertools.count(1)


def trigger_id() -> str:
    return f"{next(_ids)}.1234567890.abcdef0123456789"


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def form_request(fields: dict[str, str], **sign_kw: Any) -> tuple[str, dict[str, str]]:
    body = urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_kw)}
    return body, headers


def slash_command(
    user_id: str, text: str, *, team_id: str = TEAM_ID, response_url: str = ""
) -> dict[str, str]:
    return {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": team_id,
        "team_domain": "oakfield",
        "channel_id": "C0STAFFROOM",
        "channel_name": "staffroom",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/send",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or LOCAL_RESPONSE_URL,
        "trigger_id": trigger_id(),
    }


def interactive(payload: dict[str, Any], **sign_kw: Any) -> tuple[str, dict[str, str]]:
    return form_request({"payload": json.dumps(payload)}, **sign_kw)


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def global_shortcut(user_id: str, callback_id: str, *, team_id: str = TEAM_ID) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": "XXXXXXXXXXXXX",
        "action_ts": "1581106241.371594",
        "team": {"id": team_id, "domain": "oakfield"},
        "user": _user(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id(),
    }


def message_shortcut(
    user_id: str, text: str, *, team_id: str = TEAM_ID, response_url: str = ""
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "XXXXXXXXXXXXX",
        "action_ts": "1581106241.371594",
        "team": {"id": team_id, "domain": "oakfield"},
        "user": _user(user_id, team_id),
        "channel": {"id": "C0STAFFROOM", "name": "staffroom"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "log_concern_from_message",
        "trigger_id": trigger_id(),
        "response_url": response_url or LOCAL_RESPONSE_URL,
        "message_ts": "1764000000.000100",
        "message": {
            "type": "message",
            "user": "U0SOMEONE",
            "ts": "1764000000.000100",
            "text": text,
        },
    }


def opened_view(
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    view_id: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A view as Slack sends it back: what we opened, plus its id, hash and state. Like
    Slack, every view opened has its own id, and every version of a view its own hash."""
    n = next(_ids)
    view_id = view_id or f"V0MODAL{n:04d}"
    return {
        **view,
        "id": view_id,
        "team_id": team_id,
        "app_id": APP_ID,
        "bot_id": "B0SENDBOT",
        "hash": f"1764000000.h{n:06d}",
        "root_view_id": view_id,
        "previous_view_id": None,
        "state": {"values": values},
    }


def view_submission(
    user_id: str, view: dict[str, Any], *, team_id: str = TEAM_ID
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "oakfield"},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "XXXXXXXXXXXXX",
        "trigger_id": trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_block_action(
    user_id: str, view: dict[str, Any], action: dict[str, Any], *, team_id: str = TEAM_ID
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "XXXXXXXXXXXXX",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": "oakfield"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [{**action, "action_ts": "1764000001.000200"}],
    }


def message_button(
    user_id: str,
    message: dict[str, Any],
    action_id: str,
    *,
    channel: str,
    team_id: str = TEAM_ID,
    response_url: str = "",
) -> dict[str, Any]:
    """A button pressed in a message the bot sent (an alert in the person's DM)."""
    button = next(
        e
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "XXXXXXXXXXXXX",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": "oakfield"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": message,
        "response_url": response_url or LOCAL_RESPONSE_URL,
        "actions": [
            {
                "type": "button",
                "block_id": "actions",
                "action_id": action_id,
                "text": button["text"],
                "value": button.get("value", ""),
                "action_ts": "1764000002.000300",
            }
        ],
    }


def block_suggestion(
    user_id: str,
    view: dict[str, Any],
    block_id: str,
    action_id: str,
    value: str,
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    return {
        "type": "block_suggestion",
        "user": _user(user_id, team_id),
        "container": {"type": "view", "view_id": view["id"]},
        "api_app_id": APP_ID,
        "token": "XXXXXXXXXXXXX",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": team_id, "domain": "oakfield"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
    }


def event(
    user_id: str, inner: dict[str, Any], *, event_id: str, team_id: str = TEAM_ID
) -> dict[str, Any]:
    return {
        "token": "XXYYZZ",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "U0SENDBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def app_home_opened(user_id: str, *, event_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    return event(
        user_id,
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
        event_id=event_id,
        team_id=team_id,
    )


def file_shared_in_dm(
    user_id: str, files: list[tuple[str, str, str, int]], *, event_id: str, text: str = ""
) -> dict[str, Any]:
    """A message.im event for a file shared in the app's direct message (subtype file_share);
    `files` are (id, name, mimetype, size), as Slack lists them in the event."""
    return event(
        user_id,
        {
            "type": "message",
            "subtype": "file_share",
            "text": text,
            "user": user_id,
            "channel": "D" + user_id[1:],
            "channel_type": "im",
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
            "upload": False,
            "display_as_bot": False,
            "files": [
                {
                    "id": file_id,
                    "name": name,
                    "title": name,
                    "mimetype": mimetype,
                    "size": size,
                    "mode": "hosted",
                    "is_external": False,
                }
                for file_id, name, mimetype, size in files
            ],
        },
        event_id=event_id,
    )


def json_request(
    payload: dict[str, Any], extra_headers: dict[str, str] | None = None, **sign_kw: Any
) -> tuple[str, dict[str, str]]:
    body = json.dumps(payload)
    return body, {
        "Content-Type": "application/json",
        **sign(body, **sign_kw),
        **(extra_headers or {}),
    }


def state_for(
    view: dict[str, Any], answers: dict[str, Any], labels: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """`view.state.values` as Slack builds it from what the person entered in each block."""
    labels = labels or {}
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action = element["type"], element["action_id"]
        answer = answers.get(block["block_id"])
        state: dict[str, Any] = {"type": kind}
        if kind in ("radio_buttons", "static_select", "external_select"):
            chosen = None
            if answer is not None:
                options = element.get("options") or [
                    {
                        "text": {
                            "type": "plain_text",
                            "text": labels.get(str(answer), str(answer)),
                            "emoji": True,
                        },
                        "value": str(answer),
                    }
                ]
                chosen = next(o for o in options if o["value"] == str(answer))
            state["selected_option"] = chosen
        elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
            wanted = [str(a) for a in answer or []]
            options = element.get("options") or [
                {
                    "text": {"type": "plain_text", "text": labels.get(v, v), "emoji": True},
                    "value": v,
                }
                for v in wanted
            ]
            state["selected_options"] = [o for o in options if o["value"] in wanted]
        elif kind == "datepicker":
            state["selected_date"] = answer
        else:
            state["value"] = None if answer is None else str(answer)
        values[block["block_id"]] = {action: state}
    return values


def choose(view: dict[str, Any], block_id: str, value: str) -> dict[str, Any]:
    """The `actions[0]` Slack sends when a dispatching input's choice changes."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    selected = next((o for o in element.get("options", []) if o["value"] == value), None)
    return {
        "type": element["type"],
        "block_id": block_id,
        "action_id": element["action_id"],
        "selected_option": selected
        or {"text": {"type": "plain_text", "text": value}, "value": value},
    }
