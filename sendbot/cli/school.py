"""`sendbot school show|set`: a school's settings, without SQL."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.cli.common import console, err_console, open_database
from sendbot.cli.deadlines import find_school
from sendbot.clock import SystemClock
from sendbot.domain.school_settings import SettingError, describe
from sendbot.services import school_settings
from sendbot.services.records import CliActor
from sendbot.services.school_settings_changes import change, on_call_candidates
from sendbot.store.models import School

app = typer.Typer(help="Show and change a school's settings.", no_args_is_help=True)

SCHOOL_HELP = "School id or URN (needed when the database holds more than one school)"
DATABASE_HELP = "Database URL (default SENDBOT_DATABASE_URL)"


def _say(text: str, *, error: bool = False) -> None:
    # Values come from the admin or the database: print them as they are, never as markup.
    (err_console if error else console).print(text, markup=False, highlight=False, soft_wrap=True)


def the_school(session: Session, school: str | None) -> School:
    """The school asked for, or the only one; otherwise one line and exit 1."""
    if school is not None:
        found = find_school(session, school)
        if found is None:
            _say(f"No school with id or URN {school}.", error=True)
            raise typer.Exit(1)
        return found
    count = session.scalar(select(func.count()).select_from(School)) or 0
    if count == 1:
        only = session.scalar(select(School))
        assert only is not None
        return only
    if count == 0:
        _say("There is no school yet: import the roster first (sendbot import roster).", error=True)
    else:
        _say(f"This database holds {count} schools: say which with --school URN.", error=True)
    raise typer.Exit(1)


@app.command("show")
def show(
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Every setting, its value, whether it is the default, and what it means."""
    sessions = open_database(database)
    with sessions() as session:
        found = the_school(session, school)
        name, urn = found.name, found.urn
        settings = school_settings.of(found)
        candidates = on_call_candidates(session, found.id)
    table = Table(title=f"Settings of {name} (URN {urn})", show_lines=False)
    table.add_column("setting", no_wrap=True)
    for column in ("value", "default", "meaning"):
        table.add_column(column, overflow="fold")
    for row in describe(settings):
        table.add_row(
            row.key,
            row.value,
            "yes" if row.is_default else f"no ({row.default})",
            row.meaning,
        )
    console.print(table)
    console.print("Change one with: sendbot school set SETTING VALUE", highlight=False)
    if candidates:
        _say(
            "Ids for on_call_staff_ids and dsl_holiday_cover: "
            + "; ".join(f"{c.staff_id} {c.name} ({', '.join(c.roles)})" for c in candidates)
        )
    for problem in settings.problems:
        _say(f"Check: {problem}")


@app.command("set")
def set_setting(
    key: str = typer.Argument(..., help="The setting, as `sendbot school show` names it"),
    value: str = typer.Argument(..., help="Its new value"),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Change one setting; a value that is not right changes nothing and says why."""
    sessions = open_database(database)
    now = SystemClock().now()
    try:
        with sessions() as session, session.begin():
            session.info["sendbot.now"] = now
            found = the_school(session, school)
            result = change(session, CliActor.current(), found, {key: value}, now)
    except SettingError as exc:
        _say(str(exc), error=True)
        raise typer.Exit(2) from None
    for name, (before, after) in result.changed.items():
        _say(f"{name}: {before} -> {after}. Saved.")
    for name, shown in result.unchanged.items():
        _say(f"{name} is already {shown}; nothing changed.")
    if result.deadlines_recomputed:
        _say("Deadlines recomputed.")
    for warning in result.warnings:
        _say(f"Note: {warning}")
