"""`sendbot export provision-map` and `sendbot export sen-register`: the SENCO's evidence for
governors, the local authority and inspection. Each export is written to the audit log."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import audit, provision_map
from sendbot.services.records import CliActor, audit_actor
from sendbot.store.models import School
from sendbot.store.private_files import write_private


def _school_id(session: Session, school: str) -> int:
    """A school by its id in sendbot or by its URN."""
    found = session.scalar(select(School.id).where(School.urn == school.strip()))
    if found is None and school.strip().isdigit():
        found = session.scalar(select(School.id).where(School.id == int(school)))
    if found is None:
        raise provision_map.ExportInvalid(f"There is no school with id or URN '{school}'.")
    return found


def _audit(session: Session, school_id: int, action: str, details: dict[str, object]) -> None:
    kind, actor_id, extra = audit_actor(CliActor.current())
    audit.record(
        session,
        at=SystemClock().now(),
        actor_kind=kind,
        actor_id=actor_id,
        action=action,
        object_type="school",
        object_id=school_id,
        school_id=school_id,
        details={**extra, **details},
    )


def _write(path: Path, text: str) -> None:
    write_private(path, text)  # pupils' names and needs: readable by this user only
    console.print(f"Wrote {path}", markup=False)


def provision_map_command(
    school: str = typer.Option(..., "--school", help="The school's id in sendbot, or its URN"),
    term: str = typer.Option(..., "--term", help="YYYY-autumn, YYYY-spring or YYYY-summer"),
    out: str = typer.Option(".", "--out", help="Folder for the CSV and HTML files"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """The provision map for a term, as CSV and HTML: per intervention and per pupil."""
    sessions = open_database(database)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with sessions() as session, session.begin():
            school_id = _school_id(session, school)
            pmap = provision_map.build(session, school_id, term)
            stem = folder / f"provision-map-{school_id}-{pmap.term.name}"
            _write(stem.with_suffix(".csv"), provision_map.provision_csv(pmap))
            _write(stem.with_suffix(".html"), provision_map.provision_html(pmap))
            _audit(
                session,
                school_id,
                "export.provision_map",
                {"term": pmap.term.name, "interventions": len(pmap.interventions)},
            )
    except provision_map.ExportInvalid as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(2) from exc
    if not pmap.term.from_term_dates:
        console.print(
            f"No term dates are set up for {pmap.term.name}: used "
            f"{pmap.term.first:%-d %b %Y} to {pmap.term.last:%-d %b %Y}."
        )


def sen_register_command(
    school: str = typer.Option(..., "--school", help="The school's id in sendbot, or its URN"),
    out: str = typer.Option(".", "--out", help="Folder for the CSV file"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """The SEN register as CSV: pupil, year, level, primary and secondary need, review date."""
    sessions = open_database(database)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with sessions() as session, session.begin():
            school_id = _school_id(session, school)
            rows = provision_map.sen_register(session, school_id)
            _write(folder / f"sen-register-{school_id}.csv", provision_map.register_csv(rows))
            _audit(session, school_id, "export.sen_register", {"pupils": len(rows)})
    except provision_map.ExportInvalid as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    """Add these commands to the `sendbot export` group."""
    app.command(name="provision-map")(provision_map_command)
    app.command(name="sen-register")(sen_register_command)
