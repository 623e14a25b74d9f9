"""The real outbox worker sending a parent's message by text message through a fake Notify:
what Notify receives, a rate limit retried with nothing lost, and a number that cannot work
turned off so the guardian's next channel carries the message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.handlers.notify.plugin import senders_of
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.store.models import DeliveryAttempt, Identity, Outbox
from tests.factories import NOW
from tests.notify.fake_notify import (
    API_KEY,
    INVALID_NUMBER,
    RATE_LIMITED,
    SMS_TEMPLATE,
    FakeNotify,
)
from tests.notify.world import LINK, PHONE, REPLY, WEB_URL, RecordingSender, family, reply_to


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, str]]:
    fake = FakeNotify()
    url = fake.start()
    yield fake, url
    fake.stop()


def _worker(sessions, clock, url: str, email: RecordingSender | None = None) -> OutboxWorker:  # type: ignore[no-untyped-def]
    settings = Settings(
        notify_api_key=API_KEY, notify_base_url=url, notify_sms_template_id=SMS_TEMPLATE
    )
    senders: dict = dict(senders_of(settings))
    if email is not None:
        senders["email"] = email
    return OutboxWorker(
        sessions, clock, senders, worker_id="t", config=WorkerConfig(web_url=WEB_URL)
    )


def _row(sessions, outbox_id: int) -> Outbox:  # type: ignore[no-untyped-def]
    with sessions() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_parent_message_goes_by_text_message_with_its_link(sessions, school, notify) -> None:
    fake, url = notify
    clock = FrozenClock(NOW)
    people = family(sessions, school.school_id, NOW, email=False)
    outbox_id = reply_to(sessions, school.school_id, people.guardian_id, NOW)
    report = asyncio.run(_worker(sessions, clock, url).run_once())
    assert report.sent == 1
    [request] = fake.log
    assert request.body["phone_number"] == PHONE
    assert request.body["template_id"] == SMS_TEMPLATE
    assert request.body["reference"] == str(outbox_id)
    body = request.body["personalisation"]["body"]
    assert REPLY in body and LINK.fullmatch(body.rsplit("\n\n", 1)[1])
    assert body.startswith("A reply from Ms Patel at Oakfield School about Zoe:")
    row = _row(sessions, outbox_id)
    assert (row.status, row.platform) == ("sent", "sms")
    assert row.platform_message_id == request.notification_id


def test_a_rate_limit_is_retried_later_and_nothing_is_lost(sessions, school, notify) -> None:
    fake, url = notify
    clock = FrozenClock(NOW)
    people = family(sessions, school.school_id, NOW, email=False)
    outbox_id = reply_to(sessions, school.school_id, people.guardian_id, NOW)
    fake.answer_next(RATE_LIMITED)
    worker = _worker(sessions, clock, url)
    first = asyncio.run(worker.run_once())
    assert (first.sent, first.retried) == (0, 1)
    row = _row(sessions, outbox_id)
    assert row.status == "pending" and row.not_before == NOW + timedelta(seconds=60)
    assert "429" in (row.last_error or "")
    # Not before Notify's minute is up: nothing is claimed, nothing sent.
    clock.advance(timedelta(seconds=30))
    assert asyncio.run(_worker(sessions, clock, url).run_once()).claimed == 0
    clock.advance(timedelta(seconds=31))
    again = asyncio.run(_worker(sessions, clock, url).run_once())
    assert again.sent == 1
    assert [r.status for r in fake.log] == [429, 201]
    assert fake.references() == {str(outbox_id): 1}
    assert _row(sessions, outbox_id).status == "sent"


def test_an_invalid_number_is_turned_off_and_the_next_channel_carries_it(
    sessions, school, notify
) -> None:
    fake, url = notify
    fake.answer_next(INVALID_NUMBER)
    clock = FrozenClock(NOW)
    # Text messages come last unless chosen: this parent chose them.
    people = family(sessions, school.school_id, NOW, preferred_channel="sms")
    outbox_id = reply_to(sessions, school.school_id, people.guardian_id, NOW)
    email = RecordingSender("email")
    report = asyncio.run(_worker(sessions, clock, url, email).run_once())
    assert (report.blocked, report.sent) == (1, 1)
    [(recipient, message)] = email.sent
    assert recipient.address == "anna.nowak@example.org"
    assert REPLY in message.text and message.link and LINK.fullmatch(message.link)
    with sessions() as session:
        phone = session.get(Identity, people.sms_id)
        assert phone is not None and (phone.active, phone.inactive_reason) == (False, "blocked")
        row = session.get(Outbox, outbox_id)
        assert row is not None and (row.status, row.platform) == ("sent", "email")
        outcomes = list(
            session.scalars(
                select(DeliveryAttempt.outcome)
                .where(DeliveryAttempt.outbox_id == outbox_id)
                .order_by(DeliveryAttempt.id)
            )
        )
        assert outcomes == ["blocked", "sent"]
        # The school hears that the parent cannot be reached this way, once.
        told = list(
            session.scalars(
                select(Outbox.recipient_staff_id).where(
                    Outbox.template == keys.PARENT_BLOCKED_NOTICE
                )
            )
        )
        assert told
