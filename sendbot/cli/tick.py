"""`sendbot tick`: fast-forward a simulated clock through the jobs and print what is sent.

Runs against the database it is given (the demo's by default is your choice: use
`--database sqlite:///sendbot-demo.db`), moving its clock only: messages are printed, never
sent to Slack or Telegram, and recorded in that database as sent.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import typer

from sendbot.cli.common import console, err_console, open_database
from sendbot.clock import FrozenClock, SystemClock
from sendbot.scheduling.fastforward import FastForward


def parse_when(text: str, tz: str = "Europe/London") -> datetime:
    """ISO date or date-time; without a zone it is school time (Europe/London)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date-time like 2027-02-15 or 2027-02-15T09:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def tick(
    until: str = typer.Option(
        ..., "--until", help="Run the clock to here (school time unless a zone is given)"
    ),
    start: str | None = typer.Option(None, "--from", help="Start the clock here (default: now)"),
    quiet: bool = typer.Option(False, "--quiet", help="Only print the summary"),
    hold_reviews: bool = typer.Option(
        False,
        "--hold-reviews",
        help="Answer each 'Was it held?' with Held, as the SENCO asked would tap it",
    ),
    book_reviews: bool = typer.Option(
        False,
        "--book-reviews",
        help="Book each review the reminders ask for, as the SENCO would (writes the "
        "bookings: for the demo or a copy)",
    ),
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """Advance a simulated clock through reminders, digests and escalations."""
    begin = parse_when(start) if start else SystemClock().now()
    end = parse_when(until)
    if end <= begin:
        err_console.print("--until must be after the start.")
        raise typer.Exit(2)
    sessions = open_database(database)
    clock = FrozenClock(begin)
    ff = FastForward(
        sessions,
        clock,
        stream=None if quiet else sys.stdout,
        hold_reviews=hold_reviews,
        book_reviews=book_reviews,
    )
    delivered = asyncio.run(ff.run_until(end))
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(ff.report.counts.items()) if v)
    console.print(
        f"Clock moved from {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC; "
        f"{len(delivered)} message{'s' if len(delivered) != 1 else ''} delivered"
        + (f" ({counts})." if counts else "."),
        highlight=False,
    )
