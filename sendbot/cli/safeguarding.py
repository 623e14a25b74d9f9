"""`sendbot safeguarding`: the DSL's chronology of a child, as a file; reopening a concern.

Both act as the member of staff named by `--by` (their email), so the policy decides as it
would in chat: only the DSL and deputies. Every export and every refusal is in the audit log.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import chronology, chronology_export, escalation
from sendbot.services.actors import staff_actor_by_email
from sendbot.services.policy import PermissionDenied
from sendbot.store.private_files import write_private

app = typer.Typer(help="The DSL's safeguarding records.", no_args_is_help=True)

NO_SUCH_STAFF = "There is no active member of staff with the email {email}."


@app.callback()
def _group() -> None:
    """The DSL's safeguarding records."""


@app.command(name="chronology")
def chronology_command(
    pupil: str = typer.Option(..., "--pupil", help="The pupil's MIS id, UPN or name"),
    by: str = typer.Option(..., "--by", help="Your email: the DSL or a deputy"),
    fmt: str = typer.Option("pdf", "--format", help="html or pdf"),
    out: str | None = typer.Option(None, "--out", help="The file to write (default: a name)"),
    school: str | None = typer.Option(None, "--school", help="The school's URN, if several"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """A pupil's safeguarding chronology for a case conference or a transfer, as a file."""
    if fmt not in chronology_export.FORMATS:
        err_console.print(f"--format must be one of: {', '.join(chronology_export.FORMATS)}.")
        raise typer.Exit(2)
    sessions = open_database(database)
    refusal: str | None = None
    path: Path | None = None
    with sessions() as session, session.begin():
        now = SystemClock().now()
        actor = staff_actor_by_email(session, by, school)
        if actor is None:
            err_console.print(NO_SUCH_STAFF.format(email=by), markup=False)
            raise typer.Exit(1)
        found = chronology.find_pupil(session, actor.school_id, pupil)
        if len(found) != 1:
            if found:
                names = "; ".join(
                    f"{p.display_name}, MIS id {p.external_id}, born "
                    f"{chronology.date_in_words(p.date_of_birth)}"
                    for p in found
                )
                err_console.print(f"{len(found)} pupils match: {names}. Give the MIS id.")
            else:
                err_console.print(f"No pupil of your school matches '{pupil}'.", markup=False)
            raise typer.Exit(1)
        try:
            record, data = chronology_export.export(
                session,
                actor,
                found[0].id,
                now,
                fmt,
            )
        except (PermissionDenied, LookupError) as exc:
            refusal = str(exc)  # the refusal is audited: this transaction commits it
        else:
            path = Path(out) if out else Path(chronology_export.file_name(record, fmt))
            path.parent.mkdir(parents=True, exist_ok=True)
            write_private(path, data)
    if refusal is not None:
        err_console.print(refusal, markup=False)
        raise typer.Exit(1)
    console.print(f"Wrote {path}", markup=False)
    console.print(
        "This file is a confidential child protection record: send it securely, keep it "
        "apart from the pupil's main file, and delete your copy when it is no longer needed."
    )


@app.command()
def reopen(
    concern: int = typer.Option(..., "--concern", help="The concern's number"),
    by: str = typer.Option(..., "--by", help="Your email: the DSL or a deputy"),
    reason: str = typer.Option(..., "--reason", help="Why it is reopened"),
    school: str | None = typer.Option(None, "--school", help="The school's URN, if several"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Reopen a closed concern, with the reason (it goes into the pupil's chronology)."""
    sessions = open_database(database)
    with sessions() as session, session.begin():
        actor = staff_actor_by_email(session, by, school)
        if actor is None:
            err_console.print(NO_SUCH_STAFF.format(email=by), markup=False)
            raise typer.Exit(1)
        try:
            escalation.reopen_concern(session, actor, concern, SystemClock().now(), reason)
        except (escalation.NotAllowed, LookupError, ValueError) as exc:
            err_console.print(str(exc), markup=False)
            raise typer.Exit(1) from exc
    console.print(f"Concern {concern} is open again. The reason is in the pupil's chronology.")
