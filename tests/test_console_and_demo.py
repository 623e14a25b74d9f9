"""The console transport and the demo, driven as a person at a terminal would drive them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from sendbot.cli import app
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
