"""Modal submissions: a flow's answers, a reply to a parent; and a modal closed."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, flows, payload
from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.runtime import PLATFORM, SlackApp
from sendbot.services import inbound, reply_buttons
from sendbot.services.actors import StaffActor
from sendbot.services.policy import PermissionDenied

REPLY_CALLBACK = "parent.reply"


def register(app: AsyncApp, slack: SlackApp) -> None:
    app.view(REPLY_CALLBACK)(kindly(slack, on_reply_submit))
    app.view(re.compile(rf"^{blocks.FLOW_CALLBACK}"))(kindly(slack, on_submit))
    app.view_closed(re.compile(".*"))(kindly(slack, on_closed))


async def on_submit(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    actor: StaffActor = context["actor"]
    view = body["view"]
    flow = slack.forms.flow_for(actor, payload.metadata(view).get("flow", ""))
    if flow is None:
        await ack(response_action="update", view=blocks.message_modal("sendbot", flows.CANNOT))
        return
    raw = blocks.state_values(view)
    result = await slack.db(slack.forms.submit, actor, flow, raw)
    if not result.done:
        await _saved_nothing(slack, context)
        if set(result.errors) <= set(payload.input_block_ids(view)):
            await ack(response_action="errors", errors=result.errors)
            return
        # A follow-up question applies that the modal is not showing yet: show it.
        preview = await slack.db(slack.forms.preview, actor, flow, raw)
        redrawn = blocks.flow_modal(flow, preview.views, notes=preview.notes)
        redrawn["private_metadata"] = view.get("private_metadata", redrawn["private_metadata"])
        await ack(response_action="update", view=redrawn)
        return
    await ack(
        response_action="update",
        view=blocks.message_modal(flow.title, result.confirmation, "sendbot.done"),
    )
    await slack.refresh_homes(client, actor)


async def on_reply_submit(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    actor: StaffActor = context["actor"]
    view = body["view"]
    token = str(payload.metadata(view).get("reply") or "")
    text = blocks.reply_text(view)
    try:
        note = await slack.db(slack.tx, reply_buttons.send, actor, token, text, slack.now())
    except ValueError as error:
        await _saved_nothing(slack, context)
        await ack(response_action="errors", errors={blocks.REPLY_BLOCK: str(error)})
        return
    except PermissionDenied as error:
        await ack(
            response_action="update",
            view=blocks.message_modal("Not sent", f"{error} Nothing was sent."),
        )
        return
    await ack(response_action="update", view=blocks.message_modal("Reply sent", note))


async def _saved_nothing(slack: SlackApp, context: Any) -> None:
    """A question to fix: the same version of the form, corrected, may be sent again."""
    await slack.db(
        inbound.release_submission, slack.core.sessions, PLATFORM, context.get("claims", ())
    )


async def on_closed(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    await ack()
