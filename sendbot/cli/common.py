"""What every command needs: settings, a database it can trust, a console to print on."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from sendbot.config import NoDatabaseError, get_settings
from sendbot.services import SESSION_HOOKS
from sendbot.store.crypto import KeyringError, keyring_of
from sendbot.store.db import make_engine, session_factory, upgrade
from sendbot.store.key_check import check_keys

console = Console()
err_console = Console(stderr=True)


def database_url(override: str | None = None) -> str:
    """The --database given, else SENDBOT_DATABASE_URL; with neither, one line and exit 2."""
    if override:
        return override
    try:
        return get_settings().require_database_url()
    except NoDatabaseError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc


def open_database(url: str | None = None, *, migrate: bool = True) -> sessionmaker[Session]:
    """Bring the schema up to date (idempotent), then hand out sessions."""
    url = database_url(url)
    if migrate:
        upgrade(url)
    try:
        engine = make_engine(url)
        check_keys(engine, keyring_of(engine.dialect))
    except KeyringError as exc:  # no key, or not this database's key: refuse in one line
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    return session_factory(engine, *SESSION_HOOKS)
