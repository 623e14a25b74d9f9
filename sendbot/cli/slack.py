"""`sendbot slack connect`: make the Slack workspace the school's, and find staff in it."""

from __future__ import annotations

import asyncio

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.config import get_settings

app = typer.Typer(help="Connect sendbot to the school's Slack workspace.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Connect sendbot to the school's Slack workspace (see docs/slack-setup.md)."""


@app.command()
def connect(
    school: str | None = typer.Option(None, help="The school's URN, if the database has several"),
) -> None:
    """Record the bot token's workspace as the school's and match staff by email."""
    # Here, not at the top: the Slack libraries load only for a school that uses Slack.
    from sendbot.handlers.slack.setup import SetupError
    from sendbot.handlers.slack.setup import connect as do_connect

    settings = get_settings()
    open_database()  # brings the schema up to date
    try:
        done = asyncio.run(do_connect(settings, school))
    except SetupError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(
        f"{done.school_name} is connected to the Slack workspace {done.team_name} "
        f"({done.team_id}). {done.staff_linked} staff found in Slack by email."
    )
    if done.staff_unlinked:
        console.print(
            "Not found in this workspace yet (their Slack email differs from the MIS, or "
            "they have not joined): " + ", ".join(done.staff_unlinked)
        )
