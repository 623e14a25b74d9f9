"""The search behind a modal's external select: only records this person may see."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, payload
from sendbot.handlers.slack.composition import option
from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.runtime import SlackApp

MOST_OPTIONS = 100  # Slack shows no more


def register(app: AsyncApp, slack: SlackApp) -> None:
    app.options(re.compile(rf"^{re.escape(blocks.FIELD_ACTION)}"))(kindly(slack, on_options))


async def on_options(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    view = body.get("view") or {}
    flow = slack.forms.flow_for(context["actor"], payload.metadata(view).get("flow", ""))
    if flow is None:
        await ack(options=[])
        return
    found = await slack.db(
        slack.forms.search_options,
        context["actor"],
        flow,
        blocks.state_values(view),
        str(body.get("block_id") or ""),
        str(body.get("value") or ""),
    )
    await ack(options=[option(value, label) for value, label in found[:MOST_OPTIONS]])
