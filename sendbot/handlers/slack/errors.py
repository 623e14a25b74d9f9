"""A listener that fails is logged and answered kindly, never dropped in silence; a form
that fails is shown again with everything typed in it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import payload
from sendbot.handlers.slack.kept import kept_modal
from sendbot.handlers.slack.runtime import PLATFORM, SlackApp
from sendbot.services import events, inbound

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on our side and nothing was saved. Please try again in a "
    "minute; if it keeps happening, tell your SENCO."
)
KEPT = (
    "Sorry, I couldn't save this just now, so nothing has been saved yet. Everything you "
    "typed is still here: please try again in a minute. If it keeps happening, tell your SENCO."
)

Listener = Callable[[SlackApp, Any, dict[str, Any], AsyncWebClient, Any], Awaitable[None]]


def kindly(slack: SlackApp, fn: Listener) -> Callable[..., Awaitable[None]]:
    """The Bolt listener for `fn`: a failure is answered kindly and the event's claim let
    go, so Slack's retry is handled in full."""

    async def listener(
        ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        acked = False

        async def tracked_ack(*args: Any, **kwargs: Any) -> Any:
            nonlocal acked
            acked = True
            return await ack(*args, **kwargs)

        try:
            await fn(slack, tracked_ack, body, client, context)
        except Exception:
            log.exception("slack listener %s failed", fn.__name__)
            await _say_sorry(ack if not acked else None, body, client, context)
            await _let_go(slack, context)

    listener.__name__ = fn.__name__
    return listener


async def _let_go(slack: SlackApp, context: Any) -> None:
    """Nothing was done: Slack's retry of the event, or the same form sent again, is new."""
    try:
        event_id = context.get("claimed_event")
        if event_id:
            await slack.db(events.release, slack.core.sessions, PLATFORM, event_id)
        await slack.db(
            inbound.release_submission, slack.core.sessions, PLATFORM, context.get("claims", ())
        )
    except Exception:  # the database may be the reason the listener failed
        log.exception("could not let a failed Slack request go")


async def _say_sorry(
    ack: Any | None, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    try:
        if ack is not None:
            if body.get("type") == "view_submission":
                await ack(response_action="update", view=kept_modal(body.get("view") or {}, KEPT))
            elif "command" in body:
                await ack(response_type="ephemeral", text=SORRY)
            else:
                await ack()
            return
        user = payload.user_id(body)
        if context.get("respond") is not None and body.get("response_url"):
            await context["respond"](text=SORRY, response_type="ephemeral", replace_original=False)
        elif user:
            await client.chat_postMessage(channel=user, text=SORRY)
    except Exception:
        log.exception("could not tell the person about an error")


async def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
    log.error("slack request failed: %s", error, exc_info=error)
