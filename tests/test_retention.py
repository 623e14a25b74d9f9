"""Retention: records go at the school's dates, safeguarding stays as long as its policy says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from sendbot.cli import app, common
from sendbot.services import audit, retention
from sendbot.services.records import CliActor
from sendbot.store.models import (
    AuditEvent,
    Concern,
    ConcernAttachment,
    ConversationState,
    Deadline,
    DeliveryAttempt,
    Guardian,
    Identity,
    InboundRate,
    InterventionSession,
    Outbox,
    ParentMessage,
    ProcessedEvent,
    Pupil,
    School,
    SessionAttendance,
    SupportPlan,
    Target,
    WebSession,
    WebSignIn,
)
from tests.factories import NOW
from tests.privacy_records import photo_bytes, plant_records

runner = CliRunner()
BORN = date(2018, 3, 14)  # every pupil in the small school
AT_25 = datetime(2043, 3, 14, 9, 0, tzinfo=UTC)


def _leave(sessions, pupil_id: int, born: date | None = None) -> None:
    with sessions() as session, session.begin():
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        pupil.active = False
        if born:
            pupil.date_of_birth = born


def _set_retention(sessions, school_id: int, **values) -> None:
    with sessions() as session, session.begin():
        row = session.get(School, school_id)
        assert row is not None
        row.settings = {**(row.settings or {}), "retention": values}


def _about(result: retention.RetentionPlan, pupil_id: int) -> list[retention.PupilOutcome]:
    """Only this pupil's lines: the others in the small school are still on roll."""
    return [p for p in result.pupils if p.pupil_id == pupil_id]


def _count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_birthdays_including_the_leap_day() -> None:
    assert retention.birthday(date(2018, 3, 14), 25) == date(2043, 3, 14)
    assert retention.birthday(date(2016, 2, 29), 25) == date(2041, 3, 1)
    assert retention.birthday(date(2016, 2, 29), 28) == date(2044, 2, 29)


def test_settings_problems_are_named_and_safeguarding_is_never_shortened() -> None:
    assert retention.problems({}) == []
    assert retention.policy_for({}).safeguarding_until_age == 25
    assert retention.problems({"retention": {"safeguarding_until_age": None}}) == []
    wrong = retention.problems(
        {"retention": {"safeguarding_until_age": 18, "outbox_sent_days": "soon", "x": 1}}
    )
    assert "retention.x is not a setting sendbot knows" in wrong
    assert "retention.outbox_sent_days must be a whole number of at least 1" in wrong
    assert any("safeguarding_until_age must be at least 25" in w for w in wrong)


def test_nothing_goes_the_day_before_the_25th_birthday(sessions, school) -> None:
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id)
    with sessions() as session:
        result = retention.plan(session, AT_25 - timedelta(days=1))
    assert _about(result, records.pupil_id) == []


def test_dry_run_plan_lists_everything_and_changes_nothing(sessions, school) -> None:
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id)
    with sessions() as session:
        result = retention.plan(session, AT_25)
    (outcome,) = _about(result, records.pupil_id)
    assert outcome.anonymise
    with sessions() as session:  # whatever deadlines the planted facts produced go too
        deadlines = session.scalars(
            select(Deadline.subject_type).where(Deadline.pupil_id == records.pupil_id)
        ).all()
    on_concerns = sum(1 for kind in deadlines if kind == "concern")
    assert (
        outcome.removed.pop("concerns: deadlines", 0)
        + outcome.removed.pop("safeguarding concerns: deadlines", 0)
    ) == on_concerns
    assert outcome.removed.pop("deadlines", 0) == len(deadlines) - on_concerns
    assert outcome.removed == {
        "concerns: actions": 1,
        "concerns: photos": 1,
        "concerns": 1,
        "target progress": 1,
        "plan reviews": 1,
        "targets": 1,
        "plans": 1,
        "session attendance": 1,
        "sessions only this pupil attended": 1,
        "intervention places": 1,
        "meeting invitations": 1,
        "meetings": 1,
        "EHC cases": 1,
        "SEN status history": 1,
        "parent messages": 1,
        "safeguarding concerns": 1,
    }
    assert _count(sessions, Concern) == 2
    assert _count(sessions, AuditEvent, AuditEvent.action.like("retention.%")) == 0


