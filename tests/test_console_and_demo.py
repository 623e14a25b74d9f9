"""The console transport and the demo, driven as a person at a terminal would drive them."""

from __future__ import annotations

import email
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from itertools import takewhile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.clock import FrozenClock
from tests.factories import build_small_school

runner = CliRunner()


def test_chat_as_a_teacher_with_piped_input_logs_a_concern(sessions, db_url) -> None:
    build_small_school(sessions)
    lines = "concern\nZoe\nShe hid under the table in maths.\nskip\nnow\nskip\n1\n3\nno\nskip\nskip\n1\nquit\n"
    result = runner.invoke(
        app, ["chat", "--as", "teacher@oakfield.example", "--database", db_url], input=lines
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Hello Hannah. What would you like to do?\n  1. Log a concern")
    assert "\n> Zoe\nWhat happened?" in result.output
    assert "Saved as concern #1. The SENCO has been told. Thank you." in result.output
    assert result.output.rstrip().endswith("Goodbye. Anything unfinished is kept for next time.")


def test_chat_refuses_an_unknown_email_kindly(sessions, db_url) -> None:
    build_small_school(sessions)
    result = runner.invoke(app, ["chat", "--as", "nobody@oakfield.example", "--database", db_url])
    assert result.exit_code == 1
    assert "No active staff member has the email nobody@oakfield.example." in result.output


def test_demo_walkthrough_logs_the_concerns_follows_the_dsl_and_shows_the_rows(
    tmp_path: Path,
) -> None:
    database = tmp_path / "tour.db"
    result = runner.invoke(app, ["demo", "--walkthrough", "--database", str(database)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Saved as concern #1. The SENCO has been told. Thank you." in out
    assert "I couldn't find a pupil called 'Xenia' on roll at your school." in out
    assert "2 pupils match 'Walsh'. Which one do you mean?" in out
    assert "the limit is 2,000" in out
    assert "=== Acting as Denise Varley (other staff member" in out
    assert "- Pupil: Xavier Bamford (Year 2 - Hazels)" in out
    assert "Saved as safeguarding concern #2." in out
    assert "Saved as safeguarding concern #3." in out
    assert "That is in the future. Please say when it happened" in out
    assert "4 present, 2 absent, 3 target ratings." in out
    assert "Interventions this term: Reading catch-up." in out
    assert "Due in the next 14 days (1 overdue):" in out
    assert list((tmp_path / "exports").glob("provision-map-*.csv"))
    # The DSL: a decision with its reason, the concern's page, the chronology for a conference.
    assert "Recorded: referral to children's social care for Isaac Walsh (concern 3)." in out
    assert "Here is your sign-in link to concern #3." in out
    assert "http://localhost:8080/staff/sign-in/" in out
    assert (tmp_path / "exports" / "chronology.pdf").read_bytes().startswith(b"%PDF")
    assert "=== One EHC annual review, from the reminder to the LA's decision ===" in out
    assert "Meeting booked for " in out
    assert "(attached: meeting.ics," in out
    assert "EHC plan annual review on " in out and " was held." in out
    assert "Recorded for Zainab Qureshi: the local authority decided on " in out
    assert "Recorded for Zainab Qureshi: amendment notice" in out
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        concerns = (
            conn.execute(text("select safeguarding from concern order by id")).scalars().all()
        )
        audit = conn.execute(
            text("select count(*) from audit_event where action = 'concern.create'")
        ).scalar()
        alerts = conn.execute(
            text("select count(*) from outbox where template = 'safeguarding.alert'")
        ).scalar()
    engine.dispose()
    assert [bool(c) for c in concerns] == [False, True, True]
    assert audit == 3
    assert alerts >= 1


def test_demo_keeps_earlier_work_and_lets_the_user_choose_who_to_be(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    first = runner.invoke(
        app, ["demo", "--database", str(database)], input="1\nconcern\nAmelia\nquit\n"
    )
    assert first.exit_code == 0, first.output
    assert "Built Brookfield Primary School" in first.output
    assert "Who would you like to be?" in first.output
    second = runner.invoke(
        app,
        ["demo", "--database", str(database), "--as", "teacher@brookfield.example"],
        input="quit\n",
    )
    assert "Opened Brookfield Primary School" in second.output
    assert "You have an unfinished log a concern. Let's carry on." in second.output
    assert "What happened?" in second.output


def test_the_demo_user_can_be_the_lunchtime_supervisor_and_report_any_child(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.db"
    lines = [
        "7",  # the seventh login: the midday supervisor
        "concern",
        "Xavier",  # Year 2, a class she has nothing to do with
        "Xavier was crying by the bins and said nobody collects him.",
        "nobody comes for me",  # his own words
        "now",
        "By the bins",
        "2",  # the child told me
        "3",  # social, emotional and mental health
        "no",  # not safeguarding
        "Walked him to the office",  # what she did
        "skip",  # who else was told
        "1",  # Save
        "quit",
    ]
    result = runner.invoke(app, ["demo", "--database", str(database)], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    assert "lunchtime@brookfield.example" in result.output
    assert "Hello Denise." in result.output
    assert "- Pupil: Xavier Bamford (Year 2 - Hazels)" in result.output
    assert "Saved as concern #" in result.output


def test_in_the_demo_a_booked_review_reaches_parents_by_email_file_and_printed_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kacper's mother has only an email address, his father only a mobile number: the
    SENCO books his review and, before her next line, the mother's invitation is an .eml
    file beside the demo database and the father's text message is printed, each with its
    link to the page `sendbot serve` shows."""
    morning = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday
    monkeypatch.setattr("sendbot.cli.demo.SystemClock", lambda: FrozenClock(morning))
    database = tmp_path / "demo.db"
    lines = ["meeting", "Kacper", "1", "08/12/2026", "15:30", "3", "1", "Room 4", "skip", "1"]
    result = runner.invoke(
        app,
        ["demo", "--database", str(database), "--as", "senco@brookfield.example"],
        input="\n".join([*lines, "quit"]),
    )
    assert result.exit_code == 0, result.output
    out = result.output
    mail = tmp_path / "demo-mail"
    assert f"Email to parents is written into {mail} (.eml files)" in out
    assert f"SENDBOT_DATABASE_URL=sqlite:///{database}" in out
    assert "By text message: Tomasz Wiśniewski." in out
    link = r"http://localhost:8080/p/[A-Za-z0-9_-]{22}"
    # The text message as his phone shows it: the indented lines under its heading, in
    # whichever order the demo delivered the two parents' messages.
    after = out.split("--> Tomasz Wiśniewski (parent/carer) [sms]\n")[1].splitlines()
    sms = list(takewhile(lambda line: line.startswith("    ") or not line, after))
    sms = [line.strip() for line in sms if line.strip()]
    assert sms[0] == "Dzień dobry Tomasz," and re.fullmatch(link, sms[-1])
    written = re.findall(
        r"\(the email to Magdalena Wiśniewska \(parent/carer\) as sent: (.+)\)", out
    )
    assert written and all(Path(w).parent == mail for w in written)
    parsed = email.message_from_bytes(Path(written[0]).read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage) and parsed.is_multipart()
    assert parsed["To"] == "parent.pl@family.example"
    body = parsed.get_body(("plain",))
    assert body is not None and re.search(link, body.get_content())
    # The rows for anyone else stay in the outbox, untouched: none is marked failed.
    with create_engine(f"sqlite:///{database}").connect() as db:
        rows = db.execute(text("select status, count(*) from outbox group by status")).all()
    statuses = {status: count for status, count in rows}
    assert statuses.get("sent", 0) >= 2
    assert "failed" not in statuses and "blocked" not in statuses


def test_in_the_demo_parents_email_and_text_wait_for_the_end_of_quiet_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr("sendbot.cli.demo.SystemClock", lambda: FrozenClock(evening))
    database = tmp_path / "demo.db"
    lines = ["meeting", "Kacper", "1", "08/12/2026", "15:30", "3", "1", "Room 4", "skip", "1"]
    result = runner.invoke(
        app,
        ["demo", "--database", str(database), "--as", "senco@brookfield.example"],
        input="\n".join([*lines, "quit"]),
    )
    assert result.exit_code == 0, result.output
    assert (
        "(2 messages to parents by email or text wait for the end of the school's quiet hours, "
        "as they would.)"
    ) in result.output
    assert "[sms]" not in result.output
    assert not list((tmp_path / "demo-mail").glob("*.eml"))
