"""`sendbot audit`: check the log has not been tampered with, and read who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import audit as audit_log
from sendbot.services.records import CliActor
from sendbot.store.models import AuditEvent, Guardian, Pupil, School, Staff

app = typer.Typer(help="Check and read the audit log.", no_args_is_help=True)

ACTION_LABELS = {
    "concern.create": "logged a concern",
    "concern.view": "opened a concern",
    "concern.addendum": "added an addendum to a concern",
    "concern.attach": "kept a photo with a concern",
    "concern.attachment_view": "opened a photo kept with a concern",
    "safeguarding.read": "opened safeguarding details",
    "record.export": "exported the pupil's records",
    "retention.remove": "removed records past their retention period",
    "retention.anonymise": "anonymised the pupil's details",
    "audit.view": "read this audit trail",
    "keys.rotate": "rotated encryption keys",
}


def operator() -> str:
    """The login of whoever ran the command, so a command-line action still has a name."""
    return CliActor.current().operator


def _who(event: AuditEvent, staff: dict[int, str], guardians: dict[int, str]) -> str:
    if event.actor_kind == "staff" and event.actor_id in staff:
        return staff[event.actor_id]
    if event.actor_kind == "guardian" and event.actor_id in guardians:
        return f"{guardians[event.actor_id]} (parent/carer)"
    if event.actor_kind == "cli":
        who = event.details.get("operator")
        return f"command line ({who})" if who else "command line"
    if event.actor_kind == "system":
        return "sendbot"
    return f"{event.actor_kind} #{event.actor_id}"


def _details(details: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(details.items()) if k != "operator")


def _pupil_events(session: Session, pupil_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.pupil_id == pupil_id).order_by(AuditEvent.id)
        )
    )


@app.command()
def verify(
    known: str | None = typer.Option(
        None,
        "--known-hash",
        help="A last hash printed by an earlier run (16 characters or more): checks that "
        "event is still in the log, which catches deleting the newest events",
    ),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Recompute every link of the hash chain; exit 1 at the first event that was changed."""
    if known is not None and len(known.strip()) < 16:
        err_console.print("--known-hash needs at least the first 16 characters of the hash.")
        raise typer.Exit(2)
    sessions = open_database(database)
    with sessions() as session:
        report = audit_log.verify_chain(session)
        found = (
            session.scalar(
                select(AuditEvent.id).where(AuditEvent.hash.startswith(known.strip().lower()))
            )
            if known
            else None
        )
    if not report.intact:
        err_console.print(report.describe(), markup=False)
        raise typer.Exit(1)
    if known and found is None:
        err_console.print(
            f"the event with hash {known.strip()[:16]} is no longer in the audit log: events "
            "were deleted from its end, or the whole chain was rewritten",
            markup=False,
        )
        raise typer.Exit(1)
    console.print(report.describe(), markup=False)
    if known:
        console.print(f"the event with hash {known.strip()[:16]} is still event {found}.")


@app.command()
def checkpoint(
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Sign the audit log's newest event now, after checking every event since the last
    checkpoint. `sendbot serve` does this every minute; run it before a backup or a check."""
    sessions = open_database(database)
    try:
        with sessions() as session, session.begin():
            made = audit_log.write_checkpoint(session, SystemClock().now())
            signed = (made.id, made.event_id, made.event_hash) if made else None
    except audit_log.ChainBroken as exc:
        err_console.print(f"Not signed: {exc}", markup=False)
        raise typer.Exit(1) from exc
    if signed is None:
        console.print(
            "Nothing new to sign: a checkpoint already covers every event (or the log is empty)."
        )
        return
    number, event_id, event_hash = signed
    console.print(
        f"Checkpoint {number} signed: events up to {event_id}, hash {event_hash[:16]}. Keep "
        "this hash somewhere other than this server: `sendbot audit verify --known-hash "
        f"{event_hash[:16]}` checks the log still holds it.",
        markup=False,
    )


@app.command()
def show(
    pupil: int = typer.Option(..., "--pupil", help="The pupil's id in sendbot"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Everyone who saw or did something with a pupil's records, oldest first.

    Reading this trail is itself recorded, since it says who looked at a child's records.
    """
    sessions = open_database(database)
    with sessions() as session, session.begin():
        child = session.get(Pupil, pupil)
        if child is None:
            err_console.print(f"No pupil has the id {pupil}.")
            raise typer.Exit(1)
        school = session.get(School, child.school_id)
        zone = ZoneInfo(school.timezone if school else "Europe/London")
        events = _pupil_events(session, pupil)
        staff_ids = {e.actor_id for e in events if e.actor_kind == "staff" and e.actor_id}
        guardian_ids = {e.actor_id for e in events if e.actor_kind == "guardian" and e.actor_id}
        staff = {
            s.id: f"{s.display_name} ({', '.join(sorted(s.role_names))})"
            for s in session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))
        }
        guardians = {
            g.id: g.display_name
            for g in session.scalars(select(Guardian).where(Guardian.id.in_(guardian_ids)))
        }
        table = Table(title=f"Audit trail for {escape(child.display_name)} (pupil {child.id})")
        for heading in ("#", "when", "who", "what", "record", "details"):
            table.add_column(heading)
        for event in events:
            when: datetime = event.at.astimezone(zone)
            table.add_row(
                str(event.id),
                when.strftime("%Y-%m-%d %H:%M"),
                escape(_who(event, staff, guardians)),
                escape(ACTION_LABELS.get(event.action, event.action)),
                escape(f"{event.object_type} {event.object_id or ''}".strip()),
                escape(_details(event.details)),
            )
        viewed = audit_log.record(
            session,
            at=SystemClock().now(),
            actor_kind="cli",
            actor_id=None,
            action="audit.view",
            object_type="pupil",
            object_id=child.id,
            school_id=child.school_id,
            pupil_id=child.id,
            details={"operator": operator(), "events_shown": len(events)},
        )
        viewed_id = viewed.id
    console.print(table)
    console.print(
        f"{len(events)} events. Times are {zone.key} time. "
        f"This look was recorded as audit event {viewed_id}."
    )
