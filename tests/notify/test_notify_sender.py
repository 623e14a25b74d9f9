"""The Notify senders against a fake Notify at the HTTP boundary: what Notify receives for a
text message and an email, and each of Notify's answers as the outbox worker's outcome."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from sendbot.config import Settings
from sendbot.delivery.contract import Button, OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.notify.plugin import senders_of
from sendbot.handlers.notify.sender import NotifySender
from tests.notify.fake_notify import (
    API_KEY,
    BAD_KEY,
    EMAIL_TEMPLATE,
    OUTAGE,
    RATE_LIMITED,
    SMS_TEMPLATE,
    TEAM_ONLY,
    FakeNotify,
)

LINK = "https://school.example/p/Qm9vay1hLXJldmlldy0x"
MESSAGE = OutgoingMessage(
    text="Invitation from Oakfield School: Zoe's review on Tuesday 8 December at 3:30pm.",
    buttons=(Button("a1", "I will come"), Button("a2", "I cannot come")),
    link=LINK,
    reference="42",
)
PHONE = Recipient("sms", "+447700900123")


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, str]]:
    fake = FakeNotify()
    url = fake.start()
    yield fake, url
    fake.stop()


def _senders(url: str, *, key: str = API_KEY, email_via: str = "notify") -> dict[str, NotifySender]:
    return senders_of(
        Settings(
            notify_api_key=key,
            notify_base_url=url,
            notify_sms_template_id=SMS_TEMPLATE,
            notify_email_template_id=EMAIL_TEMPLATE,
            email_via=email_via,
        )
    )


def _send(sender: NotifySender, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
    return asyncio.run(sender.send(recipient, message))


def test_a_text_message_carries_the_rendered_text_then_the_link_and_no_buttons(notify) -> None:
    fake, url = notify
    outcome = _send(_senders(url)["sms"], PHONE, MESSAGE)
    assert outcome.status == "sent"
    [request] = fake.log
    assert request.kind == "sms"
    assert request.body["phone_number"] == "+447700900123"
    assert request.body["template_id"] == SMS_TEMPLATE
    assert request.body["reference"] == "42"
    body = request.body["personalisation"]["body"]
    assert body == f"{MESSAGE.text}\n\n{LINK}"
    assert "I will come" not in body
    assert outcome.platform_message_id and len(outcome.platform_message_id) == 36


def test_an_email_through_notify_has_a_subject_and_the_link(notify) -> None:
    fake, url = notify
    outcome = _send(_senders(url)["email"], Recipient("email", "anna@example.org"), MESSAGE)
    assert outcome.status == "sent"
    [request] = fake.log
    assert request.kind == "email"
    assert request.body["email_address"] == "anna@example.org"
    assert request.body["template_id"] == EMAIL_TEMPLATE
    personalisation = request.body["personalisation"]
    assert personalisation["subject"] == MESSAGE.text
    assert personalisation["body"].endswith(f"\n\n{LINK}")


def test_email_goes_through_notify_only_when_the_school_chose_it(notify) -> None:
    _, url = notify
    assert set(_senders(url, email_via="smtp")) == {"sms"}
    assert set(_senders(url, email_via="notify")) == {"sms", "email"}


def test_a_key_in_the_wrong_shape_stops_start_up_without_showing_it() -> None:
    with pytest.raises(ValueError, match="SENDBOT_NOTIFY_API_KEY") as raised:
        _senders("http://127.0.0.1:9", key="not-a-real-key-abc")
    assert "not-a-real-key-abc" not in str(raised.value)


@pytest.mark.parametrize(
    ("answer", "status", "wait"),
    [(RATE_LIMITED, "retry", 60.0), (OUTAGE, "retry", None)],
)
def test_rate_limits_and_outages_are_retried(notify, answer, status, wait) -> None:
    fake, url = notify
    fake.answer_next(answer)
    outcome = _send(_senders(url)["sms"], PHONE, MESSAGE)
    assert (outcome.status, outcome.retry_after_seconds) == (status, wait)
    assert str(answer[0]) in (outcome.detail or "")


def test_the_days_sending_limit_waits_an_hour(notify) -> None:
    fake, url = notify
    fake.answer_next((429, "TooManyRequestsError", "Exceeded send limits (250) for today"))
    outcome = _send(_senders(url)["sms"], PHONE, MESSAGE)
    assert (outcome.status, outcome.retry_after_seconds) == ("retry", 3600.0)


def test_an_invalid_number_is_blocked_so_the_next_channel_is_tried(notify) -> None:
    fake, url = notify
    fake.invalid.add("+447700900999")
    outcome = _send(_senders(url)["sms"], Recipient("sms", "+447700900999"), MESSAGE)
    assert outcome.status == "blocked"
    assert "Not a UK mobile number" in (outcome.detail or "")


def test_a_team_only_key_fails_and_says_why(notify) -> None:
    fake, url = notify
    fake.answer_next(TEAM_ONLY)
    outcome = _send(_senders(url)["sms"], PHONE, MESSAGE)
    assert outcome.status == "failed"
    assert "live key" in (outcome.detail or "")


def test_a_refused_key_fails_with_a_clear_detail_never_the_key(notify) -> None:
    fake, url = notify
    fake.answer_next(BAD_KEY)
    outcome = _send(_senders(url)["sms"], PHONE, MESSAGE)
    assert outcome.status == "failed"
    assert "SENDBOT_NOTIFY_API_KEY" in (outcome.detail or "")
    assert API_KEY not in (outcome.detail or "") and API_KEY[-36:] not in (outcome.detail or "")


def test_a_wrong_secret_is_refused_by_notify(notify) -> None:
    fake, url = notify
    wrong = API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    outcome = _send(_senders(url, key=wrong)["sms"], PHONE, MESSAGE)
    assert outcome.status == "failed"
    assert fake.log[0].status == 403
    assert wrong[-36:] not in (outcome.detail or "")


def test_notify_out_of_reach_is_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = _send(_senders(f"http://127.0.0.1:{port}")["sms"], PHONE, MESSAGE)
    assert outcome.status == "retry"


def test_sendbot_serve_adds_notify_only_when_it_is_configured() -> None:
    from sendbot.cli.serve import plugins_for

    bare = Settings(database_url="sqlite://")
    configured = Settings(
        database_url="sqlite://",
        notify_api_key=API_KEY,
        notify_sms_template_id=SMS_TEMPLATE,
    )
    assert len(plugins_for(configured)) == len(plugins_for(bare)) + 1
    key_only = Settings(database_url="sqlite://", notify_api_key=API_KEY)
    assert len(plugins_for(key_only)) == len(plugins_for(bare))


def test_a_callback_token_notify_would_refuse_stops_start_up() -> None:
    from sendbot.handlers.notify.plugin import notify_plugin

    settings = Settings(
        notify_api_key=API_KEY, notify_sms_template_id=SMS_TEMPLATE, notify_callback_token="short"
    )
    with pytest.raises(ValueError, match="at least 10"):
        notify_plugin(settings)


def test_email_via_notify_without_its_template_stops_start_up() -> None:
    from sendbot.cli.serve import plugins_for

    settings = Settings(database_url="sqlite://", email_via="notify", notify_api_key=API_KEY)
    with pytest.raises(ValueError, match="SENDBOT_NOTIFY_EMAIL_TEMPLATE_ID"):
        plugins_for(settings)


def test_an_email_subject_is_the_first_line_and_formatting_marks_read_as_written() -> None:
    from sendbot.handlers.notify.layout import email_parts

    message = OutgoingMessage(
        text="A reply from Ms Patel about Zoe:\n\n- bring her reading book\n# 3 is the room",
        link=LINK,
    )
    subject, body = email_parts(message)
    assert subject == "A reply from Ms Patel about Zoe"
    assert body.splitlines()[2] == "\u00a0- bring her reading book"
    assert body.splitlines()[3] == "\u00a0# 3 is the room"
    assert body.endswith(f"\n\n{LINK}")
