"""A review is booked for Kacper; his parents have only email. The real outbox worker sends
each invitation through a real SMTP server on this machine, and the test reads what that
server received the way a mail app would."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.writer import FSI, PDI, Writer
from sendbot.messages.parents.email_frame import email_frame
from sendbot.messages.parents.invitation import meeting_title
from sendbot.store.models import DeliveryAttempt, Identity, Outbox
from tests.email.helpers import SCHOOL, book_review, deliver, email_guardian, smtp_sender
from tests.email.relay import Relay, free_port
from tests.factories import NOW, build_small_school

LONDON = ZoneInfo("Europe/London")
WINTER = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # GMT: 15:30 in London
SUMMER = datetime(2027, 6, 15, 9, 0, tzinfo=UTC)  # BST: 10:00 in London


def _parts(email: EmailMessage) -> tuple[str, str, EmailMessage]:
    """The plain text, the HTML and the calendar part of one received email."""
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and html is not None
    calendars = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert isinstance(calendars[0], EmailMessage)
    return str(text.get_content()), str(html.get_content()), calendars[0]


def _event(part: EmailMessage) -> tuple[Calendar, datetime]:
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0].decoded("dtstart")


def _invitations(relay: Relay, address: str) -> list[EmailMessage]:
    """The emails the relay accepted for this address that carry a calendar invitation."""
    emails = [r.email() for r in relay.handler.to(address)]
    return [e for e in emails if any(p.get_content_type() == "text/calendar" for p in e.walk())]


def _outbox(sessions, guardian_id: int) -> Outbox:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalars(
            select(Outbox).where(
                Outbox.recipient_guardian_id == guardian_id,
                Outbox.template == keys.MEETING_INVITATION,
            )
        ).one()


def test_each_parent_gets_the_invitation_by_email_in_their_own_language(sessions, relay) -> None:
    school = build_small_school(sessions)
    anna = email_guardian(sessions, school, "anna", "Anna", "Wiśniewska", "anna@example.org", "pl")
    tom = email_guardian(sessions, school, "tom", "Tom", "Walker", "tom@example.org")
    sana = email_guardian(sessions, school, "sana", "Sana", "Iqbal", "sana@example.org", "ur")
    book_review(sessions, school, WINTER)
    report = deliver(
        sessions, FrozenClock(NOW), {"email": smtp_sender(relay.port, FrozenClock(NOW))}
    )
    assert report.sent == 3

    for guardian, address, code in (
        (anna, "anna", "pl"),
        (tom, "tom", "en_GB"),
        (sana, "sana", "ur"),
    ):
        [got] = relay.handler.to(f"{address}@example.org")
        assert got.mail_from == SCHOOL.address
        email = got.email()
        assert email.get_content_type() == "multipart/mixed"
        assert [p.get_content_type() for p in email.iter_parts()][0] == "multipart/alternative"
        text, html, calendar = _parts(email)
        w = Writer(BY_CODE[code], "Europe/London")
        title = meeting_title(w, "sen_support_review", "Kacper")
        # Greeting first in the message; the subject is what the message is about.
        assert email["Subject"] == title
        assert title in text and w.time(WINTER) in text and w.time(WINTER) in html
        assert f'lang="{code.replace("_", "-")}"' in html
        frame = email_frame(w, SCHOOL.name or "")
        assert frame.sent_by in text and frame.how_to_stop in text
        # Staff-typed fields reach the email as the renderer wrote them.
        assert "Room 4" in text and "Room 4" in html
        assert str(email["From"]) == "Oakfield Primary School <office@oakfield.example>"
        assert str(email["Reply-To"]) == "senco@oakfield.example"
        assert email["Auto-Submitted"] == "auto-generated"
        assert "<mailto:senco@oakfield.example?subject=unsubscribe>" in email["List-Unsubscribe"]
        assert email["Date"] is not None
        assert _outbox(sessions, guardian).platform_message_id == email["Message-ID"]
        # A real invitation: the calendar part says its method, as the file itself does.
        assert calendar.get_content_type() == "text/calendar"
        assert calendar.get_param("method") == "REQUEST"
        assert calendar.get_content_charset() == "utf-8"
        assert calendar.get_filename() == "meeting.ics"
        ics, starts = _event(calendar)
        assert ics["METHOD"] == "REQUEST"
        assert starts.astimezone(LONDON).hour == 15 and starts.astimezone(LONDON).minute == 30

    urdu = relay.handler.to("sana@example.org")[0].email()
    text, html, _ = _parts(urdu)
    assert 'dir="rtl"' in html and 'lang="ur"' in html
    # The child's name stays isolated in both parts, so it cannot scramble the sentence.
    assert f"{FSI}Kacper{PDI}" in text and f"{FSI}Kacper{PDI}" in html
    polish = relay.handler.to("anna@example.org")[0].email()
    assert 'dir="ltr"' in _parts(polish)[1] and "Dzień dobry" in _parts(polish)[0]


@pytest.mark.parametrize(
    ("starts_at", "local", "offset"),
    [(WINTER, "15:30", timedelta(0)), (SUMMER, "10:00", timedelta(hours=1))],
    ids=["GMT", "BST"],
)
def test_the_calendar_invitation_keeps_the_london_time_in_winter_and_summer(
    sessions, relay, starts_at: datetime, local: str, offset: timedelta
) -> None:
    school = build_small_school(sessions)
    email_guardian(sessions, school, "tom", "Tom", "Walker", "tom@example.org")
    book_review(sessions, school, starts_at)
    deliver(sessions, FrozenClock(NOW), {"email": smtp_sender(relay.port, FrozenClock(NOW))})
    [got] = relay.handler.to("tom@example.org")
    text, _, calendar = _parts(got.email())
    assert f"Time: {local} to " in text
    ics, starts = _event(calendar)
    assert ics["METHOD"] == "REQUEST"
    there = starts.astimezone(LONDON)
    assert there.strftime("%H:%M") == local and there.utcoffset() == offset
    assert there.date() == starts_at.date()


def test_a_relay_that_says_try_later_gets_the_email_again_and_it_arrives_once(
    sessions, relay
) -> None:
    school = build_small_school(sessions)
    tom = email_guardian(sessions, school, "tom", "Tom", "Walker", "tom@example.org")
    book_review(sessions, school, WINTER)
    relay.handler.put_off["tom@example.org"] = 1  # 451 once, as a greylisting relay does
    clock = FrozenClock(NOW)
    senders = {"email": smtp_sender(relay.port, clock)}
    deliver(sessions, clock, senders)
    row = _outbox(sessions, tom)
    assert row.status == "pending" and row.not_before > NOW
    assert "451" in (row.last_error or "") and "tom@" not in (row.last_error or "")
    assert _invitations(relay, "tom@example.org") == []
    deliver(sessions, clock, senders)
    assert _outbox(sessions, tom).status == "pending"  # not before its back-off
    clock.advance(timedelta(minutes=5))
    deliver(sessions, clock, senders)
    assert len(_invitations(relay, "tom@example.org")) == 1
    with sessions() as session:
        outcomes = session.scalars(
            select(DeliveryAttempt.outcome)
            .where(DeliveryAttempt.outbox_id == row.id)
            .order_by(DeliveryAttempt.id)
        ).all()
    assert outcomes == ["retry", "sent"]


class TextMessages:
    """The guardian's next channel, standing in for text messages."""

    platform = "sms"

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, OutgoingMessage]] = []

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        self.sent.append((recipient, message))
        return SendOutcome.sent(f"sms-{len(self.sent)}")


