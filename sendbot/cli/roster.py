"""`sendbot import roster`: load the school's MIS export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sendbot.cli.common import console, err_console, open_database
from sendbot.services.roster import RosterError, RosterReport, import_roster
from sendbot.store.db import transaction

app = typer.Typer(help="Import data exported from the school's MIS.", no_args_is_help=True)

COLUMNS = ("created", "updated", "unchanged", "deactivated", "removed")


@app.callback()
def _group() -> None:
    """Import data exported from the school's MIS."""


@app.command()
def roster(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A folder holding the roster CSV files, or the files themselves",
            show_default=False,
        ),
    ],
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Import pupils, staff, classes and guardians from CSV files (see docs/roster.md).

    Safe to run again with a newer export: records are matched on MIS ids, and pupils or
    staff missing from the new export are marked inactive, never deleted.
    """
    sessions = open_database(database)
    try:
        with transaction(sessions) as session:
            report = import_roster(session, paths, actor_kind="cli")
    except RosterError as exc:
        _print_errors(exc.errors)
        raise typer.Exit(1) from None
    _print_report(report)


def _print_errors(errors: list[str]) -> None:
    err_console.print("Nothing was imported. Fix these rows and run the import again:")
    for line in errors:
        # Cells come from the file: print them as they are, never as rich markup.
        err_console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def _print_report(report: RosterReport) -> None:
    if report.school_created:
        state = "added"
    elif report.school_updated:
        state = "updated"
    else:
        state = "unchanged"
    console.print(
        f"Roster imported for {report.school_name} (URN {report.urn}, school {state}).",
        markup=False,
        highlight=False,
    )
    table = Table(show_edge=False)
    table.add_column("records")
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for kind, counts in report.counts.items():
        table.add_row(kind, *(str(getattr(counts, name)) for name in COLUMNS))
    console.print(table)
    for file, encoding in report.encodings.items():
        console.print(f"{file} was not UTF-8: read as {encoding}.", markup=False, highlight=False)
    if report.ignored_files:
        console.print(
            "Files left alone (not roster files): " + ", ".join(report.ignored_files),
            markup=False,
            highlight=False,
        )
    if report.law_notice:
        console.print(report.law_notice, markup=False, highlight=False)
    for note in report.channel_notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
