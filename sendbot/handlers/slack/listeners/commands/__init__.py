"""`/send`: help, or a flow's modal, a pupil already chosen when the words name one."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, flows
from sendbot.handlers.slack.errors import kindly
from sendbot.handlers.slack.flows import SUBCOMMANDS
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services.actors import StaffActor

COMMAND = "/send"


def register(app: AsyncApp, slack: SlackApp) -> None:
    app.command(COMMAND)(kindly(slack, on_send))


async def on_send(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    actor: StaffActor = context["actor"]
    text = " ".join(str(body.get("text") or "").split())
    word, _, rest = text.partition(" ")
    word = word.lower()
    if word in ("", "help", "?"):
        await ack(response_type="ephemeral", text=flows.help_text(slack, actor))
        return
    registry = slack.core.conversations.registry
    if word in SUBCOMMANDS:
        flow = registry.get(SUBCOMMANDS[word][0])
        if flow is None:
            await ack(response_type="ephemeral", text=flows.coming_soon(word))
            return
    else:
        flow = registry.match(actor, text)
        if flow is None:
            unknown = f"Sorry, I don't know `/send {blocks.escape(text[:40])}`."
            await ack(
                response_type="ephemeral", text=f"{unknown}\n\n{flows.help_text(slack, actor)}"
            )
            return
    if not flow.may_start(actor):
        await ack(response_type="ephemeral", text=flows.CANNOT)
        return
    await ack()
    prefill: dict[str, Any] = {}
    searched = next((f for f in flow.fields if f.kind == "pupil"), None)
    if rest and searched is not None:
        matches = await slack.db(slack.forms.search_options, actor, flow, {}, searched.name, rest)
        if len(matches) == 1:
            prefill[searched.name] = matches[0][0]
    await flows.open_flow(
        slack, client, body["trigger_id"], actor, flow, prefill, respond=context.get("respond")
    )
