"""Telegram inside `sendbot serve`: the webhook route, or polling when there is no public URL.

The webhook answers only requests carrying the secret Telegram was given with `setWebhook`
(compared in constant time); anything else gets 403 and is not read. A body that is not an
update in the Bot API's documented shape gets 400 (`shape`). Start-up registers the outbox
`Sender`, initialises the Application, publishes the command menus, and then either sets the
webhook or starts polling (`polling.Poller`, which, like the webhook's 503, fetches again an
update that failed for want of the database); if Telegram cannot be reached, the rest of the
server runs and this is tried again in the background (`serving.connecting`), the webhook
answering 503 meanwhile. Clean-up reverses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken

from sendbot.config import Settings
from sendbot.handlers.telegram import shape
from sendbot.handlers.telegram.bot import DEFAULT_API_ROOT, PLATFORM, TelegramBot, TelegramSettings
from sendbot.handlers.telegram.polling import Poller
from sendbot.serving.app import Plugin
from sendbot.serving.connecting import keep_connecting
from sendbot.serving.core import Core

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BOT_KEY: web.AppKey[TelegramBot] = web.AppKey("telegram_bot", TelegramBot)
MAX_BODY = 1_000_000


def secret_ok(request: web.Request, secret: str | None) -> bool:
    given = request.headers.get(SECRET_HEADER)
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _parsed(raw: bytes, bot: TelegramBot) -> Update | str:
    """The update, or what is wrong with the body (a field's path, never its value)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return "the body is not JSON"
    problem = shape.problem(data)
    if problem:
        return problem
    try:
        return Update.de_json(data, bot.application.bot)
    except Exception as error:  # the library only parses here, no I/O: the body's fault
        return f"the update could not be read ({type(error).__name__})"


def _webhook_handler(
    bot: TelegramBot, secret: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def webhook(request: web.Request) -> web.Response:
        if not secret_ok(request, secret):
            return web.Response(status=403, text="forbidden")
        if request.content_length and request.content_length > MAX_BODY:
            return web.Response(status=413)
        if not bot.application.running:  # Telegram not reached yet: it sends this again
            return web.Response(status=503, text="not ready")
        update = _parsed(await request.read(), bot)
        if isinstance(update, str):
            log.warning("telegram: refused a malformed update: %s", update)
            return web.Response(status=400, text="not a Telegram update")
        await bot.application.process_update(update)
        if bot.should_retry(update):
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    return webhook


async def _publish_menus(bot: TelegramBot) -> None:
    try:
        await bot.set_default_commands()
    except Exception:  # a menu is a nicety; it must not stop the bot
        log.exception("could not set the Telegram command menus")


async def _receive_updates(
    bot: TelegramBot, public_url: str | None, secret: str | None
) -> asyncio.Task[None] | None:
    """Set the webhook when there is a public URL; otherwise poll (the returned task)."""
    application = bot.application
    if public_url:
        await application.bot.set_webhook(
            url=public_url + WEBHOOK_PATH,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("telegram: webhook at %s%s", public_url, WEBHOOK_PATH)
        return None
    await application.bot.delete_webhook()
    # Our poller, not the library's Updater: it keeps an update it could not store.
    task = asyncio.create_task(Poller(bot, ALLOWED_UPDATES).run(), name="telegram-polling")
    log.info("telegram: polling (no SENDBOT_PUBLIC_URL)")
    return task


async def _stop_bot(bot: TelegramBot, polling: asyncio.Task[None] | None) -> None:
    application = bot.application
    if polling is not None:
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
    if application.running:
        await application.stop()
    await application.shutdown()
    await application.bot.shutdown()  # its connections, if Telegram was never reached


def _webhook_secret(settings: Settings) -> str | None:
    token = settings.telegram_webhook_secret
    return token.get_secret_value() if token else None


def _describer(token: str) -> Callable[[BaseException], str]:
    """One line for the log; the library puts the bot token in some of its messages."""

    def describe(error: BaseException) -> str:
        if isinstance(error, InvalidToken):
            return "Telegram refused the bot token"
        said = " ".join(str(error).split()).replace(token, "<bot token>")
        return f"{type(error).__name__}: {said}"

    return describe


def telegram_plugin(settings: Settings) -> Plugin:
    """The plugin for `build_app`; call only when a bot token is configured."""
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    config = TelegramSettings(
        token=token,
        api_root=settings.telegram_api_url or DEFAULT_API_ROOT,
    )
    secret = _webhook_secret(settings)
    public_url = (settings.public_url or "").rstrip("/") or None
    if public_url and not secret:
        raise ValueError(
            "SENDBOT_PUBLIC_URL is set but SENDBOT_TELEGRAM_WEBHOOK_SECRET is not: a webhook "
            "without a secret would accept updates from anyone"
        )

    def register(app: web.Application, core: Core) -> None:
        bot = TelegramBot(core, config)
        app[BOT_KEY] = bot

        polling: list[asyncio.Task[None]] = []

        async def connect() -> None:
            """Safe to run again after failing part-way."""
            # The sender first: while Telegram cannot be reached, the outbox's messages wait
            # and are retried, rather than found to have no way to be sent.
            core.senders[PLATFORM] = bot.sender
            await bot.application.initialize()
            if not bot.application.running:
                await bot.application.start()
            await _publish_menus(bot)
            if polling:  # polling already runs: an earlier try got this far
                return
            task = await _receive_updates(bot, public_url, secret)
            if task is not None:
                polling.append(task)

        async def stop(app: web.Application) -> None:
            await _stop_bot(bot, polling.pop() if polling else None)
            core.senders.pop(PLATFORM, None)

        app.router.add_post(WEBHOOK_PATH, _webhook_handler(bot, secret))
        keep_connecting(app, "telegram", connect, describe=_describer(token))
        app.on_cleanup.append(stop)

    return register