def test_a_refused_address_is_switched_off_the_school_told_and_the_next_channel_used(
    sessions, relay
) -> None:
    school = build_small_school(sessions)
    anna = email_guardian(sessions, school, "anna", "Anna", "Wiśniewska", "anna@example.org")
    with sessions() as session, session.begin():
        session.add(
            Identity(platform="sms", external_id="+447700900123", guardian_id=anna, created_at=NOW)
        )
        # Newer than the phone number, so tried first today and under the documented order.
        email_identity = session.scalars(
            select(Identity).where(Identity.platform == "email", Identity.guardian_id == anna)
        ).one()
        session.delete(email_identity)
        session.flush()
        session.add(
            Identity(
                platform="email", external_id="anna@example.org", guardian_id=anna, created_at=NOW
            )
        )
    relay.handler.refuse["anna@example.org"] = "550 5.1.1 <anna@example.org>: no such mailbox"
    book_review(sessions, school, WINTER)
    texts = TextMessages()
    clock = FrozenClock(NOW)
    report = deliver(sessions, clock, {"email": smtp_sender(relay.port, clock), "sms": texts})
    assert report.blocked == 1 and report.sent >= 1
    assert relay.handler.to("anna@example.org") == []
    [(to, message)] = [(r, m) for r, m in texts.sent if r.address == "+447700900123"]
    assert "Kacper" in message.text
    row = _outbox(sessions, anna)
    assert (row.status, row.platform) == ("sent", "sms")
    with sessions() as session:
        email = session.scalars(
            select(Identity).where(Identity.platform == "email", Identity.guardian_id == anna)
        ).one()
        assert (email.active, email.inactive_reason) == (False, "blocked")
        told = session.scalars(
            select(Outbox).where(Outbox.template == keys.PARENT_BLOCKED_NOTICE)
        ).all()
        detail = session.scalars(
            select(DeliveryAttempt.detail).where(DeliveryAttempt.outcome == "blocked")
        ).one()
    assert [t.recipient_staff_id for t in told] == [school.staff["senco"]]
    assert detail is not None and "550" in detail and "anna@" not in detail