def test_apply_removes_the_records_anonymises_the_pupil_and_parent_and_audits(
    sessions, school
) -> None:
    records = plant_records(sessions, school)
    kept = plant_records(sessions, school, who="amelia")  # still on roll, never touched
    with sessions() as session, session.begin():  # amelia shared zoe's session
        session.add(SessionAttendance(session_id=records.session_id, pupil_id=kept.pupil_id))
        email = Identity(
            platform="email",
            team_id=f"guardian:{records.guardian_id}",
            external_id="parent.of.zoe@family.example",
            guardian_id=records.guardian_id,
            created_at=AT_25,
        )
        session.add(email)
        session.flush()
        email_id = email.id
    _leave(sessions, records.pupil_id)

    result = retention.apply(sessions, CliActor("dpo"), AT_25)

    assert len(result.audit_event_ids) == 1
    zoe = records.pupil_id
    assert _count(sessions, Concern, Concern.pupil_id == zoe) == 0
    assert _count(sessions, SupportPlan, SupportPlan.pupil_id == zoe) == 0
    assert _count(sessions, Target, Target.pupil_id == zoe) == 0
    assert _count(sessions, ParentMessage, ParentMessage.pupil_id == zoe) == 0
    assert _count(sessions, SessionAttendance, SessionAttendance.pupil_id == zoe) == 0
    assert _count(sessions, InterventionSession, InterventionSession.id == records.session_id) == 1
    assert _count(sessions, Concern, Concern.pupil_id == kept.pupil_id) == 2
    assert _count(sessions, SupportPlan, SupportPlan.pupil_id == kept.pupil_id) == 1
    with sessions() as session:
        pupil = session.get(Pupil, zoe)
        assert pupil is not None
        assert (pupil.first_name, pupil.last_name, pupil.upn) == ("Removed", f"pupil #{zoe}", None)
        assert pupil.date_of_birth == date(2018, 1, 1)
        assert pupil.destination_school is None  # where the child went is about the child
        guardian = session.get(Guardian, records.guardian_id)
        assert guardian is not None and guardian.first_name == "Removed" and guardian.email is None
        account = session.get(Identity, email_id)  # the address was contact data too
        assert account is not None and not account.active
        assert account.external_id == f"removed-{email_id}"
        event = session.get(AuditEvent, result.audit_event_ids[0])
        assert event is not None
        assert (event.action, event.actor_kind, event.pupil_id) == (
            "retention.anonymise",
            "cli",
            zoe,
        )
        assert event.details["operator"] == "dpo"
        assert event.details["removed"]["safeguarding concerns"] == 1
        assert audit.verify_chain(session).intact

    again = retention.apply(sessions, CliActor("dpo"), AT_25)
    assert _about(again, zoe) == [] and again.audit_event_ids == []


def test_a_school_keeping_safeguarding_longer_keeps_it_and_the_name(sessions, school) -> None:
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id)
    _set_retention(sessions, school.school_id, safeguarding_until_age=30)

    first = retention.apply(sessions, CliActor("dpo"), AT_25)
    (outcome,) = _about(first, records.pupil_id)
    assert not outcome.anonymise
    assert (
        outcome.note
        == "1 safeguarding concern(s) kept until 14 March 2048, per the school's policy"
    )
    with sessions() as session:
        left = session.scalars(select(Concern).where(Concern.pupil_id == records.pupil_id)).all()
        assert [c.id for c in left] == [records.safeguarding_concern_id]
        assert session.get(Pupil, records.pupil_id).first_name == "Zoë"  # type: ignore[union-attr]
        event = session.get(AuditEvent, first.audit_event_ids[0])
        assert event is not None and event.action == "retention.remove"

    with sessions() as session:
        before = retention.plan(session, datetime(2048, 3, 13, tzinfo=UTC))
        assert _about(before, records.pupil_id)[0].removed == {}
    later = retention.apply(sessions, CliActor("dpo"), datetime(2048, 3, 14, tzinfo=UTC))
    assert _about(later, records.pupil_id)[0].anonymise
    assert _count(sessions, Concern, Concern.pupil_id == records.pupil_id) == 0


