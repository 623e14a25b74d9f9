"""`sendbot guardian`: the school's decisions about a parent's or carer's access."""

from __future__ import annotations

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.services import guardian_contacts, roster_ids

app = typer.Typer(
    help="Record the school's decisions about what a parent or carer may see.",
    no_args_is_help=True,
)

DECIDED_BY = typer.Option(
    ..., "--decided-by", help="Email of the SENCO, headteacher or DSL who made the decision"
)
DATABASE = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)")
SCHOOL = typer.Option(None, "--school", help="The school's URN, when two schools share ids")
GUARDIAN = typer.Argument(..., help="The parent's or carer's id in the MIS export (G002)")
PUPIL = typer.Argument(..., help="The pupil's id in the MIS export")


def _record(
    guardian: str,
    pupil: str,
    decided_by: str,
    share: bool,
    school: str | None,
    database: str | None,
) -> None:
    sessions = open_database(database)
    try:
        with sessions() as session, session.begin():
            said = guardian_contacts.record_share_decision(
                session,
                roster_ids.resolve(session, "guardian", guardian, school),
                roster_ids.resolve(session, "pupil", pupil, school),
                decided_by,
                SystemClock().now(),
                share=share,
            )
    except (guardian_contacts.ShareRefused, LookupError) as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(said, markup=False, soft_wrap=True)


@app.command()
def share(
    guardian_id: str = GUARDIAN,
    pupil_id: str = PUPIL,
    decided_by: str = DECIDED_BY,
    school: str | None = SCHOOL,
    database: str | None = DATABASE,
) -> None:
    """Let a contact without parental responsibility be invited and see this child's record,
    because the school has decided so (recorded with who decided, in the audit log)."""
    _record(guardian_id, pupil_id, decided_by, True, school, database)


@app.command()
def unshare(
    guardian_id: str = GUARDIAN,
    pupil_id: str = PUPIL,
    decided_by: str = DECIDED_BY,
    school: str | None = SCHOOL,
    database: str | None = DATABASE,
) -> None:
    """Withdraw the school's decision to share this child's record with this contact."""
    _record(guardian_id, pupil_id, decided_by, False, school, database)
