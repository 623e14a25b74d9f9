"""`sendbot pupil leaving|cp-file`: a pupil leaving, and their child protection file's transfer.

The leaving date and the new school usually come with the roster (`leaving_on`,
`destination_school` in pupils.csv); `sendbot pupil leaving` records them between imports,
as the school office would. Leaving is a fact from the MIS, recorded once per pupil, so it
is a command beside the import rather than a chat flow. The file's steps are the DSL's:
`cp-file` acts as a named member of staff (`--as EMAIL`) and the policy decides, as the
prompt's buttons do, so only the DSL and deputies can record them.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.cli.common import console, err_console, open_database
from sendbot.cli.school import DATABASE_HELP, SCHOOL_HELP, the_school
from sendbot.clock import SystemClock
from sendbot.domain.people import year_label
from sendbot.services import cp_files, policy
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.services.roster import parse_date
from sendbot.store.models import Pupil, School

app = typer.Typer(
    help="A pupil leaving, and their child protection file's transfer.", no_args_is_help=True
)
cp_file = typer.Typer(
    help="A leaving pupil's child protection file (the DSL and deputies).", no_args_is_help=True
)
app.add_typer(cp_file, name="cp-file")

PUPIL_HELP = "The pupil's MIS id, as in pupils.csv"
AS_HELP = "Email of the DSL or deputy you act as"


def _say(text: str, *, error: bool = False) -> None:
    (err_console if error else console).print(text, markup=False, highlight=False, soft_wrap=True)


def _date(text: str | None, school: School) -> date:
    if text is None:
        return SystemClock().now().astimezone(ZoneInfo(school.timezone)).date()
    try:
        return parse_date(text)
    except ValueError as exc:
        _say(f"'{text}' {exc}", error=True)
        raise typer.Exit(2) from None


def _pupil(session: Session, school: School, external_id: str) -> Pupil:
    found = session.scalar(
        select(Pupil).where(Pupil.school_id == school.id, Pupil.external_id == external_id)
    )
    if found is None:
        _say(f"No pupil with MIS id {external_id} in {school.name}.", error=True)
        raise typer.Exit(1)
    return found


def _actor(session: Session, email: str) -> StaffActor:
    actor = staff_actor_by_email(session, email)
    if actor is None:
        _say(f"No active staff member has the email {email}.", error=True)
        raise typer.Exit(1)
    return actor


@app.command("leaving")
def leaving(
    pupil: str = typer.Argument(..., help=PUPIL_HELP),
    on: str | None = typer.Option(None, "--on", help="Last day on roll (dd/mm/yyyy)"),
    to: str | None = typer.Option(None, "--to", help="The new school"),
    clear: bool = typer.Option(False, "--clear", help="The pupil is not leaving after all"),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Record the day a pupil leaves and their new school (or take it back with --clear)."""
    if clear == (on is not None):
        _say("Give --on DATE, or --clear.", error=True)
        raise typer.Exit(2)
    sessions = open_database(database)
    now = SystemClock().now()
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = now
        found = the_school(session, school)
        row = _pupil(session, found, pupil)
        day = None if clear else _date(on, found)
        try:
            changed = cp_files.mark_leaving(session, row, day, None if clear else to, now)
        except ValueError as exc:
            _say(str(exc), error=True)
            raise typer.Exit(2) from None
        name = row.display_name
    if not changed:
        _say(f"{name}: nothing changed.")
    elif day is None:
        _say(f"{name} is no longer marked as leaving.")
    else:
        _say(
            f"{name} leaves on {day:%A %-d %B %Y}. If they have a child protection file, "
            "the DSL is prompted to send it to the new school."
        )


def _step(
    step: str,
    pupil: str,
    as_email: str,
    on: str | None,
    by: str | None,
    school: str | None,
    database: str | None,
) -> None:
    sessions = open_database(database)
    now = SystemClock().now()
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = now
        found = the_school(session, school)
        row = _pupil(session, found, pupil)
        actor = _actor(session, as_email)
        day = _date(on, found)
        try:
            if step == "flag":
                cp_files.flag_file(session, actor, row.id, now)
                text = f"{row.display_name} has a child protection file."
            elif step == "sent":
                cp_files.record_sent(session, actor, row.id, day, now)
                text = f"{row.display_name}'s child protection file was sent on {day:%-d %B %Y}."
            else:
                cp_files.record_receipt(session, actor, row.id, day, now, by)
                who = f" by {by.strip()}" if by and by.strip() else ""
                text = (
                    f"The new school confirmed receipt of {row.display_name}'s child "
                    f"protection file on {day:%-d %B %Y}{who}. Nothing more is due."
                )
        except (cp_files.NotAllowed, LookupError, ValueError) as exc:
            _say(str(exc), error=True)
            raise typer.Exit(2) from None
    _say(text)


@cp_file.command("flag")
def flag(
    pupil: str = typer.Argument(..., help=PUPIL_HELP),
    as_email: str = typer.Option(..., "--as", help=AS_HELP),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Say a pupil has a child protection file kept outside sendbot."""
    _step("flag", pupil, as_email, None, None, school, database)


@cp_file.command("sent")
def sent(
    pupil: str = typer.Argument(..., help=PUPIL_HELP),
    as_email: str = typer.Option(..., "--as", help=AS_HELP),
    on: str | None = typer.Option(None, "--on", help="The day it was sent (default today)"),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Record that the file went to the new school."""
    _step("sent", pupil, as_email, on, None, school, database)


@cp_file.command("received")
def received(
    pupil: str = typer.Argument(..., help=PUPIL_HELP),
    as_email: str = typer.Option(..., "--as", help=AS_HELP),
    on: str | None = typer.Option(None, "--on", help="The day receipt was confirmed"),
    by: str | None = typer.Option(None, "--by", help="Who at the new school confirmed it"),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """Record the new school's confirmation of receipt: the deadline is met."""
    _step("received", pupil, as_email, on, by, school, database)


@cp_file.command("list")
def waiting(
    as_email: str = typer.Option(..., "--as", help=AS_HELP),
    school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
) -> None:
    """The files still waiting for the new school's confirmation of receipt."""
    sessions = open_database(database)
    with sessions() as session:
        found = the_school(session, school)
        actor = _actor(session, as_email)
        if actor.school_id != found.id or not policy.may_list_safeguarding(actor):
            _say("Only the designated safeguarding lead and deputies can see these.", error=True)
            raise typer.Exit(2)
        items = cp_files.waiting(session, found.id)
        external = {
            p.id: p.external_id
            for p in session.scalars(select(Pupil).where(Pupil.school_id == found.id))
        }
    if not items:
        _say("No child protection file is waiting to be transferred.")
        return
    for item in items:
        due = f", due {item.due_on:%a %-d %b %Y}" if item.due_on else ""
        sent_words = f", sent {item.sent_on:%-d %b}" if item.sent_on else ", not sent yet"
        _say(
            f"{external[item.pupil_id]} {item.name} ({year_label(item.year_group)}): leaves "
            f"{item.leaving_on:%a %-d %b %Y} for {item.destination or 'a school not recorded'}"
            f"{due}{sent_words}"
        )
