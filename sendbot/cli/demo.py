"""`sendbot demo`: a synthetic school in a local SQLite file, in this terminal."""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from sendbot.cli.common import console, err_console
from sendbot.cli.export_provision import provision_map_command
from sendbot.cli.safeguarding import chronology_command
from sendbot.clock import Clock, FrozenClock, SystemClock
from sendbot.config import get_settings
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.demo import walkthrough as tour
from sendbot.demo.build import build_demo, open_demo
from sendbot.demo.post import DEMO_WEB_URL, DemoPost, ParentsPost, mail_folder
from sendbot.demo.school import DEMO_LOGINS, DEMO_SCHOOL_NAME
from sendbot.handlers.console import chat as console_chat
from sendbot.services import guardian_channels
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.store.crypto import KeyringError

LONDON = ZoneInfo("Europe/London")


def _people(sessions: sessionmaker[Session]) -> list[tuple[str, StaffActor]]:
    """The demo's fixed logins, one per role, with who they are."""
    found: list[tuple[str, StaffActor]] = []
    with sessions() as session:
        for email in DEMO_LOGINS.values():
            actor = staff_actor_by_email(session, email)
            if actor is not None:
                found.append((email, actor))
    return found


def demo(
    walkthrough: bool = typer.Option(
        False, "--walkthrough", help="Run the scripted tour unattended and print it"
    ),
    reset: bool = typer.Option(
        False, "--reset", help="Throw away the demo school and make a new one"
    ),
    as_email: str | None = typer.Option(None, "--as", help="Start the chat as this person"),
    database: Path | None = typer.Option(
        None, help="SQLite file for the demo (default SENDBOT_DEMO_DATABASE)"
    ),
) -> None:
    """Open a chat with a synthetic primary school, or watch the scripted tour."""
    settings = get_settings()
    # The demo prints its families' email and text messages: every channel counts.
    guardian_channels.send_by(guardian_channels.CHANNELS)
    clock: Clock = SystemClock()
    today = clock.now().astimezone(LONDON).date()
    if walkthrough:
        _walkthrough(settings.web_url or DEMO_WEB_URL, database, today)
        return
    path = database or settings.demo_database
    try:
        sessions, built = open_demo(path, today, reset)
    except KeyringError as exc:  # the demo was built with another key: one line, and stop
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    console.print(
        f"{'Built' if built else 'Opened'} {DEMO_SCHOOL_NAME} in {path} "
        f"({'a new synthetic school' if built else 'your earlier work is still there; --reset starts again'})."
    )
    rows = _people(sessions)
    table = Table(title="Who you can act as")
    for column in ("#", "email", "name", "role"):
        table.add_column(column, no_wrap=column == "email")  # an email must be copyable whole
    for i, (email, actor) in enumerate(rows, start=1):
        table.add_row(str(i), email, actor.name, ", ".join(sorted(r.label for r in actor.roles)))
    console.print(table)
    engine = Engine(
        sessions,
        REGISTRY,
        clock,
        ttl=timedelta(hours=settings.conversation_ttl_hours),
        web_url=settings.web_url,
    )
    actor = _choose(sessions, rows, as_email)
    web_url = settings.web_url or DEMO_WEB_URL
    post = DemoPost(f"sqlite:///{path}", mail_folder(path), web_url, DEMO_SCHOOL_NAME)
    console.print(
        f"Email to parents is written into {post.mail_dir} (.eml files) and text messages are "
        f"shown here. Their links open with SENDBOT_DATABASE_URL=sqlite:///{path} "
        f"SENDBOT_WEB_URL={web_url} sendbot serve.",
        markup=False,
        soft_wrap=True,  # a path and a command must be copyable whole
    )
    console.print(f"You are {actor.name}. Type 'menu' for what you can do, 'quit' to leave.\n")
    parents_post = ParentsPost(post, sessions, clock, sys.stdout)
    console_chat.run(
        engine,
        actor,
        sys.stdin,
        sys.stdout,
        echo=not sys.stdin.isatty(),
        after_each=parents_post.deliver,
    )


def _walkthrough(web_url: str, database: Path | None, today: date) -> None:
    """The scripted tour, on a fresh demo school, printed."""
    day = tour.walkthrough_day(today)
    clock = FrozenClock(datetime.combine(day, time(10, 30), LONDON))
    path = database or Path(tempfile.mkdtemp(prefix="sendbot-walkthrough-")) / "walkthrough.db"
    console.print(f"Building {DEMO_SCHOOL_NAME} in {path}; the tour is set on {day:%A %-d %B %Y}.")
    sessions = build_demo(path, day)
    # View details answers with a link to the concern's page on `sendbot serve`.
    engine = Engine(sessions, REGISTRY, clock, web_url=web_url)
    # Parents' email as .eml files beside the database, their links to the same pages.
    post = DemoPost(f"sqlite:///{path}", mail_folder(path), web_url, DEMO_SCHOOL_NAME)
    tour.run(
        engine,
        sessions,
        sys.stdout,
        f"sqlite:///{path}",
        path.parent / "exports",
        provision_map_command=provision_map_command,
        chronology_command=chronology_command,
        post=post,
    )
    console.print(f"\nThe tour's database is {path}: open it with sqlite3 to look around.")
    console.print(
        f"The parents' emails are in {post.mail_dir} (.eml files: open one with any mail "
        f"program). Their links open with SENDBOT_DATABASE_URL=sqlite:///{path} "
        f"SENDBOT_WEB_URL={web_url} sendbot serve (until each meeting is over).",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"To read the DSL's pages in a browser: SENDBOT_DATABASE_URL=sqlite:///{path} "
        f"SENDBOT_WEB_URL={web_url} sendbot serve, then type 'sign in' in "
        f"sendbot demo --database {path} --as {DEMO_LOGINS['dsl']} for a fresh link "
        "(the tour's link was made at the tour's own time and lasts 10 minutes).",
        markup=False,
    )


def _choose(
    sessions: sessionmaker[Session], rows: list[tuple[str, StaffActor]], as_email: str | None
) -> StaffActor:
    if as_email:
        with sessions() as session:
            actor = staff_actor_by_email(session, as_email)
        if actor is None:
            err_console.print(f"Nobody at the demo school has the email {as_email}.")
            raise typer.Exit(1)
        return actor
    while True:
        console.print(f"Who would you like to be? Type a number from 1 to {len(rows)}: ", end="")
        line = sys.stdin.readline()
        if not line:
            raise typer.Exit(0)
        choice = line.strip()
        if not sys.stdin.isatty():
            console.print(choice)
        if choice.isdigit() and 1 <= int(choice) <= len(rows):
            return rows[int(choice) - 1][1]
        console.print("Please type one of the numbers in the table.")
