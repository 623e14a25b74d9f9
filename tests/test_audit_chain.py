"""The audit log shows any edit or deletion made behind sendbot's back, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from sendbot.cli import app, common
from sendbot.services import audit
from sendbot.store.models import AuditEvent
from tests.factories import NOW, SmallSchool
from tests.privacy_records import plant_records

runner = CliRunner()


def _add_events(sessions, school: SmallSchool, n: int) -> list[int]:
    ids = []
    with sessions() as session, session.begin():
        for i in range(n):
            event = audit.record(
                session,
                at=NOW + timedelta(minutes=i),
                actor_kind="staff",
                actor_id=school.staff["dsl"],
                action="safeguarding.read",
                object_type="concern",
                object_id=i + 1,
                school_id=school.school_id,
                pupil_id=school.pupils["amelia"],
                details={"step": i},
            )
            ids.append(event.id)
    return ids


def _verify(db_url: str):
    result = runner.invoke(app, ["audit", "verify", "--database", db_url])
    return result.exit_code, " ".join(result.output.split())


def test_an_untouched_log_is_reported_intact_with_its_length(sessions, db_url, school) -> None:
    ids = _add_events(sessions, school, 5)
    code, output = _verify(db_url)
    assert code == 0
    assert output.startswith("audit chain intact (5 events, last hash ")
    with sessions() as session:
        head = session.get(AuditEvent, ids[-1])
        assert head is not None and head.hash[:16] in output


def test_deleting_the_newest_events_is_caught_with_a_hash_kept_elsewhere(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 4)
    code, output = _verify(db_url)
    kept = output.split("last hash ")[1].rstrip(")")
    assert code == 0 and len(kept) == 16
    ok = runner.invoke(app, ["audit", "verify", "--known-hash", kept, "--database", db_url])
    assert ok.exit_code == 0 and f"is still event {ids[-1]}" in ok.output
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[2]})
    assert _verify(db_url)[0] == 0  # the shorter chain holds on its own...
    caught = runner.invoke(app, ["audit", "verify", "--known-hash", kept, "--database", db_url])
    assert caught.exit_code == 1  # ...but the hash kept elsewhere is gone
    assert "is no longer in the audit log" in " ".join(caught.output.split())


def test_an_empty_log_is_intact(db_url) -> None:
    assert _verify(db_url) == (0, "audit chain intact (0 events)")


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE audit_event SET action = 'concern.create' WHERE id = :id",
        "UPDATE audit_event SET actor_id = actor_id + 1 WHERE id = :id",
        "UPDATE audit_event SET details = '{\"step\": 99}' WHERE id = :id",
        "UPDATE audit_event SET pupil_id = NULL WHERE id = :id",
    ],
)
def test_an_edited_event_is_named(sessions, engine, db_url, school, change) -> None:
    ids = _add_events(sessions, school, 6)
    with engine.begin() as conn:
        conn.execute(text(change), {"id": ids[2]})
    code, output = _verify(db_url)
    assert code == 1
    assert output.startswith(f"event {ids[2]} was changed or removed: its contents no longer")
    with sessions() as session:
        assert audit.first_broken_link(session) == ids[2]


def test_a_deleted_event_is_named(sessions, engine, db_url, school) -> None:
    ids = _add_events(sessions, school, 6)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[3]})
    code, output = _verify(db_url)
    assert code == 1
    assert output == (
        f"event {ids[3]} was changed or removed: event {ids[4]} no longer follows on from "
        f"event {ids[2]} - the events between them were deleted, or event {ids[4]}'s link "
        "was edited"
    )


def test_deleting_the_first_event_is_noticed_too(sessions, engine, db_url, school) -> None:
    ids = _add_events(sessions, school, 3)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[0]})
    code, output = _verify(db_url)
    assert code == 1
    assert f"event {ids[1]} no longer follows on from the start of the log" in output


def test_an_edit_that_recomputes_the_rows_own_hash_still_breaks_the_next_link(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 4)
    with sessions() as session, session.begin():
        victim = session.get(AuditEvent, ids[1])
        assert victim is not None
        victim.action = "concern.create"
        forged = audit._digest(victim.prev_hash, audit.event_fields(victim))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET hash = :h WHERE id = :id"), {"h": forged, "id": ids[1]}
        )
    code, output = _verify(db_url)
    assert code == 1
    assert output.startswith(f"event {ids[2]} was changed or removed")


def test_times_given_in_school_time_still_verify(sessions, school) -> None:
    summer = datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    with sessions() as session, session.begin():
        audit.record(
            session, at=summer, actor_kind="system", actor_id=None, action="x", object_type="y"
        )
    with sessions() as session:
        assert audit.verify_chain(session).intact


def test_show_lists_who_did_what_for_one_pupil_and_records_the_look(
    sessions, db_url, school, monkeypatch
) -> None:
    monkeypatch.setattr(common.console, "width", 200)
    records = plant_records(sessions, school)
    _add_events(sessions, school, 1)  # about another pupil: must not appear
    result = runner.invoke(
        app, ["audit", "show", "--pupil", str(records.pupil_id), "--database", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "Audit trail for Zoë Nowak" in result.output
    assert result.output.count("logged a concern") == 2
    assert "Hannah Price (teacher)" in result.output
    assert "opened safeguarding" not in result.output
    with sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        assert (last.action, last.actor_kind, last.pupil_id) == (
            "audit.view",
            "cli",
            records.pupil_id,
        )
        assert last.details["events_shown"] == 2
        assert audit.verify_chain(session).intact
    assert f"recorded as audit event {last.id}" in result.output


def test_show_for_an_unknown_pupil_says_so(db_url) -> None:
    result = runner.invoke(app, ["audit", "show", "--pupil", "999999", "--database", db_url])
    assert result.exit_code == 1
    assert "No pupil has the id 999999." in result.output
