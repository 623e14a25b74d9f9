"""Buttons on messages sendbot sent: a concern alert's, the scheduler's, and a parent
message's Reply. Every one is a sealed id (services.action_ids), decoded once here."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, payload
from sendbot.handlers.slack.listeners.actions import concerns
from sendbot.handlers.slack.listeners.views import REPLY_CALLBACK
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services import action_ids, reply_buttons, staff_buttons
from sendbot.services.actors import StaffActor

# A sealed button id (services.action_ids): every button on a message (alerts, reminders,
# the scheduler's prompts, a parent message's Reply).
SEALED_ACTION = re.compile(rf"^{re.escape(action_ids.PREFIX)}[A-Za-z0-9_-]{{22}}$")


async def on_scheduler_button(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """Done, "they have replied", "I have chased them", "look at them together": the
    scheduler's action handler re-authorises the tap; the message then says what was done."""
    await ack()
    actor: StaffActor = context["actor"]
    action_id = payload.tapped_action_id(body)
    now = slack.now()
    result = await slack.db(slack.tx, staff_buttons.tap, actor, action_id, now)
    if result is None:
        return
    message = body.get("message") or {}
    channel = payload.message_channel(body)
    marks_the_message = result.kind != staff_buttons.REVIEW_PUPIL
    if result.done and marks_the_message and channel and message.get("ts"):
        await client.chat_update(
            channel=channel,
            ts=message["ts"],
            text=f"{message.get('text', '')}\n{result.text}",
            blocks=blocks.tapped_blocks(
                message.get("blocks", []),
                result.text,
                actor.name,
                now,
                context["tz"],
                only=action_id if result.only_this_button else None,
            ),
        )
    else:
        together = result.done and result.kind == staff_buttons.REVIEW_PUPIL
        title = "Concerns together" if together else "sendbot"
        await client.views_open(
            trigger_id=body["trigger_id"], view=blocks.message_modal(title, result.text)
        )
    if result.done:
        await slack.refresh_homes(client, actor)


async def _acked(*_: Any, **__: Any) -> None:
    """The ack a routed tap's handler calls, once the router has answered Slack already."""


async def on_sealed_button(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """A parent message's Reply: a small form, for someone the policy lets answer (the
    parents service checks again on sending). The other staff buttons go to their own.

    Acknowledged first: telling which button it is waits for a worker thread, and Slack
    wants its answer within 3 seconds."""
    await ack()
    token = payload.tapped_action_id(body)
    button = await slack.db(slack.read, staff_buttons.staff_button, token)
    if button is not None:
        context["button"] = button
        if button.kind == staff_buttons.ACKNOWLEDGE:
            return await concerns.on_acknowledge(slack, _acked, body, client, context)
        if button.kind == staff_buttons.VIEW_DETAILS:
            return await concerns.on_view_details(slack, _acked, body, client, context)
        return await on_scheduler_button(slack, _acked, body, client, context)
    actor: StaffActor = context["actor"]
    refusal = await slack.db(slack.tx, reply_buttons.refusal, actor, token)
    if refusal is not None:
        view = blocks.message_modal("sendbot", refusal)
    else:
        view = blocks.reply_modal(REPLY_CALLBACK, token)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