def test_safeguarding_kept_until_deleted_by_hand_when_the_policy_says_null(
    sessions, school
) -> None:
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id)
    _set_retention(sessions, school.school_id, safeguarding_until_age=None)
    retention.apply(sessions, CliActor("dpo"), datetime(2090, 1, 1, tzinfo=UTC))
    assert _count(sessions, Concern, Concern.id == records.safeguarding_concern_id) == 1


def test_bad_settings_skip_the_school_and_say_why(sessions, school) -> None:
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id)
    _set_retention(sessions, school.school_id, safeguarding_until_age=18)
    result = retention.apply(sessions, CliActor("dpo"), AT_25)
    assert _about(result, records.pupil_id) == []
    assert "safeguarding_until_age must be at least 25" in result.settings_problems[0]
    assert _count(sessions, Concern) == 2


def test_a_pupil_still_on_roll_is_not_touched(sessions, school) -> None:
    records = plant_records(sessions, school)
    result = retention.apply(sessions, CliActor("dpo"), AT_25)
    (outcome,) = _about(result, records.pupil_id)
    assert outcome.note.startswith("still on roll")
    assert _count(sessions, Concern) == 2


def test_housekeeping_rows_go_after_their_days(sessions, school) -> None:
    now = NOW
    with sessions() as session, session.begin():
        session.add_all(
            [
                ConversationState(
                    platform="console",
                    chat_key="old",
                    flow="log_concern",
                    updated_at=now - timedelta(days=3),
                    expires_at=now - timedelta(days=2),
                ),
                ConversationState(
                    platform="console",
                    chat_key="live",
                    flow="log_concern",
                    updated_at=now - timedelta(hours=1),
                    expires_at=now + timedelta(hours=23),
                ),
                ProcessedEvent(platform="slack", event_id="E1", at=now - timedelta(days=8)),
                ProcessedEvent(platform="slack", event_id="E2", at=now - timedelta(days=1)),
                InboundRate(
                    scope="telegram:chat",
                    sender_key="left-last-week",
                    window_start=now - timedelta(days=7),
                    count=3,
                ),
                InboundRate(
                    scope="telegram:chat",
                    sender_key="writing-now",
                    window_start=now - timedelta(seconds=20),
                    count=1,
                ),
            ]
        )
        for held_for, age in (
            ("telegram:left", timedelta(days=3)),
            ("telegram:now", timedelta(hours=1)),
        ):
            photo = photo_bytes("held")
            session.add(
                ConcernAttachment(
                    school_id=school.school_id,
                    uploaded_by_id=school.staff["teacher"],
                    uploaded_at=now - age,
                    held_for=held_for,
                    source="telegram",
                    content_type="image/png",
                    size=len(photo),
                    sha256="0" * 64,
                    data=photo,
                )
            )
        for token, age in (("old", 8), ("new", 1)):
            session.add(
                WebSignIn(
                    school_id=school.school_id,
                    staff_id=school.staff["dsl"],
                    token_hash=token * 16,
                    created_at=now - timedelta(days=age, minutes=10),
                    expires_at=now - timedelta(days=age),
                )
            )
            session.add(
                WebSession(
                    school_id=school.school_id,
                    staff_id=school.staff["dsl"],
                    session_hash=token * 16,
                    via="link",
                    created_at=now - timedelta(days=age, hours=1),
                    last_seen_at=now - timedelta(days=age),
                )
            )
        for key, status, age in (("a", "sent", 91), ("b", "sent", 10), ("c", "pending", 200)):
            row = Outbox(
                school_id=school.school_id,
                recipient_staff_id=school.staff["senco"],
                template="concern.new",
                params={},
                not_before=now - timedelta(days=age),
                dedupe_key=key,
                status=status,
                created_at=now - timedelta(days=age),
                sent_at=now - timedelta(days=age) if status == "sent" else None,
            )
            session.add(row)
            session.flush()
            session.add(
                DeliveryAttempt(outbox_id=row.id, at=row.created_at, worker="w", outcome="sent")
            )
    with sessions() as session:
        planned = retention.plan(session, now).plumbing
    assert planned == {
        "half-finished conversations": 1,
        "photos held for unsaved reports": 1,
        "processed event ids": 1,
        "staff web sign-in links": 1,
        "staff web sessions": 1,
        "rate-limit counters": 1,
        "delivery attempts": 1,
        "delivered messages": 1,
    }
    result = retention.apply(sessions, CliActor("dpo"), now)
    assert result.plumbing == planned
    with sessions() as session:
        assert set(session.scalars(select(ConversationState.chat_key))) == {"live"}
        assert set(session.scalars(select(ConcernAttachment.held_for))) == {"telegram:now"}
        assert set(session.scalars(select(ProcessedEvent.event_id))) == {"E2"}
        assert set(session.scalars(select(InboundRate.sender_key))) == {"writing-now"}
        assert set(session.scalars(select(WebSignIn.token_hash))) == {"new" * 16}
        assert set(session.scalars(select(WebSession.session_hash))) == {"new" * 16}
        assert set(session.scalars(select(Outbox.dedupe_key))) == {"b", "c"}
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.housekeeping")
        ).one()
        assert event.details["removed"]["delivered messages"] == 1


