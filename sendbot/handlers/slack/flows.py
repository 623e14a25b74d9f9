"""Opening a flow as a modal, from a command, a shortcut or the Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from sendbot.conversations.flow import Flow
from sendbot.handlers.slack import blocks
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services.actors import StaffActor

# `/send <word>`: the flow it opens, and what it does.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "concern": ("log_concern", "Log a concern about a pupil"),
    "session": ("record_session", "Record an intervention session"),
    "targets": ("check_targets", "A pupil's current targets and next review (add a name)"),
    "due": ("whats_due", "What is due: reviews, targets and deadlines"),
    "unfinished": ("unfinished_reports", "Safeguarding reports started and not saved"),
}
CANNOT = "That isn't something you can do in sendbot."


def help_text(slack: SlackApp, actor: StaffActor) -> str:
    registry = slack.core.conversations.registry
    lines = ["*sendbot* can do these for you:"]
    for word, (flow_name, what) in SUBCOMMANDS.items():
        flow = registry.get(flow_name)
        if flow is None:
            lines.append(f"• `/send {word}`: {what} (coming soon)")
        elif flow.may_start(actor):
            lines.append(f"• `/send {word}`: {what}")
    lines.append("• `/send help`: this list")
    lines.append("You can also use the shortcuts (the ⚡ button) and the sendbot Home tab.")
    return "\n".join(lines)


def coming_soon(word: str) -> str:
    what = SUBCOMMANDS[word][1] if word in SUBCOMMANDS else "That"
    return (
        f"{what}: this is coming to sendbot soon. Until then, please tell your SENCO "
        "directly. Type `/send help` to see what you can do now."
    )


async def open_flow(
    slack: SlackApp,
    client: AsyncWebClient,
    trigger_id: str,
    actor: StaffActor,
    flow: Flow,
    prefill: dict[str, Any] | None = None,
    respond: Any = None,
) -> None:
    """The flow's modal; a flow with no questions at all simply answers."""
    raw = dict(prefill or {})
    preview = await slack.db(slack.forms.preview, actor, flow, raw)
    if not preview.views:
        result = await slack.db(slack.forms.submit, actor, flow, raw)
        if respond is not None:
            await respond(text=blocks.escape(result.confirmation), response_type="ephemeral")
        else:
            await client.views_open(
                trigger_id=trigger_id,
                view=blocks.message_modal(flow.title, result.confirmation, "sendbot.done"),
            )
        return
    view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
    await client.views_open(trigger_id=trigger_id, view=view)


async def open_named(
    slack: SlackApp,
    client: AsyncWebClient,
    trigger_id: str,
    actor: StaffActor,
    flow_name: str,
    **kw: Any,
) -> None:
    """A flow by name, or why it cannot be opened (not allowed, or not built yet)."""
    flow = slack.forms.flow_for(actor, flow_name)
    if flow is None:
        exists = slack.core.conversations.registry.get(flow_name) is not None
        word = next((w for w, (n, _) in SUBCOMMANDS.items() if n == flow_name), flow_name)
        text = CANNOT if exists else coming_soon(word)
        await client.views_open(trigger_id=trigger_id, view=blocks.message_modal("sendbot", text))
        return
    await open_flow(slack, client, trigger_id, actor, flow, **kw)
