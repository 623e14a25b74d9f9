"""`sendbot serve` turns email on from the settings: the school's relay, or a folder of .eml
files; GOV.UK Notify when the school chose it is another handler's. Settings that cannot
work stop the server at start-up with one line saying what to set."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from sendbot.cli.serve import plugins_for
from sendbot.config import Settings
from sendbot.handlers.email.plugin import email_configured, email_plugin, smtp_settings
from sendbot.handlers.email.sender import FileEmailSender, SmtpEmailSender
from sendbot.serving.core import build_core
from sendbot.store.models import School


def _started(settings: Settings) -> object:
    """The email sender `sendbot serve` registers at start-up, and stops again."""
    core = build_core(settings)
    app = web.Application()
    email_plugin(settings)(app, core)

    async def run() -> object:
        for hook in app.on_startup:
            await hook(app)
        sender = core.senders["email"]
        for hook in app.on_cleanup:
            await hook(app)
        assert "email" not in core.senders
        return sender

    try:
        return asyncio.run(run())
    finally:
        core.db.dispose()


def test_the_school_relay_is_used_from_the_school_s_name(db_url, sessions) -> None:
    with sessions() as session, session.begin():
        session.add(School(name="Oakfield Primary School", urn="900001"))
    settings = Settings(
        database_url=db_url,
        smtp_host="smtp.school.example",
        smtp_from_address="office@oakfield.example",
        smtp_reply_to="senco@oakfield.example",
        smtp_username="office",
        smtp_password="app-password",
    )
    assert settings.email_route() == "smtp" and email_configured(settings)
    sender = _started(settings)
    assert isinstance(sender, SmtpEmailSender)
    assert sender.sender.name == "Oakfield Primary School"
    assert sender.sender.reply_to == "senco@oakfield.example"
    assert (sender.smtp.port, sender.smtp.security, sender.smtp.password) == (
        587,
        "starttls",
        "app-password",
    )


def test_the_configured_name_wins_and_implicit_tls_uses_port_465(db_url) -> None:
    settings = Settings(
        database_url=db_url,
        smtp_host="smtp.school.example",
        smtp_security="tls",
        smtp_from_address="office@oakfield.example",
        smtp_from_name="Oakfield Primary",
    )
    sender = _started(settings)
    assert isinstance(sender, SmtpEmailSender)
    assert (sender.sender.name, sender.smtp.port) == ("Oakfield Primary", 465)


def test_the_demo_writes_eml_files_into_a_folder(db_url, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, email_dir=tmp_path / "emails")
    assert settings.email_route() == "file"
    sender = _started(settings)
    assert isinstance(sender, FileEmailSender) and sender.directory == tmp_path / "emails"


def test_notify_for_email_is_not_this_plugin_s_and_no_settings_means_no_email(db_url) -> None:
    notify = Settings(database_url=db_url, email_via="notify", smtp_host="smtp.school.example")
    assert notify.email_route() == "notify" and not email_configured(notify)
    assert not email_configured(Settings(database_url=db_url))
    names = [p.__qualname__ for p in plugins_for(Settings(database_url=db_url))]
    assert not any("email" in name for name in names)


def test_a_relay_without_a_from_address_stops_serve_with_what_to_set(db_url) -> None:
    settings = Settings(database_url=db_url, smtp_host="smtp.school.example")
    with pytest.raises(ValueError, match="SENDBOT_SMTP_FROM_ADDRESS"):
        plugins_for(settings)
    with pytest.raises(ValueError, match="SENDBOT_SMTP_HOST"):
        smtp_settings(Settings(database_url=db_url, email_via="smtp"))
