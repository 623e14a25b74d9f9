"""`sendbot terms`: a school's term dates, which school-day counting and reviews need."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from sendbot.cli.common import console, err_console, open_database
from sendbot.cli.deadlines import find_school
from sendbot.clock import SystemClock
from sendbot.domain.calendar import SchoolCalendar, Term
from sendbot.services import audit
from sendbot.services import terms as term_service

app = typer.Typer(help="Set, import and list a school's term dates.", no_args_is_help=True)

COLUMNS = ("name", "starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on")


def parse_day(text: str) -> date:
    """2026-09-03 or 3/9/2026 (day first, as schools in England write it)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    found = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if found:
        return date(int(found[3]), int(found[2]), int(found[1]))
    raise ValueError(f"'{text}' is not a date like 2026-09-03 or 03/09/2026")


def _optional(text: str | None) -> date | None:
    return parse_day(text) if text and text.strip() else None


def read_terms_csv(path: Path) -> list[Term]:
    """Columns: name, starts_on, ends_on, half_term_starts_on, half_term_ends_on."""
    found: list[Term] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path.name} needs the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}"
            )
        for line, row in enumerate(reader, start=2):
            try:
                found.append(
                    Term(
                        name=(row.get("name") or "").strip(),
                        starts_on=parse_day(row["starts_on"]),
                        ends_on=parse_day(row["ends_on"]),
                        half_term_starts_on=_optional(row.get("half_term_starts_on")),
                        half_term_ends_on=_optional(row.get("half_term_ends_on")),
                    )
                )
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path.name} line {line}: {exc}") from None
    return found


def _save(school: str, new_terms: list[Term], database: str | None) -> None:
    sessions = open_database(database)
    now = SystemClock().now()
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = now
        found = find_school(session, school)
        if found is None:
            err_console.print(f"No school with id or URN {school}.")
            raise typer.Exit(1)
        existing = term_service.calendar_for(session, found.id).terms
        merged = {t.name: t for t in existing} | {t.name: t for t in new_terms}
        try:
            SchoolCalendar(nation=found.nation, terms=tuple(merged.values()))
        except ValueError as exc:
            err_console.print(f"Not saved: {exc}")
            raise typer.Exit(1) from None
        term_service.save_terms(session, found.id, new_terms)
        audit.record(
            session,
            at=now,
            actor_kind="cli",
            actor_id=None,
            action="terms.set",
            object_type="school",
            object_id=found.id,
            school_id=found.id,
            details={"terms": [t.name for t in new_terms]},
        )
    console.print(
        f"Saved {len(new_terms)} term{'s' if len(new_terms) != 1 else ''}; deadlines recomputed."
    )


@app.command("import")
def import_csv(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file of terms"),
    school: str = typer.Option(..., "--school", help="School id or URN"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Add or update terms from a CSV (name,starts_on,ends_on,half_term_starts_on,half_term_ends_on)."""
    try:
        found = read_terms_csv(path)
    except ValueError as exc:
        err_console.print(str(exc))
        raise typer.Exit(1) from None
    _save(school, found, database)


@app.command("set")
def set_term(
    name: str = typer.Argument(..., help="e.g. 2026-autumn"),
    starts_on: str = typer.Argument(..., help="First day"),
    ends_on: str = typer.Argument(..., help="Last day"),
    half_term_starts_on: str | None = typer.Option(None, "--half-term-start"),
    half_term_ends_on: str | None = typer.Option(None, "--half-term-end"),
    school: str = typer.Option(..., "--school", help="School id or URN"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Add or update one term."""
    try:
        term = Term(
            name=name,
            starts_on=parse_day(starts_on),
            ends_on=parse_day(ends_on),
            half_term_starts_on=_optional(half_term_starts_on),
            half_term_ends_on=_optional(half_term_ends_on),
        )
    except ValueError as exc:
        err_console.print(str(exc))
        raise typer.Exit(1) from None
    _save(school, [term], database)


@app.command("list")
def list_terms(
    school: str = typer.Option(..., "--school", help="School id or URN"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """The school's terms, in order."""
    sessions = open_database(database)
    with sessions() as session:
        found = find_school(session, school)
        if found is None:
            err_console.print(f"No school with id or URN {school}.")
            raise typer.Exit(1)
        calendar = term_service.calendar_for(session, found.id)
    if not calendar.terms:
        console.print("No term dates set up.")
        return
    table = Table()
    for column in ("term", "starts", "half term", "ends"):
        table.add_column(column)
    for t in calendar.terms:
        half = (
            f"{t.half_term_starts_on:%a %d %b} to {t.half_term_ends_on:%a %d %b}"
            if t.half_term_starts_on and t.half_term_ends_on
            else ""
        )
        table.add_row(t.name, f"{t.starts_on:%a %d %b %Y}", half, f"{t.ends_on:%a %d %b %Y}")
    console.print(table)
