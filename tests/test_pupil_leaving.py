"""Marking a pupil as leaving, from the roster and the command line, and the DSL's steps for
their child protection file: the leaving date feeds the KCSIE deadline, only for a pupil
with a file, and receipt confirmed closes it; only the DSL and deputies record the steps."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from sendbot.cli import app
from sendbot.services import cp_files
from sendbot.services.actors import staff_actor_by_email
from sendbot.store.models import AuditEvent, Deadline, Pupil
from tests.factories import NOW, SmallSchool
from tests.test_roster_import import EXAMPLES, Sessions, import_errors, pupil, run_import

RULE = "safeguarding.cp_file_transfer"


def _deadline(sessions: Sessions, pupil_id: int) -> tuple[date, str] | None:
    with sessions() as session:
        row = session.scalar(
            select(Deadline).where(Deadline.subject_id == pupil_id, Deadline.kind == RULE)
        )
        return (row.due_on, row.status) if row else None


def _with_leaving_columns(folder: Path, rows: dict[str, str]) -> Path:
    """pupils.csv with `leaving_on` and `destination_school` added, filled for `rows`."""
    path = folder / "pupils.csv"
    lines = (EXAMPLES / "pupils.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",leaving_on,destination_school"]
    for line in lines[1:]:
        out.append(line + "," + rows.get(line.split(",")[0], ","))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_the_roster_marks_pupils_leaving_and_a_file_starts_the_clock(
    sessions: Sessions, tmp_path: Path
) -> None:
    roster = tmp_path / "roster"
    shutil.copytree(EXAMPLES, roster)
    run_import(sessions, roster)
    with sessions() as session, session.begin():
        dsl = staff_actor_by_email(session, "g.penrose@millbrook.example")
        assert dsl is not None
        cp_files.flag_file(session, dsl, pupil(session, "P002").id, NOW)
    leaving = {"P002": "18/12/2026,Harbourside Academy", "P001": "18/12/2026,Harbourside Academy"}
    run_import(sessions, _with_leaving_columns(roster, leaving))
    with sessions() as session:
        zofia, oliver = pupil(session, "P002"), pupil(session, "P001")
        assert (zofia.leaving_on, zofia.destination_school) == (
            date(2026, 12, 18),
            "Harbourside Academy",
        )
        audited = session.scalars(
            select(AuditEvent.pupil_id).where(AuditEvent.action == "pupil.leaving")
        ).all()
        assert sorted(audited) == sorted([zofia.id, oliver.id])
    # No term dates are set up: 5 working days (21 to 24 December, then 29 December: 25 and
    # 28 December are bank holidays), never later than 5 school days would be.
    assert _deadline(sessions, zofia.id) == (date(2026, 12, 29), "open")
    assert _deadline(sessions, oliver.id) is None  # no child protection file: no clock

    # An empty cell keeps the date; a school without a date is refused with its line.
    run_import(sessions, _with_leaving_columns(roster, {}))
    assert _deadline(sessions, zofia.id) == (date(2026, 12, 29), "open")
    _with_leaving_columns(roster, {"P003": ",Harbourside Academy"})
    assert import_errors(sessions, roster / "pupils.csv") == [
        "pupils.csv line 4: destination school is given but leaving date is empty"
    ]


def run(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["pupil", *args, "--school", "900001", "--database", db_url])


def test_the_command_line_marks_leaving_and_the_dsl_records_the_transfer(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    amelia = school.pupils["amelia"]
    marked = run(db_url, "leaving", "P-Amelia-Khan", "--on", "11/12/2026", "--to", "Elm Grove")
    assert marked.exit_code == 0, marked.output
    assert marked.stdout.startswith("Amelia Khan leaves on Friday 11 December 2026.")
    assert _deadline(sessions, amelia) is None  # no file yet

    teacher = run(db_url, "cp-file", "flag", "P-Amelia-Khan", "--as", "teacher@oakfield.example")
    assert teacher.exit_code == 2
    assert "Only the designated safeguarding lead and deputies" in teacher.stderr
    flagged = run(db_url, "cp-file", "flag", "P-Amelia-Khan", "--as", "dsl@oakfield.example")
    assert flagged.exit_code == 0, flagged.output
    assert _deadline(sessions, amelia) == (date(2026, 12, 18), "open")

    listed = run(db_url, "cp-file", "list", "--as", "deputy@oakfield.example")
    assert listed.exit_code == 0, listed.output
    assert " ".join(listed.stdout.split()) == (
        "P-Amelia-Khan Amelia Khan (Year 3): leaves Fri 11 Dec 2026 for Elm Grove, "
        "due Fri 18 Dec 2026, not sent yet"
    )
    senco = run(db_url, "cp-file", "list", "--as", "senco@oakfield.example")
    assert senco.exit_code == 2

    sent = run(
        db_url,
        "cp-file",
        "sent",
        "P-Amelia-Khan",
        "--as",
        "dsl@oakfield.example",
        "--on",
        "14/12/2026",
    )
    assert sent.exit_code == 0, sent.output
    received = run(
        db_url,
        "cp-file",
        "received",
        "P-Amelia-Khan",
        "--as",
        "deputy@oakfield.example",
        "--on",
        "15/12/2026",
        "--by",
        "the DSL at Elm Grove",
    )
    assert received.exit_code == 0, received.output
    assert (
        "confirmed receipt of Amelia Khan's child protection file on 15 December 2026 by the DSL at Elm Grove"
        in " ".join(received.stdout.split())
    )
    assert _deadline(sessions, amelia) == (date(2026, 12, 18), "met")
    with sessions() as session:
        row = session.get(Pupil, amelia)
        assert row is not None
        assert (row.cp_file_sent_on, row.cp_file_received_on, row.cp_file_received_by) == (
            date(2026, 12, 14),
            date(2026, 12, 15),
            "the DSL at Elm Grove",
        )

    # Not leaving after all: an open deadline is cancelled; a met one stays, with its record.
    ruby = school.pupils["ruby"]
    assert run(db_url, "leaving", "P-Ruby-Khan", "--on", "11/12/2026").exit_code == 0
    assert (
        run(db_url, "cp-file", "flag", "P-Ruby-Khan", "--as", "dsl@oakfield.example").exit_code == 0
    )
    assert _deadline(sessions, ruby) == (date(2026, 12, 18), "open")
    for external_id in ("P-Ruby-Khan", "P-Amelia-Khan"):
        cleared = run(db_url, "leaving", external_id, "--clear")
        assert cleared.exit_code == 0, cleared.output
    assert _deadline(sessions, ruby) == (date(2026, 12, 18), "cancelled")
    assert _deadline(sessions, amelia) == (date(2026, 12, 18), "met")
    with sessions() as session:
        row = session.get(Pupil, amelia)
        assert row is not None and row.cp_file_received_on == date(2026, 12, 15)
