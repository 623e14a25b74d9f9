"""`sendbot digest`: print a digest as it would be sent, for checking and for the demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.cli.deadlines import find_school
from sendbot.clock import SystemClock
from sendbot.services import digests
from sendbot.services.deadlines import school_today
from sendbot.store.private_files import write_private


def digest(
    school: str = typer.Option(..., "--school", help="School id or URN"),
    role: str = typer.Option("senco", "--role", help="senco, dsl or headteacher"),
    day: str | None = typer.Option(
        None, "--date", help="The digest's day, YYYY-MM-DD (default today)"
    ),
    chart: Path | None = typer.Option(
        None, "--chart", help="Also save the SENCO's chart (PNG) here"
    ),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Print one digest to the terminal."""
    if role not in digests.ROLES:
        err_console.print(f"--role must be one of: {', '.join(digests.ROLES)}.")
        raise typer.Exit(2)
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        err_console.print(f"--date must look like 2026-11-24, not {day!r}.")
        raise typer.Exit(2) from None
    sessions = open_database(database)
    now = SystemClock().now()
    with sessions() as session:
        found = find_school(session, school)
        if found is None:
            err_console.print(f"No school with id or URN {school}.")
            raise typer.Exit(1)
        if when is None:
            when = school_today(found, now)
        result = digests.build(session, found.id, role, when, now, chart=chart is not None)
    console.print(result.text(), markup=False, highlight=False)
    if chart is not None:
        if result.chart is None:
            console.print("(no chart: nothing to draw on an empty day)")
        else:
            write_private(chart, result.chart)
            console.print(f"Chart saved to {chart}.")
