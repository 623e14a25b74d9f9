"""Plugging Slack into the serving process: one route, or one Socket Mode connection."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.request.async_request import AsyncBoltRequest

from sendbot.config import Settings
from sendbot.handlers.slack import shape
from sendbot.handlers.slack.app import build_slack_app
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.handlers.slack.sender import SlackSender
from sendbot.serving.app import Plugin
from sendbot.serving.connecting import keep_connecting
from sendbot.serving.core import Core

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_APP_KEY: web.AppKey[SlackApp] = web.AppKey("slack_app", SlackApp)


def secret_value(value: object) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if getter else value) or None


def _link_staff_on_start(app: web.Application, slack: SlackApp) -> None:
    """Look up unlinked staff by email once serving starts, without holding start-up."""
    tasks: list[asyncio.Task[None]] = []

    async def run() -> None:
        try:
            count = await slack.link_unlinked_staff()
            log.info("slack: linked %d staff accounts by email", count)
        except Exception:  # never stop serving because Slack was unreachable
            log.exception("slack: linking staff accounts by email failed")

    async def link_staff(_: web.Application) -> None:
        tasks.append(asyncio.create_task(run()))

    async def stop_tasks(_: web.Application) -> None:
        for task in tasks:
            task.cancel()

    app.on_startup.append(link_staff)
    app.on_cleanup.append(stop_tasks)


def _connect_socket_mode(app: web.Application, slack: SlackApp, app_token: str) -> None:
    """Slack unreachable at start-up must not hold the rest of the server: the connection's
    address is asked for once a try (slack_sdk's own `connect` would wait, trying every ten
    seconds, before anything else could start), and tried again in the background."""
    handler = AsyncSocketModeHandler(slack.bolt, app_token)

    async def connect() -> None:
        client = handler.client
        if client.wss_uri is None:
            client.wss_uri = await client.issue_new_wss_url()
        await handler.connect_async()
        log.info("slack: connected in Socket Mode")

    async def close(_: web.Application) -> None:
        await handler.close_async()

    keep_connecting(app, "slack", connect)
    app.on_cleanup.append(close)


def _parsed(raw: bytes, request: web.Request) -> AsyncBoltRequest | str:
    """The request as Bolt reads it, or what is wrong with its body."""
    text = shape.decoded(raw)
    if text is None:
        return "the body is not UTF-8"
    try:
        # As Bolt's own adapter passes them: a repeated header's last value wins.
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        parsed = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
    except Exception as error:  # Bolt only parses here, no I/O: a failure is the body's
        return f"the body could not be parsed ({type(error).__name__})"
    return shape.problem(parsed.body) or parsed


def _route_events(app: web.Application, slack: SlackApp, signing_secret: str) -> None:
    async def events(request: web.Request) -> web.Response:
        """Unsigned: 401, the body unread. Signed but malformed: 400. Then Bolt."""
        raw = await request.read()
        if not shape.signed(raw, request.headers, signing_secret, time.time()):
            return web.json_response({"error": "invalid request"}, status=401)
        parsed = _parsed(raw, request)
        if isinstance(parsed, str):
            log.warning("slack: refused a malformed request: %s", parsed)
            return web.json_response({"error": "malformed request"}, status=400)
        return await to_aiohttp_response(await slack.bolt.async_dispatch(parsed))

    app.router.add_post(EVENTS_PATH, events)


def slack_plugin(settings: Settings, *, link_on_start: bool = True) -> Plugin:
    """`link_on_start` looks up unlinked staff by email in the background at start-up."""
    bot_token = secret_value(settings.slack_bot_token)
    if not bot_token:
        raise ValueError("SENDBOT_SLACK_BOT_TOKEN is not set")
    app_token = secret_value(settings.slack_app_token)
    signing_secret = secret_value(settings.slack_signing_secret)

    def register(app: web.Application, core: Core) -> None:
        slack = build_slack_app(
            core,
            bot_token=bot_token,
            signing_secret=signing_secret,
            api_url=settings.slack_api_url,
            socket_mode=bool(app_token),
        )
        app[SLACK_APP_KEY] = slack
        core.senders["slack"] = SlackSender(slack.bolt.client)
        if link_on_start:
            _link_staff_on_start(app, slack)
        if app_token:
            _connect_socket_mode(app, slack, app_token)
        else:
            assert signing_secret is not None  # build_slack_app refuses HTTP mode without one
            _route_events(app, slack, signing_secret)

    return register