def test_with_the_relay_down_nothing_is_lost_and_it_goes_when_the_relay_is_back(
    sessions,
) -> None:
    school = build_small_school(sessions)
    tom = email_guardian(sessions, school, "tom", "Tom", "Walker", "tom@example.org")
    book_review(sessions, school, WINTER)
    port = free_port()  # nothing listens there yet
    clock = FrozenClock(NOW)
    senders = {"email": smtp_sender(port, clock)}
    first = deliver(sessions, clock, senders)
    assert first.sent == 0 and first.retried >= 1
    row = _outbox(sessions, tom)
    assert row.status == "pending" and row.attempts == 1
    assert "SMTPConnectError" in (row.last_error or "")
    relay = Relay(port=port).start()
    try:
        clock.advance(timedelta(minutes=5))
        deliver(sessions, clock, senders)
        assert len(_invitations(relay, "tom@example.org")) == 1
    finally:
        relay.stop()
    assert _outbox(sessions, tom).status == "sent"


def test_sending_logs_neither_the_address_nor_the_message(sessions, relay, caplog) -> None:
    school = build_small_school(sessions)
    email_guardian(sessions, school, "sana", "Sana", "Iqbal", "sana@example.org", "ur")
    relay.handler.put_off["sana@example.org"] = 1
    book_review(sessions, school, WINTER)
    clock = FrozenClock(NOW)
    with caplog.at_level(logging.DEBUG):
        deliver(sessions, clock, {"email": smtp_sender(relay.port, clock)})
        clock.advance(timedelta(minutes=5))
        deliver(sessions, clock, {"email": smtp_sender(relay.port, clock)})
    assert len(_invitations(relay, "sana@example.org")) == 1
    # The test relay's own log (aiosmtpd's "mail.log") is not sendbot's.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    for secret in ("sana@example.org", "Sana", "Kacper", "Room 4"):
        assert secret not in ours
