"""`sendbot export`: records out of sendbot, each export written to the audit log."""

from __future__ import annotations

from pathlib import Path

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import records, roster_ids
from sendbot.services.policy import PermissionDenied
from sendbot.store.private_files import write_private

app = typer.Typer(help="Export records for a request, a move or a report.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Export records for a request, a move or a report."""


def _write_private(path: Path, text: str) -> None:
    """Readable by this user only from its first byte: the file holds a child's whole record."""
    write_private(path, text)


def _check_options(purpose: str, decided: bool, leave_out_safeguarding: bool) -> records.Purpose:
    """The purpose, once the options make sense together; otherwise the command stops
    before anything is read."""
    if not records.is_purpose(purpose):
        err_console.print(f"--purpose must be one of: {', '.join(records.PURPOSES)}.")
        raise typer.Exit(2)
    if decided and (purpose != records.SUBJECT_ACCESS or leave_out_safeguarding):
        err_console.print(
            "--safeguarding-decided-by is for a subject access export that includes "
            "safeguarding records; leave it out otherwise."
        )
        raise typer.Exit(2)
    return purpose


@app.command()
def pupil(
    pupil_given: str = typer.Argument(
        ..., metavar="ID", help="The pupil's id in the MIS export (sendbot's number works too)"
    ),
    out: str | None = typer.Option(
        None, "--out", help="Folder for the JSON and HTML files (default: this folder)"
    ),
    purpose: str = typer.Option(
        "subject-access", help="subject-access, transfer (to a new school) or other"
    ),
    leave_out_safeguarding: bool = typer.Option(
        False,
        "--leave-out-safeguarding",
        help="Leave safeguarding concerns out of a transfer or other export; a subject "
        "access export leaves them out unless the DSL decides otherwise",
    ),
    decided_by: str | None = typer.Option(
        None,
        "--safeguarding-decided-by",
        metavar="STAFF_ID",
        help="Include safeguarding records in a subject access export: the staff id (in the "
        "MIS export) of the DSL or deputy who decided they may be disclosed (audited)",
    ),
    school: str | None = typer.Option(
        None, "--school", help="The school's URN, when two schools share ids"
    ),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Everything held about one pupil, as JSON and a readable HTML report."""
    purpose_of = _check_options(purpose, decided_by is not None, leave_out_safeguarding)
    folder = Path(out or ".")
    sessions = open_database(database)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        with sessions() as session, session.begin():
            now = SystemClock().now()
            pupil_id = roster_ids.resolve(session, "pupil", pupil_given, school)
            export = records.export_pupil(
                session,
                records.CliActor.current(),
                pupil_id,
                now,
                purpose=purpose_of,
                include_safeguarding=not leave_out_safeguarding,
                safeguarding_decided_by=(
                    roster_ids.resolve(session, "staff", decided_by, school)
                    if decided_by is not None
                    else None
                ),
            )
            stem = f"pupil-{pupil_id}-record-{now:%Y%m%d-%H%M%S}"
            for suffix, text in ((".json", export.json_text()), (".html", export.html_text())):
                path = folder / f"{stem}{suffix}"
                _write_private(path, text)
                written.append(path)
    except (LookupError, PermissionDenied) as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except BaseException:
        for path in written:  # not in the audit log, so it must not exist either
            path.unlink(missing_ok=True)
        raise
    for path in written:
        console.print(f"Wrote {path}", markup=False)
    console.print(
        f"Recorded as audit event {export.audit_event_id}. These files hold a child's "
        "personal data: send them securely and delete your copies when done."
    )
    if purpose == records.SUBJECT_ACCESS and not export.record["safeguarding_included"]:
        console.print(
            "Safeguarding records, and every trace of them, are left out of a subject access "
            "export unless the DSL decides to include them (--safeguarding-decided-by "
            "STAFF_ID). The files do not say whether there are any."
        )
