"""Reading Slack's payloads: who sent them and what a modal carries."""

from __future__ import annotations

import json
from typing import Any

from sendbot.handlers.slack import blocks


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private metadata (which flow, which reply), or nothing if it is not ours."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def input_block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]


def note_block_ids(view: dict[str, Any]) -> list[str]:
    return [
        b["block_id"]
        for b in view.get("blocks", [])
        if str(b.get("block_id", "")).startswith(blocks.NOTE_PREFIX)
    ]


def user_id(body: dict[str, Any]) -> str | None:
    if "user_id" in body:
        return str(body["user_id"])
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event") or {}
    return event.get("user") if isinstance(event.get("user"), str) else None


def tapped_action_id(body: dict[str, Any]) -> str:
    return str(body["actions"][0]["action_id"])


def message_channel(body: dict[str, Any]) -> str | None:
    """The channel of the message a button was tapped on."""
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
