"""`sendbot serve`: the production process."""

from __future__ import annotations

import logging

import typer
from aiohttp import web

from sendbot.cli.common import console, database_url, err_console
from sendbot.config import Settings, get_settings
from sendbot.handlers.email.plugin import email_configured, email_plugin
from sendbot.i18n import catalogs
from sendbot.serving import logs
from sendbot.serving.app import Plugin, build_app
from sendbot.serving.core import build_core
from sendbot.serving.scheduler import scheduler_plugin
from sendbot.store.crypto import KeyringError, keyring_from_settings, keyring_of
from sendbot.store.db import upgrade
from sendbot.store.key_check import check_keys
from sendbot.web.app import web_plugin
from sendbot.web.site import NotServable


def plugins_for(settings: Settings) -> list[Plugin]:
    """Each platform or job that is configured adds itself here."""
    plugins: list[Plugin] = []
    if settings.slack_bot_token is not None:
        from sendbot.handlers.slack.plugin import slack_plugin  # only when Slack is configured

        plugins.append(slack_plugin(settings))
    if settings.telegram_bot_token is not None:
        from sendbot.handlers.telegram.plugin import telegram_plugin  # only when configured

        plugins.append(telegram_plugin(settings))
    if settings.teams_configured():
        from sendbot.handlers.teams.plugin import teams_plugin  # only when configured

        plugins.append(teams_plugin(settings))
    if settings.notify_sms_configured() or settings.email_route() == "notify":
        from sendbot.handlers.notify.plugin import notify_plugin  # only when configured

        plugins.append(notify_plugin(settings))
    if email_configured(settings):  # by SMTP or into files; Notify has its own plugin
        plugins.append(email_plugin(settings))
    if settings.web_url is not None:
        plugins.append(web_plugin(settings))
    # Last, so the platforms above have added their senders before the clock starts.
    plugins.append(scheduler_plugin)
    return plugins


def serve(
    host: str = typer.Option("0.0.0.0", help="Address to listen on"),
    port: int = typer.Option(8080, help="Port to listen on"),
    migrate: bool = typer.Option(True, help="Apply database migrations before starting"),
) -> None:
    """Serve the HTTP endpoints (health, platforms) with the clock and delivery worker."""
    settings = get_settings()
    logs.configure(settings.log_level)  # no personal data in the logs, at any level
    url = database_url()
    try:
        # Before anything touches the database: a server database with no key is refused
        # with one line saying what to set, as every other command does (cli.common).
        keyring_from_settings(url)
    except KeyringError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if migrate:
        upgrade(url)
    core = build_core(settings)
    try:
        # A key this database was not written with is refused before anything is written
        # under it: one line naming both keys, no traceback.
        check_keys(core.db, keyring_of(core.db.dialect), core.clock.now())
    except KeyringError as exc:
        core.db.dispose()
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    # Compile the parent catalogs now, so the first parent message waits for nothing and a
    # broken catalog is in the start-up log rather than found by a family.
    loaded = catalogs.warm_up()
    logging.getLogger(__name__).info("parent catalogs loaded: %s", ", ".join(loaded) or "none")
    try:
        plugins = plugins_for(settings)
    except (NotServable, ValueError) as exc:
        core.db.dispose()
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    app = build_app(core, plugins)
    console.print(f"sendbot serving on http://{host}:{port} (health: /healthz)")
    if settings.web_url:
        console.print(f"staff pages: {settings.web_url.rstrip('/')}/staff/", markup=False)
    web.run_app(app, host=host, port=port, print=None)
