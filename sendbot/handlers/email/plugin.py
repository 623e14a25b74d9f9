"""Email inside `sendbot serve`: the outbox's `Sender` for platform "email", when configured.

`SENDBOT_EMAIL_VIA` (or, unset, whether `SENDBOT_SMTP_HOST` or `SENDBOT_EMAIL_DIR` is set)
chooses the one way a school sends email: its SMTP relay (`SmtpEmailSender`), a folder of
`.eml` files (`FileEmailSender`), or GOV.UK Notify (the Notify handler's plugin, not this
one). The From name is `SENDBOT_SMTP_FROM_NAME`, else the school's name, read at start-up.
Nothing connects at start-up: each email opens its own connection to the relay, so a relay
that is down only delays the outbox, which retries.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from sendbot.config import Settings
from sendbot.delivery.contract import Sender
from sendbot.handlers.email.compose import From
from sendbot.handlers.email.sender import (
    PLATFORM,
    FileEmailSender,
    SmtpEmailSender,
    SmtpSettings,
)
from sendbot.services.school_names import only_school_name
from sendbot.serving.app import Plugin
from sendbot.serving.core import Core

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# The file route needs no real address: the files never leave the machine.
FILE_FROM = "school@sendbot.invalid"


def smtp_settings(settings: Settings) -> SmtpSettings:
    if not settings.smtp_host:
        raise ValueError("SENDBOT_EMAIL_VIA is smtp but SENDBOT_SMTP_HOST is not set")
    if not settings.smtp_from_address:
        raise ValueError(
            "SENDBOT_SMTP_HOST is set but SENDBOT_SMTP_FROM_ADDRESS is not: say which of the "
            "school's addresses emails to parents come from"
        )
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=password,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def email_configured(settings: Settings) -> bool:
    """Whether this plugin sends the school's email (smtp or file; notify is not ours)."""
    return settings.email_route() in ("smtp", "file")


def _school_name(core: Core) -> str | None:
    with core.sessions() as session:
        return only_school_name(session)


def make_sender(settings: Settings, core: Core, school_name: str | None) -> Sender:
    name = settings.smtp_from_name or school_name
    if settings.email_route() == "file":
        if settings.email_dir is None:
            raise ValueError("SENDBOT_EMAIL_VIA is file but SENDBOT_EMAIL_DIR is not set")
        who = From(settings.smtp_from_address or FILE_FROM, name, settings.smtp_reply_to)
        return FileEmailSender(Path(settings.email_dir), who, core.clock)
    smtp = smtp_settings(settings)
    assert settings.smtp_from_address is not None
    who = From(settings.smtp_from_address, name, settings.smtp_reply_to)
    return SmtpEmailSender(smtp, who, core.clock)


def email_plugin(settings: Settings) -> Plugin:
    """The plugin for `build_app`; call only when `email_configured(settings)`."""
    if settings.email_route() == "smtp":
        smtp_settings(settings)  # a missing setting stops `sendbot serve` with one line

    def register(app: web.Application, core: Core) -> None:
        async def start(app: web.Application) -> None:
            school = (
                None if settings.smtp_from_name else await asyncio.to_thread(_school_name, core)
            )
            core.senders[PLATFORM] = make_sender(settings, core, school)

        async def stop(app: web.Application) -> None:
            core.senders.pop(PLATFORM, None)

        app.on_startup.append(start)
        app.on_cleanup.append(stop)

    return register
