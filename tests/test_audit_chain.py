"""The audit log shows any edit or deletion made behind sendbot's back, on both databases."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from sendbot.cli import app, common
from sendbot.scheduling import jobs
from sendbot.services import audit
from sendbot.store import crypto
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import AuditCheckpoint, AuditEvent
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
    kept = re.findall(r"last hash ([0-9a-f]{16})\)", output)[0]
    assert code == 0
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


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed-at-the-edit"])
def test_an_edit_that_recomputes_the_rows_own_hash_is_named_as_the_edited_row(
    sessions, engine, db_url, school, signed
) -> None:
    ids = _add_events(sessions, school, 2)
    if signed:
        _checkpoint(db_url)  # vouches for ids[1] exactly
    ids += _add_events(sessions, school, 2)
    _rewrite(sessions, engine, ids[1], ids[1])
    code, output = _verify(db_url)
    assert code == 1
    assert output == (
        f"event {ids[1]} was changed or removed: its contents were changed and its hash "
        f"recomputed: event {ids[2]}, written after it, still links to the hash it had"
    )
    with sessions() as session:
        assert audit.first_broken_link(session) == ids[1]


# --- signed checkpoints --------------------------------------------------------------------


def _checkpoint(db_url: str) -> str:
    result = runner.invoke(app, ["audit", "checkpoint", "--database", db_url])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _rewrite(sessions, engine, first: int, last: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Edit event `first` behind sendbot's back and recompute every hash and link from it
    to `last` (the end of the log by default), as someone who read this code would."""
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id >= first).order_by(AuditEvent.id)
        ).all()
        prev = (
            session.scalar(
                select(AuditEvent.hash)
                .where(AuditEvent.id < first)
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
            or audit.GENESIS
        )
        changes = []
        for event in events:
            if last is not None and event.id > last:
                break
            if event.id == first:
                event.action = "concern.create"
            digest = audit._digest(prev, audit.event_fields(event))
            changes.append({"id": event.id, "prev": prev, "h": digest, "a": event.action})
            prev = digest
        session.rollback()
    with engine.begin() as conn:
        for change in changes:
            conn.execute(
                text(
                    "UPDATE audit_event SET action = :a, prev_hash = :prev, hash = :h WHERE id = :id"
                ),
                change,
            )


def _forge_appended(sessions, engine, school) -> int:  # type: ignore[no-untyped-def]
    """An event added straight to the table with a correct link and hash."""
    with sessions() as session:
        head = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert head is not None
        forged = AuditEvent(
            school_id=school.school_id,
            actor_kind="staff",
            actor_id=school.staff["head"],
            action="concern.view",
            object_type="concern",
            object_id=1,
            pupil_id=school.pupils["amelia"],
            at=NOW + timedelta(days=1),
            details={},
            prev_hash=head.hash,
        )
        forged.hash = audit._digest(head.hash, audit.event_fields(forged))
        row = {c.name: getattr(forged, c.name) for c in AuditEvent.__table__.columns}
        new_id = row["id"] = head.id + 1
    with engine.begin() as conn:
        conn.execute(AuditEvent.__table__.insert().values(**row))
    return new_id


def test_an_appended_event_with_a_correct_hash_is_reported_as_not_covered(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 3)
    signed = _checkpoint(db_url)
    assert signed.startswith(f"Checkpoint 1 signed: events up to {ids[-1]}, hash ")
    kept = re.findall(r"--known-hash ([0-9a-f]{16})", signed)[0]
    forged = _forge_appended(sessions, engine, school)
    result = runner.invoke(app, ["audit", "verify", "--known-hash", kept, "--database", db_url])
    output = " ".join(result.output.split())
    assert result.exit_code == 0
    assert re.search(
        rf"checkpoint 1 signed [0-9-]+ [0-9:]+ UTC covers events up to {ids[-1]}; the 1 newer "
        r"event\(s\) are not yet covered by a checkpoint, so cannot be told from ones added "
        "behind sendbot's back",
        output,
    ), output
    assert f"is still event {ids[-1]}" in output
    with sessions() as session:
        assert audit.verify_chain(session).covered_to == ids[-1] < forged


def test_a_chain_rewritten_below_a_checkpoint_is_caught_and_the_span_named(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 3)
    _checkpoint(db_url)
    ids += _add_events(sessions, school, 3)
    _checkpoint(db_url)
    ids += _add_events(sessions, school, 2)
    _rewrite(sessions, engine, ids[4])  # and every hash after it, to the end of the log
    code, output = _verify(db_url)
    assert code == 1
    assert output.startswith(
        f"the audit log was rewritten between event {ids[3]} and event {ids[5]}: event "
        f"{ids[5]} no longer has the hash checkpoint 2 signed "
    )
    assert "(checkpoint 1 signed " in output and "still holds" in output
    assert output.endswith(f"the first bad event is one of events {ids[3]} to {ids[5]})")
    with sessions() as session:
        assert audit.first_broken_link(session) == ids[3]


def test_deleting_the_newest_events_below_a_checkpoint_is_caught_without_a_hash_kept(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 5)
    _checkpoint(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[3]})
    code, output = _verify(db_url)
    assert code == 1
    assert re.fullmatch(
        rf"event {ids[3]} was changed or removed: the log now ends at event {ids[2]}, but "
        rf"checkpoint 1 signed [0-9-]+ [0-9:]+ UTC covers events up to {ids[4]}: the newest "
        "events were deleted",
        output,
    ), output


