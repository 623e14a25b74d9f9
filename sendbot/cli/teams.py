"""`sendbot teams package`: the Teams app package for the school's admin to upload;
`sendbot teams link`: staff's Teams accounts found by their roster email."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.config import get_settings

app = typer.Typer(help="Set sendbot up in Microsoft Teams.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Set sendbot up in Microsoft Teams (see docs/teams-setup.md)."""


@app.command()
def package(
    out: Path = typer.Option(Path("sendbot-teams.zip"), help="Where to write the zip"),
    school_name: str = typer.Option("your school", help="The school's name, as staff know it"),
    public_url: str | None = typer.Option(
        None, help="https URL of this server (default SENDBOT_PUBLIC_URL)"
    ),
    app_id: str | None = typer.Option(
        None, help="The Entra app (client) id (default SENDBOT_TEAMS_APP_ID)"
    ),
    version: str = typer.Option("1.0.0", help="Raise it for each upload of a changed package"),
) -> None:
    """Write the app package (manifest.json, color.png, outline.png) to upload in Teams."""
    # Here, not at the top: the Teams code loads only for a school that uses Teams.
    from sendbot.handlers.teams.package import PackageDetails, PackageError, build

    settings = get_settings()
    details = PackageDetails(
        app_id=app_id or settings.teams_app_id or "",
        public_url=public_url or settings.public_url or "",
        school_name=school_name,
        version=version,
    )
    try:
        data = build(details)
    except PackageError as error:
        err_console.print(str(error), markup=False)
        raise typer.Exit(2) from error
    out.write_bytes(data)
    console.print(f"Wrote {out}: upload it in Teams admin centre > Teams apps > Manage apps.")


@app.command()
def link() -> None:
    """Find every member of staff's Teams account by their roster email (Microsoft Graph)."""
    from sendbot.handlers.teams.link import LinkError
    from sendbot.handlers.teams.link import link as do_link

    settings = get_settings()
    open_database()  # brings the schema up to date
    try:
        done = asyncio.run(do_link(settings))
    except LinkError as error:
        err_console.print(str(error), markup=False)
        raise typer.Exit(1) from error
    console.print(
        f"{done.linked} staff linked to their Teams account; {done.already} were linked "
        f"already; {done.guests_skipped} guest accounts left out."
    )
