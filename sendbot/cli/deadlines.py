"""`sendbot deadlines`: who owes what, by when, and the rule that says so."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import deadlines as deadline_service
from sendbot.store.models import Pupil, School


def find_school(session: Session, school: str) -> School | None:
    """A school by its id in sendbot or by its URN."""
    if school.isdigit():
        found = session.get(School, int(school))
        if found is not None:
            return found
    return session.scalar(select(School).where(School.urn == school))


def deadlines(
    school: str | None = typer.Option(None, "--school", help="School id or URN"),
    pupil: int | None = typer.Option(None, "--pupil", help="Pupil id"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
    show_all: bool = typer.Option(False, "--all", help="Include deadlines done, met or cancelled"),
    recompute: bool = typer.Option(True, help="Work the deadlines out again from the facts first"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Statutory and policy deadlines for a school or one pupil, soonest first."""
    if (school is None) == (pupil is None):
        err_console.print("Give --school or --pupil (one of them).")
        raise typer.Exit(2)
    sessions = open_database(database)
    now = SystemClock().now()
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = now
        school_id = pupil_id = None
        notice = None
        if school is not None:
            found = find_school(session, school)
            if found is None:
                err_console.print(f"No school with id or URN {school}.")
                raise typer.Exit(1)
            school_id = found.id
            notice = deadline_service.law_notice(session, found.id)
            if recompute:
                deadline_service.recompute_school(session, found.id, now)
        else:
            row = session.get(Pupil, pupil)
            if row is None:
                err_console.print(f"No pupil with id {pupil}.")
                raise typer.Exit(1)
            pupil_id = row.id
            notice = deadline_service.law_notice(session, row.school_id)
            if recompute:
                deadline_service.recompute_pupil(session, row.id, now)
        views = deadline_service.list_deadlines(
            session, now, school_id=school_id, pupil_id=pupil_id, include_closed=show_all
        )
        # A support plan's agreed review is dated on the plan, not as a deadline row.
        views += deadline_service.plan_review_views(
            session, now, school_id=school_id, pupil_id=pupil_id
        )
        views.sort(key=lambda v: v.due_on)
    if notice:  # on stderr with --json, so the JSON stays one document
        (err_console if as_json else console).print(notice, markup=False, highlight=False)
    if as_json:
        typer.echo(json.dumps([v.as_json() for v in views], indent=2, ensure_ascii=False))
        return
    if not views:
        console.print("No deadlines.")
        return
    console.print(_table(views))


def _table(views: list[deadline_service.DeadlineView]) -> Table:
    table = Table(show_lines=False)
    for column in ("due", "days", "what", "pupil", "who owes it", "status", "source"):
        table.add_column(column, overflow="fold")
    for v in views:
        days = "today" if v.days_left == 0 else f"{v.days_left:+d}"
        table.add_row(
            v.due_on.strftime("%a %d %b %Y"),
            days,
            v.title,
            v.pupil_name or "",
            v.owner,
            v.status,
            v.source,
        )
    return table
