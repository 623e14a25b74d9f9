"""`sendbot serve`: the production process."""

from __future__ import annotations

import logging

import typer
from aiohttp import web

from sendbot.cli.common import console
from sendbot.config import get_settings
from sendbot.serving.app import Plugin, build_app
from sendbot.serving.core import build_core
from sendbot.store.db import upgrade


def plugins_for(settings) -> list[Plugin]:  # type: ignore[no-untyped-def]
    """Each platform or job that is configured adds itself here."""
    plugins: list[Plugin] = []
    if settings.slack_bot_token is not None:
        from sendbot.handlers.slack.plugin import slack_plugin  # only when Slack is configured

        plugins.append(slack_plugin(settings))
    if settings.telegram_bot_token is not None:
        from sendbot.handlers.telegram.plugin import telegram_plugin  # only when configured

        plugins.append(telegram_plugin(settings))
    # Last, so the platforms above have added their senders before the clock starts.
    from sendbot.scheduling.service import scheduler_plugin

    plugins.append(scheduler_plugin)
    return plugins


def serve(
    host: str = typer.Option("0.0.0.0", help="Address to listen on"),
    port: int = typer.Option(8080, help="Port to listen on"),
    migrate: bool = typer.Option(True, help="Apply database migrations before starting"),
) -> None:
    """Serve the HTTP endpoints (health, platforms) with the clock and delivery worker."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if migrate:
        upgrade(settings.database_url)
    core = build_core(settings)
    app = build_app(core, plugins_for(settings))
    console.print(f"sendbot serving on http://{host}:{port} (health: /healthz)")
    web.run_app(app, host=host, port=port, print=None)
