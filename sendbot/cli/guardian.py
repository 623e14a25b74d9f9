"""`sendbot guardian`: the school's decisions about a parent's or carer's access."""

from __future__ import annotations

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import guardian_contacts

app = typer.Typer(
    help="Record the school's decisions about what a parent or carer may see.",
    no_args_is_help=True,
)

DECIDED_BY = typer.Option(
    ..., "--decided-by", help="Email of the SENCO, headteacher or DSL who made the decision"
)
DATABASE = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)")


def _record(
    guardian_id: int, pupil_id: int, decided_by: str, share: bool, database: str | None
) -> None:
    sessions = open_database(database)
    try:
        with sessions() as session, session.begin():
            said = guardian_contacts.record_share_decision(
                session, guardian_id, pupil_id, decided_by, SystemClock().now(), share=share
            )
    except guardian_contacts.ShareRefused as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(said, markup=False, soft_wrap=True)


@app.command()
def share(
    guardian_id: int = typer.Argument(..., help="The parent's or carer's id in sendbot"),
    pupil_id: int = typer.Argument(..., help="The pupil's id in sendbot"),
    decided_by: str = DECIDED_BY,
    database: str | None = DATABASE,
) -> None:
    """Let a contact without parental responsibility be invited and see this child's record,
    because the school has decided so (recorded with who decided, in the audit log)."""
    _record(guardian_id, pupil_id, decided_by, True, database)


@app.command()
def unshare(
    guardian_id: int = typer.Argument(..., help="The parent's or carer's id in sendbot"),
    pupil_id: int = typer.Argument(..., help="The pupil's id in sendbot"),
    decided_by: str = DECIDED_BY,
    database: str | None = DATABASE,
) -> None:
    """Withdraw the school's decision to share this child's record with this contact."""
    _record(guardian_id, pupil_id, decided_by, False, database)
