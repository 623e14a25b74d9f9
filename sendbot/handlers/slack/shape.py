"""What may reach Bolt over HTTP: a request Slack signed, shaped as Slack documents it.

Bolt parses a body and reads into it (`body["actions"][0]`, `body["view"]["callback_id"]`,
`team.get("id")`) before any listener of ours runs, so a body that was not JSON, or whose
fields had the wrong types, made it fail with HTTP 500, and so did a timestamp header that
was not a number. The route checks the signature first (401, the body unread), then holds
the parsed body to the documented shape of its kind (400), so Bolt and the listeners only
see the shapes they were written for.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sendbot.handlers.shapes import (
    Check,
    Obj,
    list_of,
    map_of,
    maybe,
    obj,
    text,
    text_or,
)

# Slack's replay window: a request signed more than five minutes ago is refused.
REPLAY_WINDOW_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signed(raw: bytes, headers: Mapping[str, str], secret: str, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, within the replay window. A timestamp that
    is not a number, or a signature that is not ASCII, is simply not signed."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def decoded(raw: bytes) -> str | None:
    """Slack sends UTF-8; anything else is not one of its requests."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


# --- Slack's documented payloads, as far as Bolt and sendbot read them ------------------

MAYBE_TEXT = maybe(text)
OPTION = obj(("value",), value=text)
ELEMENT_STATE = obj(
    type=text,
    value=MAYBE_TEXT,
    selected_date=MAYBE_TEXT,
    selected_option=maybe(OPTION),
    selected_options=maybe(list_of(OPTION)),
)
BLOCK = obj(type=text, block_id=text)
VIEW = obj(
    id=text,
    type=text,
    callback_id=text,
    private_metadata=text,
    hash=text,
    team_id=MAYBE_TEXT,
    app_installed_team_id=MAYBE_TEXT,
    root_view_id=MAYBE_TEXT,
    previous_view_id=MAYBE_TEXT,
    blocks=list_of(BLOCK),
    state=obj(values=map_of(map_of(ELEMENT_STATE))),
)
SUBMITTED_VIEW = Obj(VIEW.fields, frozenset({"callback_id"}))
USER = obj(("id",), id=text, team_id=text, name=text, username=text)
ACTION = obj(
    ("action_id",),
    action_id=text,
    block_id=text,
    type=text,
    value=text,
    action_ts=text,
    selected_option=maybe(OPTION),
)
MESSAGE = obj(ts=text, text=text, user=MAYBE_TEXT, thread_ts=text, blocks=list_of(BLOCK))
CHANNEL = text_or(obj(id=text))
EVENT = obj(
    ("type",),
    type=text,
    user=text_or(USER),
    tab=text,
    channel=CHANNEL,
    team=MAYBE_TEXT,
    user_team=MAYBE_TEXT,
    event_ts=text,
    thread_ts=MAYBE_TEXT,
    message=maybe(MESSAGE),
    previous_message=maybe(MESSAGE),
)

# Fields any request may carry, read by Bolt's context or by the inbound gate.
COMMON: dict[str, Check] = {
    "type": text,
    "team": maybe(text_or(obj(id=text, domain=text, enterprise_id=MAYBE_TEXT))),
    "enterprise": maybe(text_or(obj(id=text, name=text))),
    "user": USER,
    "authorizations": list_of(obj(team_id=MAYBE_TEXT, user_id=MAYBE_TEXT)),
    "team_id": MAYBE_TEXT,
    "enterprise_id": MAYBE_TEXT,
    "user_id": text,
    "api_app_id": text,
    "trigger_id": text,
    "callback_id": text,
    "response_url": text,
    "response_urls": list_of(obj(response_url=text)),
    "channel": CHANNEL,
    "container": obj(view_id=text, channel_id=text, message_ts=text),
    "message": MESSAGE,
    "view": VIEW,
    "actions": list_of(ACTION),
    "event": EVENT,
    "event_id": text,
    "action_id": text,
    "block_id": text,
    "value": text,
    "challenge": text,
    "command": text,
    "text": text,
}


@dataclass(frozen=True)
class Kind:
    """What one kind of request must carry, and any field held to a stricter shape."""

    required: tuple[str, ...] = ()
    stricter: Mapping[str, Check] = field(default_factory=dict)


# By `type`; a slash command has none (it has `command`).
KINDS: dict[str, Kind] = {
    "event_callback": Kind(("event", "event_id", "team_id"), {"team_id": text}),
    "url_verification": Kind(("challenge",)),
    "block_actions": Kind(("user", "actions"), {"actions": list_of(ACTION, at_least=1)}),
    "view_submission": Kind(("user", "view"), {"view": SUBMITTED_VIEW}),
    "view_closed": Kind(("user", "view"), {"view": SUBMITTED_VIEW}),
    "shortcut": Kind(("user", "callback_id", "trigger_id")),
    "message_action": Kind(("user", "callback_id", "trigger_id")),
    "block_suggestion": Kind(("user", "action_id", "block_id", "value")),
}
SLASH_COMMAND = Kind(("command", "user_id", "team_id", "trigger_id"))
ANY_OTHER = Kind()


# The events sendbot subscribes to, by the event's own `type`.
EVENTS: dict[str, Obj] = {
    "app_home_opened": Obj(EVENT.fields, frozenset({"type", "user"})),
    "message": Obj(EVENT.fields, frozenset({"type", "channel"})),
}


def problem(body: Any) -> str | None:
    """What makes a parsed body unlike any request Slack documents, or None."""
    if not isinstance(body, dict):
        return "the body is not an object"
    name = body.get("type")
    if name is not None and not isinstance(name, str):
        return "body.type is not text"
    command = name is None and "command" in body
    kind = SLASH_COMMAND if command else KINDS.get(name or "", ANY_OTHER)
    wrong = Obj({**COMMON, **kind.stricter}, frozenset(kind.required))(body, "body")
    if wrong or name != "event_callback":
        return wrong
    event = EVENTS.get(body["event"]["type"])
    return event(body["event"], "body.event") if event else None
