"""`sendbot retention apply`: let go of records the school's retention schedule says to."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import retention
from sendbot.services.records import CliActor

app = typer.Typer(help="Apply the school's retention schedule.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Apply the school's retention schedule."""


def _print(result: retention.RetentionPlan, dry_run: bool) -> None:
    verb = "Would remove" if dry_run else "Removed"
    for problem in result.settings_problems:
        err_console.print(f"Retention settings problem - {problem}", markup=False)
    if result.pupils:
        table = Table(title=f"{verb}: pupils past their retention date")
        for heading in (
            "pupil",
            "records kept until",
            "safeguarding kept until",
            "records",
            "identity",
            "note",
        ):
            table.add_column(heading)
        for p in result.pupils:
            table.add_row(
                escape(f"{p.name} (#{p.pupil_id})"),
                f"{p.records_until:%d %b %Y}",
                f"{p.safeguarding_until:%d %b %Y}" if p.safeguarding_until else "kept",
                escape(", ".join(f"{n} {label}" for label, n in p.removed.items()) or "-"),
                ("would be anonymised" if dry_run else "anonymised") if p.anonymise else "kept",
                escape(p.note or ""),
            )
        console.print(table)
    else:
        console.print("No pupil's records are past their retention date.")
    housekeeping = {k: v for k, v in result.plumbing.items() if v}
    if housekeeping:
        console.print(
            f"{verb} housekeeping rows: "
            + ", ".join(f"{n} {label}" for label, n in housekeeping.items())
        )
    else:
        console.print("No housekeeping rows are due.")


@app.command()
def apply(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would go; change nothing"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Remove or anonymise records past each school's retention settings (see
    docs/data-protection.md). Safeguarding records are kept as long as the policy says."""
    sessions = open_database(database)
    now = SystemClock().now()
    if dry_run:
        with sessions() as session:
            result = retention.plan(session, now)
        _print(result, dry_run=True)
        console.print("Dry run: nothing was changed and nothing was recorded.")
        return
    result = retention.apply(sessions, CliActor.current(), now)
    _print(result, dry_run=False)
    if result.audit_event_ids:
        ids = ", ".join(str(i) for i in result.audit_event_ids)
        console.print(f"Recorded in the audit log as event(s) {ids}.")