def test_the_command_line_dry_run_changes_nothing_and_the_real_run_is_audited(
    sessions, db_url, school, monkeypatch
) -> None:
    monkeypatch.setattr(common.console, "width", 250)
    records = plant_records(sessions, school)
    _leave(sessions, records.pupil_id, born=date(1990, 5, 1))

    dry = runner.invoke(app, ["retention", "apply", "--dry-run", "--database", db_url])
    assert dry.exit_code == 0, dry.output
    assert "Would remove: pupils past their retention date" in dry.output
    assert "Zoë Nowak" in dry.output and "would be anonymised" in dry.output
    assert "Dry run: nothing was changed" in dry.output
    assert _count(sessions, Concern) == 2
    assert _count(sessions, AuditEvent, AuditEvent.action.like("retention.%")) == 0

    real = runner.invoke(app, ["retention", "apply", "--database", db_url])
    assert real.exit_code == 0, real.output
    assert "Removed: pupils past their retention date" in real.output
    assert "anonymised" in real.output
    assert _count(sessions, Concern) == 0
    assert _count(sessions, AuditEvent, AuditEvent.action == "retention.anonymise") == 1
    assert "Recorded in the audit log as event(s)" in real.output

    again = runner.invoke(app, ["retention", "apply", "--database", db_url])
    assert "No pupil's records are past their retention date." in again.output


def test_reminders_merged_into_a_message_go_after_the_same_days(sessions, school) -> None:
    """A reminder that went out inside another message keeps only its dedupe key, as a row
    marked merged; it is kept as long as delivered messages are, then goes."""
    with sessions() as session, session.begin():
        for key, age in (("old", 91), ("recent", 10)):
            session.add(
                Outbox(
                    school_id=school.school_id,
                    recipient_staff_id=school.staff["senco"],
                    template="deadline.reminder",
                    params={"merged_into": "reminders:pupil:1:2026-08-01:staff:1"},
                    not_before=NOW - timedelta(days=age),
                    dedupe_key=key,
                    status="merged",
                    created_at=NOW - timedelta(days=age),
                )
            )
    with sessions() as session:
        assert retention.plan(session, NOW).plumbing["delivered messages"] == 1
    retention.apply(sessions, CliActor("dpo"), NOW)
    with sessions() as session:
        assert set(session.scalars(select(Outbox.dedupe_key))) == {"recent"}
