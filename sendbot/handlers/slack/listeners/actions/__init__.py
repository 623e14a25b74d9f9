"""Buttons and choices: a modal's changing choice, the Home tab's flow buttons, and the
buttons on messages sendbot sent (concern alerts, the scheduler's, a parent's Reply), every
one of them a sealed id that `messages.on_sealed_button` routes."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, flows, payload
from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.listeners.actions import concerns, messages
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services import staff_buttons


def register(app: AsyncApp, slack: SlackApp) -> None:
    app.action(re.compile(rf"^{re.escape(blocks.FIELD_ACTION)}"))(kindly(slack, on_field_change))
    app.action(re.compile(rf"^{re.escape(blocks.HOME_START)}"))(kindly(slack, on_home_start))
    app.action(re.compile(rf"^{re.escape(concerns.DECISION_START)}\d+$"))(
        kindly(slack, concerns.on_decision_start)
    )
    app.action(messages.SEALED_ACTION)(kindly(slack, messages.on_sealed_button))
    # Buttons on messages sent before their ids were sealed: routed the same way.
    app.action(staff_buttons.READABLE)(kindly(slack, messages.on_sealed_button))


async def on_home_start(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    await ack()
    flow_name = payload.tapped_action_id(body).split(":", 1)[1]
    await flows.open_named(slack, client, body["trigger_id"], context["actor"], flow_name)


async def on_field_change(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """Redraw the modal when a choice changes which fields apply or what note shows."""
    await ack()
    view = body["view"]
    flow = slack.forms.flow_for(context["actor"], payload.metadata(view).get("flow", ""))
    if flow is None:
        return
    raw = blocks.state_values(view)
    preview = await slack.db(slack.forms.preview, context["actor"], flow, raw)
    wanted_notes = [f"{blocks.NOTE_PREFIX}{name}" for name in preview.notes]
    if preview.names == payload.input_block_ids(view) and wanted_notes == payload.note_block_ids(
        view
    ):
        return
    new_view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
    new_view["private_metadata"] = view.get("private_metadata", new_view["private_metadata"])
    try:
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        # A newer change is already on its way; it will redraw the modal.
