"""The roster's settings.csv, on SQLite and PostgreSQL: read with the rest, all or nothing,
line-exact errors, recorded in the import's audit event, and safe to run again."""

from __future__ import annotations

import shutil
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.services import school_settings
from sendbot.store.models import AuditEvent, Pupil, School, Staff
from tests.test_roster_import import (
    EXAMPLES,
    Sessions,
    append,
    edit,
    import_errors,
    row_counts,
    run_import,
)


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    dest = tmp_path / "roster"
    shutil.copytree(EXAMPLES, dest)
    return dest


def the_school(sessions: Sessions) -> School:
    with sessions() as session:
        return session.scalars(select(School)).one()


def test_the_sample_settings_arrive(sessions: Sessions) -> None:
    report = run_import(sessions, EXAMPLES)

    counts = report.counts["settings"]
    assert (counts.created, counts.updated, counts.unchanged) == (5, 2, 1)
    school = the_school(sessions)
    assert (school.digest_time, school.quiet_start, school.quiet_end) == (
        time(7, 45),
        time(20, 30),
        time(7, 0),
    )
    with sessions() as session:
        settings = school_settings.load(session, school.id)
        events = list(session.scalars(select(AuditEvent)))
    assert settings.escalation_minutes == (15, 45)
    assert settings.out_of_hours == "next_school_day"
    assert settings.level("sen_support").review == "half_termly"
    assert settings.no_send_name == "Universal"
    assert settings.problems == ()
    (event,) = events
    assert event.action == "roster.import"
    assert event.details["counts"]["settings"]["created"] == 5
    assert event.details["settings_changed"]["digest_time"] == {"from": "07:30", "to": "07:45"}
    assert event.details["settings_changed"]["escalation_minutes"] == {
        "from": "15, 60",
        "to": "15, 45",
    }


def test_running_it_again_changes_nothing(sessions: Sessions, roster: Path) -> None:
    run_import(sessions, roster)
    before = row_counts(sessions)

    again = run_import(sessions, roster)

    counts = again.counts["settings"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 8)
    with sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and "settings_changed" not in last.details
    after = row_counts(sessions)
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before

    edit(roster / "settings.csv", "digest_time,07:45", "digest_time,08:00")
    changed = run_import(sessions, roster).counts["settings"]
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 7)
    assert the_school(sessions).digest_time == time(8, 0)


def test_settings_alone_for_the_one_school(sessions: Sessions, tmp_path: Path) -> None:
    run_import(sessions, EXAMPLES / "school.csv")
    (tmp_path / "settings.csv").write_text(
        "Setting,Value\nquiet_hours_start,22:00\nquiet_hours_end,06:00\n", encoding="utf-8"
    )

    report = run_import(sessions, tmp_path / "settings.csv")

    assert list(report.counts) == ["settings"]
    school = the_school(sessions)
    assert (school.quiet_start, school.quiet_end) == (time(22), time(6))  # across midnight


def test_a_bad_line_is_named_and_nothing_is_imported(sessions: Sessions, roster: Path) -> None:
    edit(roster / "settings.csv", "quiet_hours_start,20:30", "quiet_hours_start,25:00")
    unknown = append(roster / "settings.csv", "colour,blue")
    twice = append(roster / "settings.csv", "digest_time,08:00")
    empty = append(roster / "settings.csv", "no_send_name,")

    assert import_errors(sessions, roster) == [
        "settings.csv line 3: quiet_hours_start must be a time of day like 20:00, not '25:00'",
        f"settings.csv line {unknown}: There is no setting called 'colour'. "
        "`sendbot school show` lists them all.",
        f"settings.csv line {twice}: digest_time is also set on line 2",
        f"settings.csv line {empty}: value is empty",
    ]
    assert row_counts(sessions) == dict.fromkeys(row_counts(sessions), 0)


