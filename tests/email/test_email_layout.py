"""How one parent message is laid out as an email, and what each answer of a relay means."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest
from icalendar import Calendar
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.delivery.contract import Attachment, Button, OutgoingMessage, Recipient
from sendbot.delivery.parent_params import MeetingInvitationData, RsvpActions
from sendbot.handlers.email.compose import compose, subject_of
from sendbot.handlers.email.sender import FileEmailSender, outcome_for
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.writer import FSI, LRI, PDI, Writer
from sendbot.messages.parents.email_frame import email_frame
from sendbot.messages.parents.invitation import invitation_ics
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Meeting
from tests.email.helpers import SCHOOL, book_review, deliver, email_guardian, smtp_sender
from tests.email.relay import Relay
from tests.factories import NOW, build_small_school

PAGE = "https://sendbot.school.example/p/Xq3vB9kLmN2pR7sT4wY8zA"


def _sent(message: OutgoingMessage, to: str = "anna@example.org") -> EmailMessage:
    """The email as a mail app reads it: composed, written out and parsed again."""
    raw = compose(to, message, SCHOOL, NOW).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _body(email: EmailMessage, kind: str) -> str:
    part = email.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def test_the_subject_is_the_first_line_after_the_greeting_shortened_at_a_word() -> None:
    hello = ("Hello", ",")
    assert subject_of("Hello Anna,\n\nMeeting about Kacper\n\nDate: today", hello) == (
        "Meeting about Kacper"
    )
    assert subject_of("A reply from Ms Shaw:\n\nSee you then.", hello) == "A reply from Ms Shaw:"
    spanish = email_frame(Writer(BY_CODE["es"]), "Oakfield").greeting
    assert subject_of(f"Hola, {FSI}Ana{PDI}:\n\nReunión", spanish) == "Reunión"
    long = "Meeting to check how the extra help for Kacper is going and what comes after it"
    short = subject_of(long + "\n\nmore")
    assert short == "Meeting to check how the extra help for Kacper is going and what comes after…"
    assert len(short) <= 78
    # A cut inside an isolated name closes the isolate, so the rest of a line keeps its way.
    rtl = "ملاقات " * 5 + f"{FSI}Kacper Wiśniewski and his brother Tomasz Wiśniewski{PDI}"
    cut = subject_of(rtl, limit=60)
    assert "Kacper" in cut and "Tomasz" not in cut
    assert cut.count(FSI) == cut.count(PDI) == 1 and cut.endswith(PDI)


def test_the_page_link_is_a_button_and_a_plain_address_and_chat_buttons_are_left_out() -> None:
    message = OutgoingMessage(
        text="Hello Anna,\n\nA question about Kacper's trip.",
        buttons=(Button("sealed:1", "I will come", "primary"),),
        link=PAGE,
    )
    email = _sent(message)
    text, html = _body(email, "plain"), _body(email, "html")
    assert f"Reply or read more:\n{PAGE}" in text.replace("\r\n", "\n")
    assert f'<a href="{PAGE}" style="display:inline-block' in html
    assert "I will come" not in text and "I will come" not in html
    assert email["List-Unsubscribe"] == (
        f"<mailto:senco@oakfield.example?subject=unsubscribe>, <{PAGE}>"
    )
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_an_https_page_only_a_mailto_unsubscribe_is_offered() -> None:
    for link in (None, "http://localhost:8080/p/abc"):
        email = _sent(OutgoingMessage(text="A note from school.", link=link))
        assert email["List-Unsubscribe"] == "<mailto:senco@oakfield.example?subject=unsubscribe>"
        assert email["List-Unsubscribe-Post"] is None


def test_what_staff_typed_is_escaped_and_isolates_stay_outside_links() -> None:
    text = (
        f"Place: {FSI}<script>alert('x')</script> & Room 4{PDI}\n"
        f"Online: {LRI}https://meet.example/j/1?a=1&b=2{PDI}."
    )
    html = _body(_sent(OutgoingMessage(text=text, language="ur")), "html")
    assert "<script>" not in html
    assert f"{FSI}&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Room 4{PDI}" in html
    link = '<a href="https://meet.example/j/1?a=1&amp;b=2" dir="ltr"'
    assert f"{LRI}{link}" in html and f"https://meet.example/j/1?a=1&amp;b=2</a>{PDI}." in html
    assert '<html lang="ur" dir="rtl">' in html and '<div lang="ur" dir="rtl"' in html


def test_an_arabic_email_is_right_to_left_and_its_footer_is_in_arabic() -> None:
    email = _sent(OutgoingMessage(text="مرحبًا", language="ar"))
    assert 'dir="rtl"' in _body(email, "html")
    sent_by = Writer(BY_CODE["ar"])._("This email was sent by {school}.", school=SCHOOL.name)
    assert sent_by in _body(email, "plain") and sent_by in _body(email, "html")
    assert email["Content-Language"] == "ar"


def _ics(cancel: bool) -> bytes:
    data = MeetingInvitationData(
        invitation_id=7,
        meeting_kind="sen_support_review",
        child_name="Kacper",
        school_name="Oakfield Primary School",
        starts_at=datetime(2027, 3, 30, 14, 0, tzinfo=UTC),
        ends_at=None,
        place="Room 4",
        video_link=None,
        actions=RsvpActions("a", "b", "c", "d"),
    )
    return invitation_ics(Writer(), data, NOW, cancel=cancel)


@pytest.mark.parametrize("cancel", [False, True], ids=["request", "cancel"])
def test_a_calendar_file_goes_as_an_invitation_with_its_own_method(cancel: bool) -> None:
    method = "CANCEL" if cancel else "REQUEST"
    ics = Attachment("meeting.ics", _ics(cancel), "text/calendar")
    pdf = Attachment("summary.pdf", b"%PDF-1.4 x", "application/pdf")
    message = OutgoingMessage(text="The meeting", attachments=(ics, pdf))
    raw = compose("anna@example.org", message, SCHOOL, NOW).as_bytes(policy=policy.SMTP)
    assert f"Content-Type: text/calendar; method={method}; charset=UTF-8".encode() in raw
    email = _sent(message)
    calendar, paper = list(email.iter_attachments())
    assert calendar.get_param("method") == method
    assert Calendar.from_ical(calendar.get_payload(decode=True))["METHOD"] == method
    assert (paper.get_content_type(), paper.get_filename()) == ("application/pdf", "summary.pdf")
    assert paper.get_payload(decode=True) == b"%PDF-1.4 x"


def test_a_cancelled_meeting_reaches_the_parent_as_a_calendar_cancellation(sessions, relay) -> None:
    school = build_small_school(sessions)
    email_guardian(sessions, school, "tom", "Tom", "Walker", "tom@example.org")
    scheduled = book_review(sessions, school, NOW + timedelta(days=7))
    clock = FrozenClock(NOW)
    senders = {"email": smtp_sender(relay.port, clock)}
    deliver(sessions, clock, senders)
    with sessions() as session, session.begin():
        actor = staff_actor_by_id(session, school.staff["senco"])
        assert actor is not None
        from sendbot.services import meetings

        meetings.cancel(session, actor, scheduled.meeting_id, now=NOW)
        assert session.scalars(select(Meeting.status)).one() == "cancelled"
    deliver(sessions, clock, senders)
    methods = [
        part.get_param("method")
        for got in relay.handler.to("tom@example.org")
        for part in got.email().walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert methods == ["REQUEST", "CANCEL"]


REFUSED = "<anna@example.org>: mailbox unavailable"


@pytest.mark.parametrize(
    ("error", "status", "says"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, REFUSED, "anna@example.org")]
            ),
            "blocked",
            "550",
        ),
        (aiosmtplib.SMTPRecipientRefused(553, REFUSED, "anna@example.org"), "blocked", "553"),
        (aiosmtplib.SMTPRecipientRefused(551, REFUSED, "anna@example.org"), "blocked", "551"),
        (aiosmtplib.SMTPRecipientRefused(552, "mailbox full", "anna@example.org"), "retry", "552"),
        (aiosmtplib.SMTPRecipientRefused(450, REFUSED, "anna@example.org"), "retry", "450"),
        (aiosmtplib.SMTPDataError(451, "try later"), "retry", "451"),
        (aiosmtplib.SMTPDataError(554, "message refused as spam"), "failed", "554"),
        (
            aiosmtplib.SMTPAuthenticationError(535, "bad credentials"),
            "failed",
            "SENDBOT_SMTP_PASSWORD",
        ),
        (aiosmtplib.SMTPAuthenticationError(454, "try later"), "retry", "454"),
        (
            aiosmtplib.SMTPSenderRefused(550, "not yours", "office@oakfield.example"),
            "failed",
            "FROM_ADDRESS",
        ),
        (aiosmtplib.SMTPResponseException(421, "closing"), "retry", "421"),
        (aiosmtplib.SMTPServerDisconnected("gone"), "retry", "SMTPServerDisconnected"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), "retry", "SMTPReadTimeoutError"),
        (ConnectionRefusedError(111, "refused"), "retry", "ConnectionRefusedError"),
        (
            aiosmtplib.SMTPException("SMTP STARTTLS extension not supported by server."),
            "failed",
            "SENDBOT_SMTP_SECURITY",
        ),
    ],
)
def test_what_each_answer_of_the_relay_means(error: Exception, status: str, says: str) -> None:
    outcome = outcome_for(error)
    assert outcome.status == status
    assert outcome.detail is not None and says in outcome.detail
    assert "anna@" not in outcome.detail  # the address never reaches the outbox's record


def test_a_wrong_password_fails_with_a_detail_saying_what_to_check() -> None:
    from aiosmtpd.smtp import AuthResult

    relay = Relay(
        authenticator=lambda *args: AuthResult(success=False, handled=False), auth_require_tls=False
    ).start()
    try:
        sender = smtp_sender(relay.port, FrozenClock(NOW))
        sender.smtp = type(sender.smtp)(
            **{**sender.smtp.__dict__, "username": "office", "password": "wrong"}
        )
        outcome = asyncio.run(
            sender.send(Recipient("email", "anna@example.org"), OutgoingMessage(text="Hello"))
        )
    finally:
        relay.stop()
    assert outcome.status == "failed" and outcome.detail is not None
    assert "535" in outcome.detail and "SENDBOT_SMTP_PASSWORD" in outcome.detail
    assert relay.handler.received == []


def test_the_demo_folder_gets_the_same_email_as_a_private_eml_file(tmp_path: Path) -> None:
    folder = tmp_path / "emails"
    sender = FileEmailSender(folder, SCHOOL, FrozenClock(NOW))
    message = OutgoingMessage(text="Hello Anna,\n\nMeeting about Kacper", link=PAGE)
    outcome = asyncio.run(sender.send(Recipient("email", "anna@example.org"), message))
    assert outcome.status == "sent"
    [path] = folder.glob("*.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert email["Message-ID"] == outcome.platform_message_id
    assert email["To"] == "anna@example.org" and email["Subject"] == "Meeting about Kacper"
    assert email.get_body(("html",)) is not None and PAGE in path.read_text()


def test_a_school_name_in_another_script_is_written_so_mail_apps_read_it_back() -> None:
    school = SCHOOL.__class__("office@oakfield.example", "Szkoła Podstawowa nr 5 w Oakfield")
    raw = compose("anna@example.org", OutgoingMessage(text="Hello"), school, NOW)
    email = message_from_bytes(raw.as_bytes(policy=policy.SMTP), policy=policy.default)
    [sender] = email["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (school.name, school.address)
