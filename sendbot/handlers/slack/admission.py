"""The one global middleware: every request passes the inbound gate before any listener.

The gate (services/inbound.py) makes each `event_id` count once however often Slack
retries it, and every other request once by its signature (a form once per version), so
signed bytes replayed inside Slack's five minutes do nothing twice; it finds the staff
member behind the Slack user, and holds each person to the inbound rate limit, in one
transaction. A Slack user not on record yet is matched by the email of their Slack
account; anyone still unknown is answered politely that they are not set up, and nothing
more. When the gate itself fails (the database away), a form comes back with its answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import blocks, payload, record_blocks
from sendbot.handlers.slack.errors import KEPT, SORRY
from sendbot.handlers.slack.kept import kept_modal
from sendbot.handlers.slack.runtime import PLATFORM, SlackApp
from sendbot.services import inbound, rate_limit, staff_accounts
from sendbot.services.staff_accounts import StaffAccount, StaffAdmission

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Sorry, you are not set up for sendbot at this school. Please ask your SENCO to add "
    "you, using the email address of your Slack account."
)
CANT_CHECK = "Sorry, I couldn't check your Slack account just now. Please try again in a minute."
# users.info's answers for someone who is not a member this app can see: not set up, for
# good, rather than a moment's failure worth trying again.
NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible"})

Next = Callable[[], Awaitable[Any]]


def register(app: Any, slack: SlackApp) -> None:
    async def admit(
        body: dict[str, Any], context: Any, request: Any, client: AsyncWebClient, next: Next
    ) -> Any:
        return await _admit(slack, body, context, request, client, next)

    app.middleware(admit)


async def _admit(
    slack: SlackApp,
    body: dict[str, Any],
    context: Any,
    request: Any,
    client: AsyncWebClient,
    next: Next,
) -> Any:
    raw_event = body.get("event_id") if body.get("type") == "event_callback" else None
    event_id = str(raw_event) if raw_event else None
    user_id = context.user_id or payload.user_id(body)
    team_id = context.team_id
    now = slack.now()
    once = _replay_keys(body, request)
    if not user_id:  # nobody to identify: only counted once
        return await _nobody(slack, event_id, once, body, context, request, next)
    if not team_id:  # someone, but in no workspace we can tell: not set up at any school
        return await _refuse(body, client, NOT_SET_UP)
    counted = body.get("type") != "block_suggestion"  # Slack sends one a keystroke
    try:
        found: StaffAdmission = await slack.db(
            slack.tx, slack.admit, event_id, team_id, user_id, now, counted, once
        )
        admission = found.admission
        if isinstance(admission, inbound.Duplicate):
            return _duplicate(event_id, body, request)
        if event_id is not None:
            context["claimed_event"] = event_id
        context["claims"] = once
        if isinstance(admission, inbound.SlowedDown):
            return await _refuse(body, client, rate_limit.SLOW_DOWN)
        if isinstance(admission, inbound.Admitted) and admission.sender.staff is not None:
            context["actor"], context["tz"] = admission.sender.staff, found.timezone
            return await next()
        account = await _link_by_email(slack, client, team_id, user_id)
    except SlackApiError as error:
        log.warning("users.info failed for a Slack user: %s", error.response.get("error"))
        return await _refuse(body, client, CANT_CHECK)
    except Exception:
        log.exception("could not check who a Slack user is")
        return await _sorry(body, client)
    if account is None:
        return await _refuse(body, client, NOT_SET_UP)
    context["actor"], context["tz"] = account.actor, account.timezone
    return await next()


async def _sorry(body: dict[str, Any], client: AsyncWebClient) -> BoltResponse:
    """The gate could not run (the database away): a form keeps what was typed."""
    if body.get("type") == "view_submission":
        view = kept_modal(body.get("view") or {}, KEPT)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    return await _refuse(body, client, SORRY)


async def _nobody(
    slack: SlackApp,
    event_id: str | None,
    once: tuple[str, ...],
    body: dict[str, Any],
    context: Any,
    request: Any,
    next: Next,
) -> Any:
    """An update that names no person: claimed once, then handled."""
    keys = [*([event_id] if event_id else []), *once]
    if keys:
        if not await slack.db(slack.tx, inbound.all_first_time, PLATFORM, keys, slack.now()):
            return _duplicate(event_id, body, request)
        if event_id is not None:
            context["claimed_event"] = event_id
        context["claims"] = once
    return await next()


def _replay_keys(body: dict[str, Any], request: Any) -> tuple[str, ...]:
    """What this request counts once by: its signature, and a form's id and version."""
    signature = (request.headers.get("x-slack-signature") or [None])[0]
    view = body.get("view")
    if not isinstance(view, dict):
        view = {}
    kind = str(body.get("type") or "")
    return inbound.interactive_keys(kind, signature, view.get("id"), view.get("hash"))


def _duplicate(event_id: str | None, body: dict[str, Any], request: Any) -> BoltResponse:
    """Done before: the same harmless answer, and nothing done again."""
    if event_id is not None:
        retry = (request.headers.get("x-slack-retry-num") or [None])[0]
        log.info("slack event %s already processed (retry %s)", event_id, retry)
    else:
        log.info("slack %s request already handled: a replay", body.get("type") or "command")
    if body.get("type") == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    return BoltResponse(status=200, body="")


async def _link_by_email(
    slack: SlackApp, client: AsyncWebClient, team_id: str, user_id: str
) -> StaffAccount | None:
    """Staff not linked yet: their Slack account's email, matched once to their record."""
    try:
        info = await client.users_info(user=user_id)
    except SlackApiError as error:
        if error.response.get("error") in NO_SUCH_USER:
            return None
        raise
    user = info.get("user") or {}
    if user.get("deleted") or user.get("is_bot"):
        return None
    email = (user.get("profile") or {}).get("email")
    if not email:
        return None
    account: StaffAccount | None = await slack.db(
        slack.tx, staff_accounts.link_slack_by_email, team_id, user_id, email, slack.now()
    )
    return account


async def _refuse(body: dict[str, Any], client: AsyncWebClient, text: str) -> BoltResponse:
    """The polite refusal, shaped for wherever the person is; nothing else is done."""
    kind = body.get("type")
    try:
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        if kind == "block_suggestion":
            return BoltResponse(status=200, body={"options": []})
        if kind == "view_submission":
            view = blocks.message_modal("sendbot", text, "sendbot.refused")
            return BoltResponse(status=200, body={"response_action": "update", "view": view})
        if kind == "event_callback":
            event = body.get("event") or {}
            if event.get("type") == "app_home_opened" and event.get("tab", "home") == "home":
                await client.views_publish(
                    user_id=event["user"], view=record_blocks.refusal_home(text)
                )
            return BoltResponse(status=200, body="")
        if body.get("trigger_id"):
            await client.views_open(
                trigger_id=body["trigger_id"],
                view=blocks.message_modal("sendbot", text, "sendbot.refused"),
            )
    except SlackApiError as error:
        log.warning("could not show the refusal: %s", error.response.get("error"))
    return BoltResponse(status=200, body="")
