"""Notify's delivery receipts at POST /notify/status, served by `sendbot serve`'s app: only
with the school's bearer token, only in Notify's shape, each applied once; delivered is
recorded, a number that does not exist moves the message to the next channel (or tells the
school when none is left), a temporary failure is sent again later."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.handlers.notify.plugin import STATUS_PATH, notify_plugin
from sendbot.scheduling.worker import OutboxWorker
from sendbot.serving.app import build_app
from sendbot.serving.core import Core, build_core
from sendbot.store.models import DeliveryAttempt, Identity, Outbox
from tests.factories import NOW, build_small_school
from tests.notify.fake_notify import API_KEY, SMS_TEMPLATE
from tests.notify.world import PHONE, RecordingSender, family, reply_to

TOKEN = "a-long-callback-token-for-notify"
NOTIFICATION = "740e5834-3a29-46b4-9a6f-16142fde533a"


def _core(db_url: str) -> Core:
    settings = Settings(
        database_url=db_url,
        notify_api_key=API_KEY,
        notify_base_url="http://127.0.0.1:9",
        notify_sms_template_id=SMS_TEMPLATE,
        notify_callback_token=TOKEN,
    )
    return build_core(settings, clock=FrozenClock(NOW))


def _sent_by_sms(core: Core, *, email: bool = True) -> tuple[int, Any]:
    """A parent's message Notify accepted as NOTIFICATION; returns its row id and the family."""
    school = build_small_school(core.sessions)
    people = family(core.sessions, school.school_id, NOW, email=email)
    outbox_id = reply_to(core.sessions, school.school_id, people.guardian_id, NOW)
    with core.sessions() as session, session.begin():
        row = session.get(Outbox, outbox_id)
        assert row is not None
        row.status, row.platform, row.platform_message_id = "sent", "sms", NOTIFICATION
        row.sent_at, row.attempts = NOW, 1
    return outbox_id, people


def _receipt(outbox_id: int, status: str, **changes: Any) -> dict[str, Any]:
    """A receipt as Notify's API documentation gives it ("Delivery receipts")."""
    return {
        "id": NOTIFICATION,
        "reference": str(outbox_id),
        "to": PHONE,
        "status": status,
        "created_at": "2026-11-24T10:15:01.000000Z",
        "completed_at": "2026-11-24T10:15:09.000000Z",
        "sent_at": "2026-11-24T10:15:02.000000Z",
        "notification_type": "sms",
        "template_id": SMS_TEMPLATE,
        "template_version": 1,
        **changes,
    }


async def _post(
    core: Core, *bodies: Any, token: str | None = TOKEN, raw: bytes | None = None
) -> list[int]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    app = build_app(core, [notify_plugin(core.settings)])
    answers = []
    async with TestClient(TestServer(app)) as client:
        for body in bodies:
            data = raw if raw is not None else json.dumps(body).encode()
            response = await client.post(STATUS_PATH, data=data, headers=headers)
            answers.append(response.status)
    return answers


def post(core: Core, *bodies: Any, **options: Any) -> list[int]:
    return asyncio.run(_post(core, *bodies, **options))


def _attempts(core: Core, outbox_id: int) -> list[str]:
    with core.sessions() as session:
        return list(
            session.scalars(
                select(DeliveryAttempt.outcome)
                .where(DeliveryAttempt.outbox_id == outbox_id)
                .order_by(DeliveryAttempt.id)
            )
        )


