"""Events: opening the Home tab draws it for the person, as they are now; a photo shared in
sendbot's direct message is kept with the concern just logged (`photos`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.listeners.events.photos import on_message
from sendbot.handlers.slack.runtime import SlackApp


def register(app: AsyncApp, slack: SlackApp) -> None:
    app.event("app_home_opened")(kindly(slack, on_home_opened))
    app.event("message")(kindly(slack, on_message))


async def on_home_opened(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    await ack()
    event = body.get("event") or {}
    if event.get("tab", "home") != "home":
        return
    await slack.publish_home(client, context["actor"], event["user"], context["tz"])
