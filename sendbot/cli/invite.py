"""`sendbot invite`: one-time Telegram links (and QR codes for a letter home), and unlinking
a parent or carer whose chat should no longer hear from the school."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.config import get_settings
from sendbot.services import invites, parents, roster_ids
from sendbot.store.private_files import write_private

app = typer.Typer(
    help="Invite parents, carers and staff to sendbot on Telegram.", no_args_is_help=True
)

QR_OPTION = typer.Option(None, help="Where to write the QR code PNG")
SCHOOL = typer.Option(None, "--school", help="The school's URN, when two schools share ids")


def _username() -> str:
    username = get_settings().telegram_bot_username
    if not username:
        err_console.print("Set SENDBOT_TELEGRAM_BOT_USERNAME (the bot's @name) first.")
        raise typer.Exit(2)
    return username


def _issue(
    kind: Literal["guardian", "staff"],
    given: str,
    school: str | None,
    qr: Path | None,
    database: str | None,
) -> None:
    username = _username()
    sessions = open_database(database)
    create = invites.create_guardian_invite if kind == "guardian" else invites.create_staff_invite
    try:
        with sessions() as session, session.begin():
            person_id = roster_ids.resolve(session, kind, given, school)
            created = create(session, person_id, SystemClock().now(), username)
    except (invites.InviteRefused, LookupError) as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    path = qr or Path(f"invite-{kind}-{given.strip()}.png")
    write_private(path, created.qr_png())  # the code opens the account: this user only
    console.print(
        f"Invite for {created.for_name}, works once until {created.expires_at:%d %B %Y %H:%M} UTC:"
    )
    console.print(created.link, markup=False, soft_wrap=True)
    console.print(f"QR code for a letter: {path}")
    console.print("The link is shown only now; a new invite replaces any unused earlier one.")


@app.command()
def guardian(
    guardian_id: str = typer.Argument(..., help="The guardian's id in the MIS export (G002)"),
    qr: Path | None = QR_OPTION,
    school: str | None = SCHOOL,
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Make a one-time link for a parent or carer (valid 14 days)."""
    _issue("guardian", guardian_id, school, qr, database)


@app.command()
def staff(
    staff_id: str = typer.Argument(..., help="The staff member's id in the MIS export (S014)"),
    qr: Path | None = QR_OPTION,
    school: str | None = SCHOOL,
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Make a one-time link for a member of staff to use sendbot in Telegram."""
    _issue("staff", staff_id, school, qr, database)


@app.command()
def unlink(
    guardian_id: str = typer.Argument(..., help="The guardian's id in the MIS export (G002)"),
    school: str | None = SCHOOL,
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Disconnect every chat of a parent or carer and cancel their unused link.

    For a forwarded or lost link, a replaced phone, or a change of parental responsibility.
    The chats cannot reconnect themselves; a new invite links the parent again. Audited."""
    sessions = open_database(database)
    try:
        with sessions() as session, session.begin():
            found = roster_ids.resolve(session, "guardian", guardian_id, school)
            done = parents.unlink(session, found, SystemClock().now())
    except LookupError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(
        f"{done.guardian_name}: {done.accounts} chat account(s) disconnected, "
        f"{done.invites_cancelled} unused link(s) cancelled. They get no more messages."
    )
    console.print(f"To link them again: sendbot invite guardian {guardian_id}", markup=False)
