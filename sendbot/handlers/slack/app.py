"""The Bolt app: the inbound gate first, then the listeners, one package a kind.

Every listener acknowledges inside Slack's three seconds and does slower work after the
ack (Bolt sends the HTTP response as soon as `ack` is called).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.handlers.slack import admission, errors, listeners
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.serving.core import Core


def make_client(bot_token: str, api_url: str | None) -> AsyncWebClient:
    """The Web API client; `api_url` points it at a staging or test server."""
    if api_url:
        base = api_url if api_url.endswith("/") else api_url + "/"
        return AsyncWebClient(token=bot_token, base_url=base)
    return AsyncWebClient(token=bot_token)


def build_slack_app(
    core: Core,
    *,
    bot_token: str,
    signing_secret: str | None,
    api_url: str | None = None,
    socket_mode: bool = False,
) -> SlackApp:
    if not socket_mode and not signing_secret:
        raise ValueError("SENDBOT_SLACK_SIGNING_SECRET is needed to verify Slack's requests")
    bolt = AsyncApp(
        client=make_client(bot_token, api_url),
        signing_secret=signing_secret or "socket-mode",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        name="sendbot",
    )
    slack = SlackApp(core, bolt)
    admission.register(bolt, slack)
    listeners.register(bolt, slack)
    bolt.error(errors.on_error)
    return slack
