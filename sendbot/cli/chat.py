"""`sendbot chat --as EMAIL`: the conversation engine in a terminal."""

from __future__ import annotations

import sys
from datetime import timedelta

import typer

from sendbot.cli.common import err_console, open_database
from sendbot.clock import SystemClock
from sendbot.config import get_settings
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.handlers.console import chat as console_chat
from sendbot.services.actors import staff_actor_by_email


def chat(
    as_email: str = typer.Option(..., "--as", help="Email of the staff member you act as"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Chat with sendbot in this terminal. Type 'quit' to leave; unfinished work is kept."""
    sessions = open_database(database)
    with sessions() as session:
        actor = staff_actor_by_email(session, as_email)
    if actor is None:
        err_console.print(
            f"No active staff member has the email {as_email}. Check the spelling, or import "
            "the roster first (sendbot import roster)."
        )
        raise typer.Exit(1)
    engine = Engine(
        sessions,
        REGISTRY,
        SystemClock(),
        ttl=timedelta(hours=get_settings().conversation_ttl_hours),
        web_url=get_settings().web_url,
    )
    console_chat.run(engine, actor, sys.stdin, sys.stdout, echo=not sys.stdin.isatty())