def test_deleting_a_signed_event_and_relinking_the_rest_is_caught(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 3)
    _checkpoint(db_url)
    ids += _add_events(sessions, school, 2)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    with sessions() as session:
        before = session.get(AuditEvent, ids[1])
        after = session.get(AuditEvent, ids[3])
        last = session.get(AuditEvent, ids[4])
        assert before is not None and after is not None and last is not None
        relinked = audit._digest(before.hash, audit.event_fields(after))
        relinked_last = audit._digest(relinked, audit.event_fields(last))
        links = [
            {"p": before.hash, "h": relinked, "id": ids[3]},
            {"p": relinked, "h": relinked_last, "id": ids[4]},
        ]
    with engine.begin() as conn:
        for link in links:
            conn.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"), link
            )
    code, output = _verify(db_url)
    assert code == 1
    assert output.startswith(f"event {ids[2]} was changed or removed: checkpoint 1 signed ")
    assert output.endswith("vouches for it, but it is no longer in the log")


def test_rewriting_a_checkpoint_with_the_chain_is_caught_by_its_signature(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 4)
    _checkpoint(db_url)
    _rewrite(sessions, engine, ids[1])
    with sessions() as session:
        head = session.get(AuditEvent, ids[-1])
        assert head is not None
        new_head = head.hash
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoint SET event_hash = :h"), {"h": new_head})
    code, output = _verify(db_url)
    assert code == 1
    assert output == (
        f"checkpoint 1 (for event {ids[-1]}) does not carry a valid signature: it was added "
        "or altered in the database by someone without the key"
    )


def test_a_broken_chain_is_never_signed(sessions, engine, db_url, school) -> None:
    ids = _add_events(sessions, school, 3)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'x' WHERE id = :id"), {"id": ids[1]})
    result = runner.invoke(app, ["audit", "checkpoint", "--database", db_url])
    assert result.exit_code == 1
    assert " ".join(result.output.split()).startswith(
        f"Not signed: event {ids[1]} was changed or removed: its contents no longer match"
    )
    with sessions() as session:
        assert session.scalars(select(AuditCheckpoint)).all() == []


def test_the_scheduler_signs_the_head_each_minute_the_log_grew(sessions, school) -> None:
    ids = _add_events(sessions, school, 2)
    jobs.run_minute_jobs(sessions, NOW)
    jobs.run_minute_jobs(sessions, NOW + timedelta(minutes=1))  # nothing new: nothing signed
    ids += _add_events(sessions, school, 1)
    jobs.run_minute_jobs(sessions, NOW + timedelta(minutes=2))
    with sessions() as session:
        signed = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
        assert [(c.event_id, c.at) for c in signed] == [
            (ids[1], NOW),
            (ids[2], NOW + timedelta(minutes=2)),
        ]
        report = audit.verify_chain(session)
        assert report.intact and report.covered_to == ids[2] and report.uncovered == 0


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
    assert result.output.count("kept a photo with a concern") == 1
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
        assert last.details["events_shown"] == 3
        assert audit.verify_chain(session).intact
    assert f"recorded as audit event {last.id}" in result.output


def test_show_for_an_unknown_pupil_says_so(db_url) -> None:
    result = runner.invoke(app, ["audit", "show", "--pupil", "999999", "--database", db_url])
    assert result.exit_code == 1
    assert "No pupil has the id 999999." in result.output


def test_checkpoints_survive_a_key_rotation_and_are_set_aside_once_their_key_is_gone(
    sessions, engine, db_url, school
) -> None:
    ids = _add_events(sessions, school, 2)
    _checkpoint(db_url)
    old = crypto.keyring_of(engine.dialect).keys[0]
    rotated = make_engine(db_url, crypto.Keyring((crypto.generate_key(), old)))
    retired = make_engine(db_url, crypto.Keyring((crypto.generate_key(),)))
    try:
        with session_factory(rotated)() as session:
            report = audit.verify_chain(session)
            assert report.intact and report.covered_to == ids[-1] and report.unchecked == 0
        with session_factory(retired)() as session:
            report = audit.verify_chain(session)
            assert report.intact and report.covered_to is None and report.unchecked == 1
            assert report.describe().endswith(
                "; no signed checkpoint covers it yet (run `sendbot audit checkpoint`); 1 older "
                "checkpoint(s) signed with a key no longer configured were not checked"
            )
    finally:
        rotated.dispose()
        retired.dispose()