def test_on_call_staff_must_be_the_schools_active_staff(sessions: Sessions, tmp_path: Path) -> None:
    run_import(sessions, EXAMPLES)
    with sessions() as session:
        senco = session.scalars(select(Staff.id).where(Staff.email.like("%senco%"))).first()
    assert senco is not None
    (tmp_path / "settings.csv").write_text(
        f'setting,value\nout_of_hours,on_call\non_call_staff_ids,"{senco}, 99999"\n',
        encoding="utf-8",
    )
    assert import_errors(sessions, tmp_path / "settings.csv") == [
        "settings.csv line 3: on_call_staff_ids must be ids of this school's active staff; "
        "99999 is not"
    ]
    (tmp_path / "settings.csv").write_text(
        f"setting,value\nout_of_hours,on_call\non_call_staff_ids,{senco}\n", encoding="utf-8"
    )
    run_import(sessions, tmp_path / "settings.csv")
    with sessions() as session:
        settings = school_settings.load(session, the_school(sessions).id)
    assert (settings.out_of_hours, settings.on_call_staff_ids) == ("on_call", (senco,))


def test_dsl_holiday_cover_from_settings_csv(sessions: Sessions, tmp_path: Path) -> None:
    run_import(sessions, EXAMPLES)
    (tmp_path / "settings.csv").write_text(
        "setting,value\ndsl_holiday_cover,99999\ndsl_holiday_cover_copies_dsl,nobody@x.example\n",
        encoding="utf-8",
    )
    assert import_errors(sessions, tmp_path / "settings.csv") == [
        "settings.csv line 2: dsl_holiday_cover must be ids of this school's active staff; "
        "99999 is not",
        "settings.csv line 3: dsl_holiday_cover_copies_dsl must be yes or no, not "
        "'nobody@x.example'",
    ]
    (tmp_path / "settings.csv").write_text(
        "setting,value\ndsl_holiday_cover,nobody@millbrook.example\n", encoding="utf-8"
    )
    assert import_errors(sessions, tmp_path / "settings.csv") == [
        "settings.csv line 2: dsl_holiday_cover: no active member of this school's staff has "
        "the email or MIS id 'nobody@millbrook.example'"
    ]
    (tmp_path / "settings.csv").write_text(
        "setting,value\ndsl_holiday_cover,g.penrose@millbrook.example; S01\n"
        "dsl_holiday_cover_copies_dsl,yes\n",
        encoding="utf-8",
    )
    run_import(sessions, tmp_path / "settings.csv")
    with sessions() as session:
        settings = school_settings.load(session, the_school(sessions).id)
        named = {
            session.scalars(select(Staff.id).where(Staff.external_id == mis_id)).one()
            for mis_id in ("S01", "S02")
        }
    assert set(settings.dsl_holiday_cover) == named and settings.dsl_holiday_cover_copies_dsl


def test_values_wrong_together_are_named_on_the_later_line(
    sessions: Sessions, tmp_path: Path
) -> None:
    run_import(sessions, EXAMPLES)
    (tmp_path / "settings.csv").write_text(
        "setting,value\noffice_hours.end,09:00\nescalation_minutes,5\noffice_hours.start,10:00\n",
        encoding="utf-8",
    )
    assert import_errors(sessions, tmp_path / "settings.csv") == [
        "settings.csv line 4: office_hours.start (10:00) must be before office_hours.end "
        "(09:00): office hours cannot run past midnight"
    ]
    # The school's stored values count too: 17:00 is after the default 16:30 end.
    (tmp_path / "settings.csv").write_text(
        "setting,value\noffice_hours.start,17:00\n", encoding="utf-8"
    )
    assert import_errors(sessions, tmp_path / "settings.csv") == [
        "settings.csv line 2: office_hours.start (17:00) must be before office_hours.end "
        "(16:30): office hours cannot run past midnight"
    ]
    with sessions() as session:
        assert school_settings.load(session, the_school(sessions).id).escalation_minutes == (
            15,
            45,
        )


def test_the_command_shows_the_settings_row(sessions: Sessions, db_url: str) -> None:
    result = CliRunner().invoke(app, ["import", "roster", str(EXAMPLES), "--database", db_url])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith(" settings"))
    assert row.split()[1:] == ["│", "5", "│", "2", "│", "1", "│", "0", "│", "0"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Pupil)) == 8
