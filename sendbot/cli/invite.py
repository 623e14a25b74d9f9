"""`sendbot invite`: one-time Telegram links (and QR codes for a letter home), and unlinking
a parent or carer whose chat should no longer hear from the school."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import SystemClock
from sendbot.config import get_settings
from sendbot.delivery import keys
from sendbot.messages.parents.notices import render_for_guardian
from sendbot.services import invite_groups, invites, parents, roster_ids, sms_cost
from sendbot.store.private_files import write_private

app = typer.Typer(
    help="Invite parents, carers and staff to sendbot on Telegram, by letter, email or text.",
    no_args_is_help=True,
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


# --- a whole class or year group -------------------------------------------------------------


def _text_cost(chosen: invite_groups.GroupPlan) -> sms_cost.SmsCost:
    """What the text messages will cost, counted as the sender lays them out: each in its
    guardian's language, its notice kept, and a link as long as the real ones."""
    web_url = get_settings().web_url
    link = sms_cost.sample_link(web_url) if web_url else None
    messages = (
        replace(
            render_for_guardian(
                keys.PARENT_LINK_INVITATION,
                invite_groups.params_for(chosen, invitee),
                invitee.language,
                script=invitee.script,
            ),
            link=link,
        )
        for invitee in chosen.by("sms")
    )
    return sms_cost.estimate(messages)


def _summary(chosen: invite_groups.GroupPlan) -> None:
    emails, texts, nobody = chosen.by("email"), chosen.by("sms"), chosen.by(None)
    console.print(
        f"{chosen.school_name}, {chosen.group}: {len(chosen.invitees)} parent(s) or carer(s) "
        "to invite, not yet on Telegram.",
        markup=False,
    )
    console.print(f"  by email: {len(emails)}", markup=False)
    console.print(
        f"  by text message: {len(texts)} ({_text_cost(chosen).fragments} text message part(s) "
        "to pay for, beyond any free allowance)",
        markup=False,
    )
    if chosen.on_telegram:
        console.print(f"  already on Telegram, not sent: {len(chosen.on_telegram)}", markup=False)
    if nobody:
        console.print(
            f"  no email address or mobile number ({len(nobody)}), please send a letter: "
            + ", ".join(i.name for i in nobody),
            markup=False,
            soft_wrap=True,
        )


@app.command()
def guardians(
    class_code: str | None = typer.Option(None, "--class", help="The class code (4B)"),
    year: int | None = typer.Option(None, "--year", help="The year group (6)"),
    school: str | None = SCHOOL,
    yes: bool = typer.Option(False, "--yes", help="Send without asking to confirm"),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Invite every parent or carer of a class or year group by email or text message.

    Each is asked to link Telegram, or (known only by email) to confirm that address. A
    summary comes first: how many by email and by text message (and its cost in message
    parts), and who has no address at all. Sending twice on one day sends nothing new."""
    if (class_code is None) == (year is None):
        err_console.print("Say which pupils' parents: --class CODE or --year N (one of them).")
        raise typer.Exit(2)
    sessions = open_database(database)
    try:
        with sessions() as session, session.begin():
            chosen = invite_groups.plan(
                session, class_code=class_code, year=year, school_urn=school
            )
            _summary(chosen)
            if not any(i.channel for i in chosen.invitees):
                console.print("Nobody to send to.")
                return
            if not yes and not typer.confirm("Send these invitations now?"):
                console.print("Nothing was sent.")
                return
            queued = invite_groups.send(session, chosen, SystemClock().now())
    except LookupError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(
        f"{queued} invitation(s) queued; the outbox sends them (quiet hours respected).",
        markup=False,
    )
