"""Shortcuts: a global one opens its flow; "Log as a concern" on a message fills it in."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import flows
from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.runtime import SlackApp

MESSAGE_SHORTCUT = "log_concern_from_message"


def register(app: AsyncApp, slack: SlackApp) -> None:
    # The message shortcut first: its callback id would match the global pattern too.
    app.shortcut(MESSAGE_SHORTCUT)(kindly(slack, on_message_shortcut))
    app.shortcut(re.compile(r"^[a-z_]+$"))(kindly(slack, on_global_shortcut))


async def on_global_shortcut(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    await ack()
    await flows.open_named(slack, client, body["trigger_id"], context["actor"], body["callback_id"])


async def on_message_shortcut(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """'Log as a concern' on a message: the concern modal, the message's words filled in."""
    await ack()
    message_text = str((body.get("message") or {}).get("text") or "")
    flow = slack.forms.flow_for(context["actor"], "log_concern")
    narrative = next((f.name for f in flow.fields if f.kind == "text"), None) if flow else None
    prefill = {narrative: message_text} if narrative and message_text else {}
    await flows.open_named(
        slack, client, body["trigger_id"], context["actor"], "log_concern", prefill=prefill
    )