def test_delivered_is_recorded_once_however_often_notify_says_it(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    assert post(core, _receipt(outbox_id, "delivered"), _receipt(outbox_id, "delivered")) == [
        200,
        200,
    ]
    assert _attempts(core, outbox_id) == ["delivered"]
    with core.sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and (row.status, row.platform_message_id) == ("sent", NOTIFICATION)


def test_a_number_that_does_not_exist_moves_the_message_to_the_next_channel(db_url) -> None:
    core = _core(db_url)
    outbox_id, people = _sent_by_sms(core)
    failed = _receipt(outbox_id, "permanent-failure", to="07700 900123")  # Notify's own way
    assert post(core, failed, failed) == [200, 200]
    with core.sessions() as session:
        phone = session.get(Identity, people.sms_id)
        assert phone is not None and (phone.active, phone.inactive_reason) == (False, "blocked")
        row = session.get(Outbox, outbox_id)
        assert row is not None
        assert (row.status, row.platform, row.platform_message_id) == ("pending", None, None)
        told = session.scalar(
            select(func.count(Outbox.id)).where(Outbox.template == keys.PARENT_BLOCKED_NOTICE)
        )
        assert told
    assert _attempts(core, outbox_id) == ["blocked"]
    # The worker now sends it by email, the guardian's next channel.
    email = RecordingSender("email")
    worker = OutboxWorker(core.sessions, core.clock, {"email": email}, worker_id="t")
    assert asyncio.run(worker.run_once()).sent >= 1
    assert [r.address for r, _ in email.sent] == ["anna.nowak@example.org"]
    with core.sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and (row.status, row.platform) == ("sent", "email")


def test_with_no_channel_left_the_school_is_told(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core, email=False)
    assert post(core, _receipt(outbox_id, "permanent-failure")) == [200]
    with core.sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and row.status == "blocked"
        notices = list(
            session.scalars(select(Outbox).where(Outbox.template == keys.DELIVERY_FAILED))
        )
        assert notices and all(n.params["person"] == "Anna Nowak" for n in notices)


@pytest.mark.parametrize(
    ("status", "wait"),
    [("temporary-failure", timedelta(hours=6)), ("technical-failure", timedelta(minutes=15))],
)
def test_a_temporary_failure_is_sent_again_later(db_url, status, wait) -> None:
    core = _core(db_url)
    outbox_id, people = _sent_by_sms(core)
    assert post(core, _receipt(outbox_id, status)) == [200]
    with core.sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and (row.status, row.not_before) == ("pending", NOW + wait)
        phone = session.get(Identity, people.sms_id)
        assert phone is not None and phone.active  # the same number, later
    assert _attempts(core, outbox_id) == ["retry"]


def test_interim_statuses_change_nothing(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    assert post(core, _receipt(outbox_id, "sending")) == [200]
    assert _attempts(core, outbox_id) == []


def test_a_receipt_before_the_send_is_recorded_is_asked_for_again(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    with core.sessions() as session, session.begin():
        row = session.get(Outbox, outbox_id)
        assert row is not None
        row.status, row.platform_message_id, row.claimed_by = "claimed", None, "w"
    assert post(core, _receipt(outbox_id, "delivered")) == [503]
    assert _attempts(core, outbox_id) == []


@pytest.mark.parametrize("token", [None, "wrong-token-of-some-length", TOKEN + "x", ""])
def test_without_the_schools_token_nothing_is_read(db_url, token) -> None:
    core = _core(db_url)
    outbox_id, people = _sent_by_sms(core)
    assert post(core, _receipt(outbox_id, "permanent-failure"), token=token) == [401]
    with core.sessions() as session:
        phone = session.get(Identity, people.sms_id)
        assert phone is not None and phone.active
    assert _attempts(core, outbox_id) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"status": "delivered"}).encode(),
        json.dumps({"id": 7, "status": "delivered", "to": PHONE}).encode(),
        json.dumps(
            {"id": NOTIFICATION, "status": "delivered", "to": PHONE, "reference": ["1"]}
        ).encode(),
        json.dumps(
            {"id": NOTIFICATION, "status": "delivered", "to": PHONE, "notification_type": "letter"}
        ).encode(),
    ],
)
def test_a_body_not_in_notifys_shape_is_refused(db_url, body) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    assert post(core, None, raw=body) == [400]
    assert _attempts(core, outbox_id) == []


def test_a_receipt_for_nothing_we_sent_is_accepted_and_changes_nothing(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    stranger = _receipt(outbox_id, "permanent-failure", id="00000000-0000-4000-8000-000000000000")
    assert post(core, stranger) == [200]
    assert _attempts(core, outbox_id) == []


def test_an_email_address_that_does_not_exist_moves_the_message_to_text(db_url) -> None:
    core = _core(db_url)
    outbox_id, people = _sent_by_sms(core)
    with core.sessions() as session, session.begin():
        row = session.get(Outbox, outbox_id)
        assert row is not None
        row.platform = "email"
    bounced = _receipt(
        outbox_id, "permanent-failure", to="Anna.Nowak@Example.org", notification_type="email"
    )
    assert post(core, bounced) == [200]
    with core.sessions() as session:
        by_email = session.get(Identity, people.email_id)
        by_sms = session.get(Identity, people.sms_id)
        assert by_email is not None and not by_email.active
        assert by_sms is not None and by_sms.active
        row = session.get(Outbox, outbox_id)
        assert row is not None and row.status == "pending"


def test_after_three_resends_a_temporary_failure_tells_the_school(db_url) -> None:
    core = _core(db_url)
    outbox_id, _ = _sent_by_sms(core)
    for n in range(4):
        notification = f"740e5834-3a29-46b4-9a6f-16142fde53{n:02d}"
        with core.sessions() as session, session.begin():
            row = session.get(Outbox, outbox_id)
            assert row is not None
            assert n == 0 or row.status == "pending"  # sent again after each failure
            row.status, row.platform, row.platform_message_id = "sent", "sms", notification
        assert post(core, _receipt(outbox_id, "temporary-failure", id=notification)) == [200]
    with core.sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and row.status == "failed"
        told = session.scalar(
            select(func.count(Outbox.id)).where(Outbox.template == keys.DELIVERY_FAILED)
        )
        assert told
    assert _attempts(core, outbox_id) == ["retry"] * 4
