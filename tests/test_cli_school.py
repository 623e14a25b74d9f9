"""`sendbot school show|set`, on SQLite and PostgreSQL: every setting shown, a good value
saved and audited, a bad one refused in one line with nothing changed, and a review cycle
that moves the deadlines it governs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.domain.school_settings import SETTINGS
from sendbot.services import audit, deadlines, school_settings
from sendbot.services.records import CliActor
from sendbot.services.school_settings_changes import change
from sendbot.store.models import AuditEvent, Deadline, School, Staff, SupportPlan
from tests.factories import SmallSchool

Sessions = sessionmaker[Session]
NOW = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def run(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["school", *args, "--database", db_url])


def audit_events(sessions: Sessions, action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def review_due(sessions: Sessions, pupil_id: int) -> date:
    with sessions() as session:
        return session.scalars(
            select(Deadline.due_on).where(
                Deadline.pupil_id == pupil_id, Deadline.kind == "sen_support.review"
            )
        ).one()


def test_show_lists_every_setting_with_its_value_default_and_meaning(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    with sessions() as session, session.begin():
        found = session.get(School, school.school_id)
        assert found is not None
        found.settings = {"escalation_minutes": [10, 30]}

    result = run(db_url, "show", "--school", "900001")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Settings of Oakfield Primary School (URN 900001)" in result.stdout
    for setting in SETTINGS:
        assert any(setting.key in line for line in lines), setting.key
    escalation = next(line for line in lines if "escalation_minutes" in line)
    assert "10, 30" in escalation and "no (15, 60)" in escalation
    assert escalation.split("│")[4].strip().startswith("Minutes")  # what it means, folded
    digest = next(line for line in lines if "digest_time" in line)
    assert "07:30" in digest and "│ yes " in digest
    on_call = " ".join(result.stdout.split()).split(
        "Ids for on_call_staff_ids and dsl_holiday_cover: "
    )[1]
    assert on_call.startswith(f"{school.staff['dsl']} Martin Shaw (dsl); ")
    assert f"{school.staff['deputy']} Priya Patel (deputy_dsl)" in on_call


def test_more_than_one_school_needs_school(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    result = run(db_url, "show")
    assert result.exit_code == 1
    assert result.stderr.strip() == "This database holds 2 schools: say which with --school URN."
    result = run(db_url, "set", "digest_time", "08:00", "--school", "999999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "No school with id or URN 999999."


def test_the_only_school_needs_no_school_option(sessions: Sessions, db_url: str) -> None:
    with sessions() as session, session.begin():
        session.add(School(name="Solo Primary", urn="900100"))
    result = run(db_url, "set", "quiet_hours_start", "21:30")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "quiet_hours_start: 20:00 -> 21:30. Saved."
    with sessions() as session:
        solo = session.scalars(select(School)).one()
        assert solo.quiet_start == time(21, 30)


def test_a_good_value_is_saved_and_audited(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    result = run(db_url, "set", "escalation_minutes", "10, 45", "--school", "900001")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "escalation_minutes: 15, 60 -> 10, 45. Saved."
    with sessions() as session:
        assert school_settings.load(session, school.school_id).escalation_minutes == (10, 45)
        assert school_settings.load(session, school.other_school_id).escalation_minutes == (15, 60)
        assert audit.first_broken_link(session) is None
    (event,) = audit_events(sessions, "school.settings.set")
    assert (event.actor_kind, event.object_type) == ("cli", "school")
    assert (event.object_id, event.school_id) == (school.school_id, school.school_id)
    assert event.details["changed"] == {"escalation_minutes": {"from": "15, 60", "to": "10, 45"}}
    assert event.details["operator"]

    again = run(db_url, "set", "escalation_minutes", "45,10", "--school", "900001")
    assert again.stdout.strip() == "escalation_minutes is already 10, 45; nothing changed."
    assert len(audit_events(sessions, "school.settings.set")) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("digest_time", "7.30pm"),
            "digest_time must be a time of day like 07:30, not '7.30pm'",
        ),
        (
            ("school_hours.end", "07:00"),
            "school_hours.start (08:00) must be before school_hours.end (07:00): school hours "
            "cannot run past midnight",
        ),
        (
            ("quiet_hour_start", "21:00"),
            "There is no setting called 'quiet_hour_start'. Did you mean quiet_hours_start or "
            "quiet_hours_end? `sendbot school show` lists them all.",
        ),
    ],
)
def test_a_bad_value_says_why_in_one_line_and_changes_nothing(
    sessions: Sessions, db_url: str, school: SmallSchool, args: tuple[str, str], said: str
) -> None:
    with sessions() as session:
        before = session.get(School, school.school_id)
        assert before is not None
        stored = (before.settings, before.digest_time, before.quiet_start)
        events = session.scalar(select(func.count()).select_from(AuditEvent))

    result = run(db_url, "set", *args, "--school", "900001")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.replace("\n", " ").strip() == said
    with sessions() as session:
        after = session.get(School, school.school_id)
        assert after is not None
        assert (after.settings, after.digest_time, after.quiet_start) == stored
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_review_cycle_change_recomputes_the_deadlines(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    pupil = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.add(SupportPlan(pupil_id=pupil, kind="sen_support", started_on=date(2026, 11, 2)))
    assert review_due(sessions, pupil) == date(2027, 1, 25)  # termly: 12 weeks, no term dates

    result = run(
        db_url, "set", "send_levels.sen_support.review", "half_termly", "--school", "900001"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "send_levels.sen_support.review: termly -> half_termly. Saved.",
        "Deadlines recomputed.",
    ]
    assert review_due(sessions, pupil) == date(2026, 12, 14)  # half termly: 6 weeks


def test_the_service_recomputes_inside_its_own_call(
    sessions: Sessions, school: SmallSchool
) -> None:
    """Explicitly, in the service: the deadline has moved before the transaction ends."""
    pupil = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.add(SupportPlan(pupil_id=pupil, kind="sen_support", started_on=date(2026, 11, 2)))
    with sessions() as session, session.begin():
        found = session.get(School, school.school_id)
        assert found is not None
        done = change(
            session,
            CliActor("admin"),
            found,
            {"send_levels.sen_support.review": "half_termly"},
            NOW,
        )
        assert done.deadlines_recomputed
        due = session.scalars(
            select(Deadline.due_on).where(
                Deadline.pupil_id == pupil, Deadline.kind == "sen_support.review"
            )
        ).one()
        assert due == date(2026, 12, 14)
        not_a_deadline = change(session, CliActor("admin"), found, {"digest_time": "08:00"}, NOW)
        assert not not_a_deadline.deadlines_recomputed


def test_on_call_without_staff_is_saved_with_a_note(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    result = run(db_url, "set", "out_of_hours", "on_call", "--school", "900001")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "out_of_hours: same -> on_call. Saved.",
        "Note: out_of_hours is 'on_call' but on_call_staff_ids is empty: escalation goes to "
        "the deputies",
    ]


def test_on_call_staff_must_be_this_schools_active_staff(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    dsl, deputy = school.staff["dsl"], school.staff["deputy"]
    refused = run(db_url, "set", "on_call_staff_ids", f"{dsl}, 99999", "--school", "900001")
    assert refused.exit_code == 2
    assert refused.stderr.replace("\n", " ").strip() == (
        "on_call_staff_ids must be ids of this school's active staff; 99999 is not"
    )
    with sessions() as session:
        assert school_settings.load(session, school.school_id).on_call_staff_ids == ()
    with sessions() as session, session.begin():
        gone = session.get(Staff, deputy)
        assert gone is not None
        gone.active = False
    refused = run(db_url, "set", "on_call_staff_ids", str(deputy), "--school", "900001")
    assert refused.exit_code == 2

    saved = run(db_url, "set", "on_call_staff_ids", str(dsl), "--school", "900001")
    assert saved.exit_code == 0, saved.output
    with sessions() as session:
        assert school_settings.load(session, school.school_id).on_call_staff_ids == (dsl,)


def test_dsl_holiday_cover_must_be_this_schools_active_staff(
    sessions: Sessions, db_url: str, school: SmallSchool
) -> None:
    head = school.staff["head"]
    refused = run(db_url, "set", "dsl_holiday_cover", f"{head}, 99999", "--school", "900001")
    assert refused.exit_code == 2
    assert refused.stderr.replace("\n", " ").strip() == (
        "dsl_holiday_cover must be ids of this school's active staff; 99999 is not"
    )
    unknown = run(
        db_url, "set", "dsl_holiday_cover", "nobody@oakfield.example", "--school", "900001"
    )
    assert unknown.exit_code == 2
    assert "no active member of this school's staff has the email or MIS id" in unknown.stderr
    # By email or MIS id as well as sendbot's id: stored as the ids.
    saved = run(
        db_url, "set", "dsl_holiday_cover", "HEAD@oakfield.example; S-deputy", "--school", "900001"
    )
    assert saved.exit_code == 0, saved.output
    copies = run(db_url, "set", "dsl_holiday_cover_copies_dsl", "yes", "--school", "900001")
    assert copies.exit_code == 0, copies.output
    with sessions() as session:
        settings = school_settings.load(session, school.school_id)
    deputy = school.staff["deputy"]
    assert (settings.dsl_holiday_cover, settings.dsl_holiday_cover_copies_dsl) == (
        (head, deputy),
        True,
    )


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("SENDBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize("command", [["show"], ["set", "digest_time", "08:00"]])
def test_no_database_says_so(empty_folder: Path, command: list[str]) -> None:
    result = CliRunner().invoke(app, ["school", *command])
    assert result.exit_code == 2
    assert "No database given" in result.output
    assert list(empty_folder.iterdir()) == []


def test_the_docs_list_every_setting_with_its_default() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "provision.md").read_text("utf-8")
    for setting in SETTINGS:
        row = f"| `{setting.key}` | {setting.kind.show(setting.default)} | {setting.rule} | "
        assert f"{row}{setting.meaning} |" in docs, setting.key


def test_a_review_cycle_change_recomputes_the_school_once(
    sessions: Sessions, school: SmallSchool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service recomputes the school itself; the commit's hook, which also sees the
    settings change, does not do the whole school a second time."""
    calls: list[int] = []
    real = deadlines.recompute_school

    def counted(session: Session, school_id: int, now: datetime) -> object:
        calls.append(school_id)
        return real(session, school_id, now)

    monkeypatch.setattr(deadlines, "recompute_school", counted)
    with sessions() as session, session.begin():
        found = session.get(School, school.school_id)
        assert found is not None
        change(
            session,
            CliActor("admin"),
            found,
            {"send_levels.sen_support.review": "half_termly"},
            NOW,
        )
    assert calls == [school.school_id]
