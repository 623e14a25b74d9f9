"""A concern alert's buttons: Acknowledge, View details, and Record decision in the details."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, payload, record_blocks
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services import safeguarding
from sendbot.services.actors import StaffActor

# "Record decision" in a safeguarding concern's details: the DSL's decision form, filled in.
DECISION_FLOW = "record_decision"
DECISION_START = "decision.start:"


def _concern_id(context: Any) -> int:
    """The concern behind the tapped alert button, decoded from its sealed id."""
    return int(context["button"].subject_id)


async def on_acknowledge(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    await ack()
    actor: StaffActor = context["actor"]
    now = slack.now()
    result = await slack.db(slack.tx, safeguarding.acknowledge, actor, _concern_id(context), now)
    if not result.acknowledged:
        await client.views_open(
            trigger_id=body["trigger_id"], view=blocks.message_modal("sendbot", result.message)
        )
        return
    channel = payload.message_channel(body)
    message = body.get("message") or {}
    if result.first and channel and message.get("ts"):
        await client.chat_update(
            channel=channel,
            ts=message["ts"],
            text=f"{message.get('text', '')}\nAcknowledged by {blocks.escape(str(result.by))}",
            blocks=blocks.acknowledged_blocks(
                message.get("blocks", []), result.by or "", now, context["tz"]
            ),
        )
    elif not result.first and result.at is not None:
        when = result.at.astimezone(ZoneInfo(context["tz"])).strftime("%H:%M on %a %-d %b")
        await client.views_open(
            trigger_id=body["trigger_id"],
            view=blocks.message_modal(
                "Already acknowledged",
                f"{result.by or 'Someone'} acknowledged this at {when}.",
            ),
        )
    await slack.refresh_homes(client, actor)


async def on_view_details(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """Details open in a modal for someone allowed; the attempt is audited either way."""
    await ack()
    actor: StaffActor = context["actor"]
    concern_id = _concern_id(context)
    result = await slack.db(slack.tx, safeguarding.view_details, actor, concern_id, slack.now())
    if result.allowed and result.details is not None:
        view = record_blocks.details_modal(result.details, context["tz"])
        if result.details.safeguarding and slack.forms.flow_for(actor, DECISION_FLOW):
            decide = blocks.button(
                "Record decision", f"{DECISION_START}{concern_id}", style="primary"
            )
            view["blocks"].append({"type": "actions", "block_id": "decision", "elements": [decide]})
    else:
        view = blocks.message_modal("Not available", result.message, "concern.refused")
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def on_decision_start(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """From the details: the decision form over them, with this concern chosen."""
    await ack()
    actor: StaffActor = context["actor"]
    concern_id = payload.tapped_action_id(body).split(":", 1)[1]
    flow = slack.forms.flow_for(actor, DECISION_FLOW)
    if flow is None:
        view = blocks.message_modal("sendbot", "That isn't something you can do in sendbot.")
    else:
        preview = await slack.db(slack.forms.preview, actor, flow, {"concern": concern_id})
        view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
    await client.views_push(trigger_id=body["trigger_id"], view=view)
