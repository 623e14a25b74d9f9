"""`sendbot db`: the schema."""

from __future__ import annotations

import typer

from sendbot.cli.common import console, database_url
from sendbot.store.db import upgrade as run_upgrade

app = typer.Typer(help="Create or update the database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Apply every migration the database has not had yet."""
    url = database_url(database)
    run_upgrade(url)
    console.print(f"Database is up to date ({url.split('@')[-1]}).")
