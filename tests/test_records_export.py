"""`sendbot export pupil`: the whole record out, readable, escaped, private and audited."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.services import audit, records
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import PermissionDenied
from sendbot.store.models import AuditEvent, Concern
from tests.factories import NOW
from tests.privacy_records import (
    ABOUT_ADULTS,
    PHOTO,
    PLANTED,
    SAFEGUARDING_NARRATIVE,
    plant_records,
)

runner = CliRunner()


def _export(db_url: str, pupil_id: int, out: Path, *extra: str):
    return runner.invoke(
        app, ["export", "pupil", str(pupil_id), "--out", str(out), "--database", db_url, *extra]
    )


def test_export_writes_everything_held_as_json_and_html_and_audits_it(
    sessions, db_url, school, tmp_path
) -> None:
    planted = plant_records(sessions, school)
    result = _export(db_url, planted.pupil_id, tmp_path / "out", "--purpose", "transfer")
    assert result.exit_code == 0, result.output
    json_file = next((tmp_path / "out").glob("*.json"))
    html_file = next((tmp_path / "out").glob("*.html"))
    assert json_file.name.startswith(f"pupil-{planted.pupil_id}-record-")
    for path in (json_file, html_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = json.loads(json_file.read_text(encoding="utf-8"))
    page = html_file.read_text(encoding="utf-8")

    assert record["pupil"]["first_name"] == "Zoë"
    assert [g["name"] for g in record["guardians"]] == ["Ewa Nowak"]
    assert record["sen_status_history"][0]["to"] == "sen_support"
    assert len(record["concerns"]) == 2
    assert record["concerns"][0]["actions"][0]["note"] == PLANTED[("concern_action", "note_text")]
    target = record["plans"][0]["targets"][0]
    assert target["progress"][0]["rating"] == "secure"
    assert record["interventions"][0]["sessions"][0]["present"] is True
    assert record["meetings"][0]["invitations"][0]["interpreter_requested"] is True
    assert record["messages"][0]["body"] == PLANTED[("parent_message", "body_text")]
    assert record["ehc_cases"][0]["local_authority"] == "Exampleshire"
    assert [c["at"] for c in record["chronology"]] == sorted(c["at"] for c in record["chronology"])
    assert {c["ref"] for c in record["chronology"]} >= {
        f"concern {planted.concern_id}",
        f"plan {planted.plan_id}",
        f"meeting {planted.meeting_id}",
    }
    # A photo is described (type, size, SHA-256), never carried in the export.
    assert [p["content_type"] for p in record["concerns"][0]["photos"]] == ["image/png"]
    for key, planted_text in [*PLANTED.items(), (("concern", "-"), SAFEGUARDING_NARRATIVE)]:
        if key == PHOTO:
            continue
        if key in ABOUT_ADULTS:  # a concern about an adult is not the pupil's record
            assert planted_text.split(":")[0] not in json_file.read_text(encoding="utf-8")
            assert planted_text.split(":")[0] not in page
            continue
        assert planted_text in json_file.read_text(encoding="utf-8")
        assert planted_text.split(":")[0] in page
    assert "<script" not in page and "http" not in page.split("</style>", 1)[1]
    assert "Safeguarding concern" in page

    with sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.export")
        ).one()
        assert (event.actor_kind, event.pupil_id) == ("cli", planted.pupil_id)
        assert event.details["purpose"] == "transfer"
        assert event.details["safeguarding_included"] is True
        assert audit.verify_chain(session).intact
    assert record["exported"]["audit_event"] == event.id
    assert f"Recorded as audit event {event.id}" in result.output


def test_leaving_out_safeguarding_says_so_and_is_audited(
    sessions, db_url, school, tmp_path
) -> None:
    planted = plant_records(sessions, school)
    result = _export(
        db_url, planted.pupil_id, tmp_path, "--purpose", "transfer", "--leave-out-safeguarding"
    )
    assert result.exit_code == 0, result.output
    record = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert [c["safeguarding"] for c in record["concerns"]] == [False]
    assert record["safeguarding_concerns_left_out"] == 1
    assert SAFEGUARDING_NARRATIVE.split(":")[0] not in next(tmp_path.glob("*.html")).read_text()
    with sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.export")
        ).one()
        assert event.details["safeguarding_included"] is False


def test_hostile_text_is_escaped_in_the_html(sessions, school) -> None:
    planted = plant_records(sessions, school)
    hostile = '<script>alert("x")</script><img src=x onerror=y>'
    with sessions() as session, session.begin():
        concern = session.get(Concern, planted.concern_id)
        assert concern is not None
        # A saved concern is never edited: the hostile words come in a new one.
        session.add(
            Concern(
                school_id=concern.school_id,
                pupil_id=concern.pupil_id,
                raised_by_id=concern.raised_by_id,
                raised_at=NOW,
                area="semh",
                narrative_text=hostile,
                child_words_text=hostile,
                location_text=hostile,
            )
        )
    with sessions() as session, session.begin():
        export = records.export_pupil(session, records.CliActor("tester"), planted.pupil_id, NOW)
        page = export.html_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_only_the_headteacher_may_export_through_the_service(sessions, school) -> None:
    planted = plant_records(sessions, school)
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        head = staff_actor_by_id(session, school.staff["head"])
        other = staff_actor_by_id(session, school.staff["other_senco"])
        assert teacher and head and other
        with pytest.raises(PermissionDenied):
            records.gather(session, teacher, planted.pupil_id)
        with pytest.raises(PermissionDenied):
            records.gather(session, other, planted.pupil_id)
        by_head = records.gather(session, head, planted.pupil_id)
        assert by_head["pupil"]["id"] == planted.pupil_id


def test_the_headteacher_export_leaves_out_safeguarding_unless_they_are_a_lead(
    sessions, school
) -> None:
    planted = plant_records(sessions, school)
    with sessions() as session, session.begin():
        head = staff_actor_by_id(session, school.staff["head"])
        assert head is not None
        export = records.export_pupil(session, head, planted.pupil_id, NOW, purpose="other")
        assert [c["safeguarding"] for c in export.record["concerns"]] == [False]
        assert export.record["safeguarding_concerns_left_out"] == 1
        event = session.get(AuditEvent, export.audit_event_id)
        assert event is not None and event.details["safeguarding_included"] is False
        assert (event.actor_kind, event.actor_id) == ("staff", school.staff["head"])
    assert SAFEGUARDING_NARRATIVE not in export.json_text()


def test_an_unknown_pupil_exports_nothing_and_audits_nothing(
    sessions, db_url, school, tmp_path
) -> None:
    result = _export(db_url, 424242, tmp_path / "out")
    assert result.exit_code == 1
    assert "No pupil has the id '424242'." in result.output
    assert list((tmp_path / "out").iterdir()) == []
    with sessions() as session:
        assert session.scalars(select(AuditEvent)).all() == []


def test_a_failed_write_leaves_no_file_and_no_audit_event(
    sessions, db_url, school, tmp_path, monkeypatch
) -> None:
    from sendbot.cli import export as export_cli

    planted = plant_records(sessions, school)
    real_write = export_cli._write_private

    def disk_full_on_html(path: Path, text: str) -> None:
        if path.suffix == ".html":
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(export_cli, "_write_private", disk_full_on_html)
    result = _export(db_url, planted.pupil_id, tmp_path / "out")
    assert result.exit_code != 0
    assert list((tmp_path / "out").iterdir()) == []
    with sessions() as session:
        assert (
            session.scalars(select(AuditEvent).where(AuditEvent.action == "record.export")).all()
            == []
        )
