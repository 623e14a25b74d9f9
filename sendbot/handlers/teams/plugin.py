"""Teams inside `sendbot serve`: the messaging endpoint the Azure Bot resource points at.

`POST /api/teams/messages` answers only requests whose bearer token the Bot Framework
channel signed for this app (`auth.TokenCheck`, the SDK's validator): anything else gets 401
and its body is not read. A body that is not an activity in the Bot Framework's documented
shape gets 400; an activity from another tenant 403. The outbox `Sender` is registered at
start-up; Teams needs no connection of its own (it calls us, and we call it per message).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from microsoft_agents.activity import Activity
from pydantic import ValidationError

from sendbot.config import Settings
from sendbot.handlers import shapes
from sendbot.handlers.teams import connector
from sendbot.handlers.teams.auth import TokenCheck, service_url_matches
from sendbot.handlers.teams.bot import PLATFORM, TeamsBot
from sendbot.serving.app import Plugin
from sendbot.serving.core import Core

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/teams/messages"
BOT_KEY: web.AppKey[TeamsBot] = web.AppKey("teams_bot", TeamsBot)
MAX_BODY = 1_000_000

ACTIVITY = shapes.obj(
    ("type", "serviceUrl", "conversation", "from"),
    type=shapes.text,
    id=shapes.text,
    text=shapes.maybe(shapes.text),
    serviceUrl=shapes.text,
    conversation=shapes.obj(("id",), id=shapes.text, conversationType=shapes.maybe(shapes.text)),
    recipient=shapes.obj(("id",), id=shapes.text),
    **{"from": shapes.obj(("id",), id=shapes.text, aadObjectId=shapes.maybe(shapes.text))},
)


def _parsed(raw: bytes) -> Activity | str:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return "the body is not JSON"
    problem = ACTIVITY(data, "activity")
    if problem:
        return problem
    try:
        return Activity.model_validate(data)
    except ValidationError as error:
        return f"the activity could not be read ({error.error_count()} problems)"


def _handler(bot: TeamsBot, check: TokenCheck) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def messages(request: web.Request) -> web.Response:
        claims = await check.claims(request.headers.get("Authorization"))
        if claims is None:
            return web.Response(status=401, text="unauthorized")
        if request.content_length and request.content_length > MAX_BODY:
            return web.Response(status=413)
        activity = _parsed(await request.read())
        if isinstance(activity, str):
            log.warning("teams: refused a malformed activity: %s", activity)
            return web.Response(status=400, text="not a Bot Framework activity")
        if not service_url_matches(claims, activity.service_url or ""):
            log.warning("teams: the token was issued for another service URL")
            return web.Response(status=401, text="unauthorized")
        refusal = await bot.handle(activity)
        if refusal is not None:
            return web.Response(status=refusal.status, text=refusal.reason)
        return web.Response(status=200)

    return messages


def credentials_from(settings: Settings) -> connector.AppCredentials:
    assert settings.teams_app_id and settings.teams_tenant_id
    secret = settings.teams_app_secret.get_secret_value() if settings.teams_app_secret else None
    return connector.AppCredentials(
        app_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        secret=secret,
        certificate_file=settings.teams_certificate_file,
        token_url=settings.teams_token_url,
    )


def teams_plugin(settings: Settings) -> Plugin:
    """The plugin for `build_app`; call only when `settings.teams_configured()`."""
    credentials = credentials_from(settings)
    check = TokenCheck(credentials.app_id, credentials.tenant_id, settings.teams_openid_url)

    def register(app: web.Application, core: Core) -> None:
        bot = TeamsBot(core, connector.TokenSource(credentials), credentials.tenant_id)
        app[BOT_KEY] = bot
        core.senders[PLATFORM] = bot.sender

        async def stop(app: web.Application) -> None:
            core.senders.pop(PLATFORM, None)
            await bot.clients.close()

        app.router.add_post(MESSAGES_PATH, _handler(bot, check))
        app.on_cleanup.append(stop)

    return register
