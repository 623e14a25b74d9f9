"""The SENCO books a meeting and makes a parent's link, step by step (any platform)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.config import get_settings
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.delivery import keys
from sendbot.scheduling.senders import ConsoleSender
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity, Invitation, Invite, Meeting, Outbox
from tests.dialog import Dialog
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME
from tests.telegram.harness import add_guardian


def dialog(sessions, staff_id: int) -> Dialog:  # type: ignore[no-untyped-def]
    with sessions() as session:
        actor = staff_actor_by_id(session, staff_id)
    assert actor is not None
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    return Dialog(engine, actor, ChatRef("console", f"staff:{staff_id}"))


def test_the_senco_books_a_review_and_the_parents_are_invited(sessions) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    senco = dialog(sessions, school.staff["senco"])
    assert "Which pupil" in senco.says("meeting").text
    assert "What kind" in senco.says("kacper").text
    senco.says("SEN support review")
    assert "What time" in senco.says("1/12").text
    assert "like 15:30" in senco.says("half three").text
    assert "between 7am and 7pm" in senco.says("11pm").text
    senco.says("3.30pm")
    senco.says("45 minutes")
    senco.says("In person")
    senco.says("Room 4")
    check = senco.says("SENCO, class teacher").text
    assert "Tue 1 Dec 2026" in check and "Room 4" in check
    done = senco.says("1").text
    assert "Meeting booked for Tue 1 Dec 2026 at 15:30" in done
    assert "No Telegram, email address or mobile number" in done and "Anna Wiśniewska" in done
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.starts_at == datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
        assert meeting.attendees == ["SENCO", "class teacher"]
        invitation = session.scalars(select(Invitation)).one()
        assert invitation.guardian_id == family.guardian_id
        # Anna has no chat to reach: the SENCO was told to write or call, nothing is queued.
        assert (
            session.scalars(select(Outbox).where(Outbox.recipient_guardian_id.is_not(None))).all()
            == []
        )
    teacher = dialog(sessions, school.staff["teacher"])
    assert "Which pupil is the meeting about" not in teacher.says("meeting").text


def test_a_parent_with_no_chat_gets_no_queued_invitation_and_no_undelivered_notice(
    sessions,
) -> None:
    """Piotr is not on Telegram: the SENCO is told at booking to write or call, and nothing
    is queued for him, so no invitation is retried for a day to end as "undelivered"."""
    school = build_small_school(sessions)
    anna = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    piotr = add_guardian(sessions, school, "piotr", "Piotr", "Wiśniewski", ["kacper"])
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="telegram", external_id="70", guardian_id=anna.guardian_id, created_at=NOW
            )
        )
    senco = dialog(sessions, school.staff["senco"])
    for said in ("meeting", "kacper", "SEN support review", "1/12", "3.30pm", "45 minutes"):
        senco.says(said)
    senco.says("In person")
    senco.says("Room 4")
    senco.says("SENCO")
    done = senco.says("1").text

    with sessions() as session:
        invited = sorted(i.guardian_id for i in session.scalars(select(Invitation)))
        assert invited == sorted([anna.guardian_id, piotr.guardian_id])  # both are invited
        queued = {r.recipient_guardian_id for r in session.scalars(select(Outbox))}
        assert piotr.guardian_id not in queued and anna.guardian_id in queued
    assert "Invitations are on their way to 1 parent or carer" in done
    assert (
        "No Telegram, email address or mobile number, so please send a letter or call: "
        "Piotr Wiśniewski."
    ) in done

    # A week before, the reminder goes to Anna only; Piotr's stays with the SENCO's letter.
    with sessions() as session, session.begin():
        meeting = session.scalars(select(Meeting)).one()
        assert meetings.sweep_reminders(session, meeting.starts_at - timedelta(days=7)) == 1

    # Days of delivery later, nobody is told a message to Piotr was undelivered.
    clock = FrozenClock(NOW)
    worker = OutboxWorker(
        sessions, clock, {"telegram": ConsoleSender(platform="telegram")}, config=WorkerConfig()
    )
    for _ in range(14):
        asyncio.run(worker.drain())
        clock.advance(timedelta(hours=12))
    with sessions() as session:
        assert not session.scalars(
            select(Outbox).where(Outbox.recipient_guardian_id == piotr.guardian_id)
        ).all()
        assert not session.scalars(
            select(Outbox).where(Outbox.template == keys.DELIVERY_FAILED)
        ).all()


def test_the_senco_makes_a_parents_link(sessions, monkeypatch: pytest.MonkeyPatch) -> None:
    school = build_small_school(sessions)
    add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    monkeypatch.setenv("SENDBOT_TELEGRAM_BOT_USERNAME", BOT_USERNAME)
    get_settings.cache_clear()
    try:
        senco = dialog(sessions, school.staff["senco"])
        senco.says("invite")
        options = senco.says("kacper").options
        assert [o.label for o in options] == ["Anna Wiśniewska (parent)"]
        senco.says("1")
        done = senco.says("1").text
    finally:
        get_settings.cache_clear()
    assert f"https://t.me/{BOT_USERNAME}?start=" in done
    with sessions() as session:
        invite = session.scalars(select(Invite)).one()
        assert invite.created_by_id == school.staff["senco"]
        assert invite.expires_at == NOW + timedelta(days=14)
