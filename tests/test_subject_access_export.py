"""A subject access reply leaves out safeguarding records and every trace of them, unless
the DSL decides otherwise; the decision is theirs, and it is in the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import and_, or_, select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.services import deadlines, escalation, records, safeguarding
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, Deadline, Outbox
from tests.factories import NOW
from tests.privacy_records import SAFEGUARDING_NARRATIVE, PupilRecords, plant_records

runner = CliRunner()
REFERRAL_NOTE = "Xanthippe-referral: spoke to the front door team, ref 4471"


@dataclass
class Referred:
    planted: PupilRecords
    concern_id: int  # the safeguarding concern: escalated, acknowledged, referred, chased
    events: list[int]  # every audit event about it


def _referred(sessions, school) -> Referred:  # type: ignore[no-untyped-def]
    """A safeguarding concern nobody acknowledged for 20 minutes, then acknowledged,
    refused to the headteacher, referred, prompted for a chase, chased and marked done."""
    planted = plant_records(sessions, school)
    concern_id = planted.safeguarding_concern_id
    with sessions() as session, session.begin():
        escalation.check_escalations(session, NOW + timedelta(minutes=25))
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        head = staff_actor_by_id(session, school.staff["head"])
        assert dsl is not None and head is not None
        safeguarding.view_details(session, head, concern_id, NOW + timedelta(minutes=28))
        safeguarding.view_details(session, dsl, concern_id, NOW + timedelta(minutes=30))
        safeguarding.acknowledge(session, dsl, concern_id, NOW + timedelta(minutes=31))
        session.info["sendbot.now"] = NOW + timedelta(hours=1)
        escalation.record_referral(
            session, dsl, concern_id, NOW + timedelta(hours=1), REFERRAL_NOTE
        )
    with sessions() as session, session.begin():
        assert escalation.check_referral_chases(session, NOW + timedelta(days=2)) > 0
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        escalation.record_chase(session, dsl, concern_id, NOW + timedelta(days=2, hours=1))
        response = session.scalars(
            select(Deadline).where(Deadline.kind == "safeguarding.la_referral_response")
        ).one()
        deadlines.mark_done(session, dsl, response.id, NOW + timedelta(days=2, hours=2))
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent.id).where(
                or_(
                    and_(AuditEvent.object_type == "concern", AuditEvent.object_id == concern_id),
                    and_(AuditEvent.object_type == "deadline", AuditEvent.object_id == response.id),
                )
            )
        ).all()
        assert session.scalars(select(Outbox)).all()  # alerts, escalations and chases queued
    return Referred(planted, concern_id, list(events))


def _export(db_url: str, pupil_id: int, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, ["export", "pupil", str(pupil_id), "--out", str(out), "--database", db_url, *extra]
    )


def _files(out: Path) -> tuple[dict, str, str]:  # type: ignore[type-arg]
    json_text = next(out.glob("*.json")).read_text(encoding="utf-8")
    return json.loads(json_text), json_text, next(out.glob("*.html")).read_text(encoding="utf-8")


def _assert_no_trace(record: dict, texts: list[str], referred: Referred) -> None:  # type: ignore[type-arg]
    concern = referred.concern_id
    assert [c["id"] for c in record["concerns"]] == [referred.planted.concern_id]
    assert record["access_log"], "the rest of the access log is still there"
    assert {a["event"] for a in record["access_log"]}.isdisjoint(referred.events)
    assert all(a["object"] != f"concern {concern}" for a in record["access_log"])
    assert all(not d["kind"].startswith("safeguarding.") for d in record["deadlines"])
    assert all(line["ref"] != f"concern {concern}" for line in record["chronology"])
    for text in texts:
        lowered = text.lower()
        assert f"concern {concern}" not in lowered
        assert SAFEGUARDING_NARRATIVE.split(":")[0] not in text
        assert REFERRAL_NOTE.split(":")[0] not in text
        for word in (
            "safeguarding.",
            "referral",
            "escalat",
            "chase",
            "concern.acknowledge",
            "left out",
        ):
            assert word not in lowered, word
        assert "Martin Shaw" not in text  # the DSL, who only ever acted on the concern
    assert "Joanne Fletcher" not in {a["who"] for a in record["access_log"]}  # refused it


@pytest.mark.parametrize("flags", [[], ["--leave-out-safeguarding"]])
def test_a_subject_access_export_shows_no_trace_of_a_referral(
    sessions, db_url, school, tmp_path, flags
) -> None:
    referred = _referred(sessions, school)
    result = _export(
        db_url, referred.planted.pupil_id, tmp_path, "--purpose", "subject-access", *flags
    )
    assert result.exit_code == 0, result.output
    record, json_text, page = _files(tmp_path)
    assert record["safeguarding_included"] is False
    assert "safeguarding_concerns_left_out" not in record
    assert ("concern.create", f"concern {referred.planted.concern_id}") in {
        (a["action"], a["object"]) for a in record["access_log"]
    }
    _assert_no_trace(record, [json_text, page], referred)
    assert "unless the DSL decides to include them" in " ".join(result.output.split())
    with sessions() as session:
        event = session.get(AuditEvent, record["exported"]["audit_event"])
        assert event is not None and event.details["safeguarding_included"] is False
        assert "safeguarding_decided_by" not in event.details


def test_the_headteachers_subject_access_export_shows_no_trace_either(sessions, school) -> None:
    referred = _referred(sessions, school)
    with sessions() as session, session.begin():
        head = staff_actor_by_id(session, school.staff["head"])
        assert head is not None
        export = records.export_pupil(session, head, referred.planted.pupil_id, NOW)
    _assert_no_trace(export.record, [export.json_text(), export.html_text()], referred)


def test_a_transfer_without_safeguarding_says_how_many_but_shows_no_trace(
    sessions, db_url, school, tmp_path
) -> None:
    referred = _referred(sessions, school)
    result = _export(
        db_url,
        referred.planted.pupil_id,
        tmp_path,
        "--purpose",
        "transfer",
        "--leave-out-safeguarding",
    )
    assert result.exit_code == 0, result.output
    record, json_text, _page = _files(tmp_path)
    assert record["safeguarding_concerns_left_out"] == 1  # for the staff who receive it
    assert {a["event"] for a in record["access_log"]}.isdisjoint(referred.events)
    assert all(not d["kind"].startswith("safeguarding.") for d in record["deadlines"])
    assert "referral" not in json_text.lower() and "Martin Shaw" not in json_text


def test_the_dsl_decides_to_include_safeguarding_and_the_audit_log_says_who(
    sessions, db_url, school, tmp_path
) -> None:
    referred = _referred(sessions, school)
    dsl = school.staff["deputy"]
    result = _export(
        db_url, referred.planted.pupil_id, tmp_path, "--safeguarding-decided-by", str(dsl)
    )
    assert result.exit_code == 0, result.output
    record, json_text, _page = _files(tmp_path)
    assert record["safeguarding_included"] is True
    assert SAFEGUARDING_NARRATIVE in json_text and REFERRAL_NOTE in json_text
    assert set(referred.events) <= {a["event"] for a in record["access_log"]}
    assert "safeguarding.la_referral_response" in {d["kind"] for d in record["deadlines"]}
    with sessions() as session:
        event = session.get(AuditEvent, record["exported"]["audit_event"])
        assert event is not None
        assert event.details["purpose"] == "subject-access"
        assert event.details["safeguarding_included"] is True
        assert event.details["safeguarding_decided_by"] == dsl


@pytest.mark.parametrize("who", ["head", "senco", "other_senco"])
def test_only_a_dsl_or_deputy_of_the_school_can_decide_and_others_are_told_kindly(
    sessions, db_url, school, tmp_path, who
) -> None:
    referred = _referred(sessions, school)
    out = tmp_path / "out"
    result = _export(
        db_url,
        referred.planted.pupil_id,
        out,
        "--safeguarding-decided-by",
        str(school.staff[who]),
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"Staff member {school.staff[who]} is not the designated safeguarding lead" in said
    assert "Nothing was exported. Ask your DSL: the decision is theirs." in said
    assert "Traceback" not in said
    assert list(out.iterdir()) == []
    with sessions() as session:
        assert not session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.export")
        ).all()


def test_a_decision_is_only_for_a_subject_access_export(sessions, db_url, school, tmp_path) -> None:
    referred = _referred(sessions, school)
    result = _export(
        db_url,
        referred.planted.pupil_id,
        tmp_path,
        "--purpose",
        "transfer",
        "--safeguarding-decided-by",
        str(school.staff["dsl"]),
    )
    assert result.exit_code == 2
    assert "--safeguarding-decided-by is for a subject access export" in result.output
