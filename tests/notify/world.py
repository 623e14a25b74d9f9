"""A guardian reachable by text message (and email), a parent message for them in the
outbox, and the worker that adds the one-tap link as `_prepare_one` will once part
"plinks" sets it (the link here is fixed; the text message layout is what is tested)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.services import outbox
from sendbot.store.models import Guardian, Identity

WEB_URL = "https://school.example"
# The one-tap link the worker puts on a parent's text message or email.
LINK = re.compile(r"https://school\.example/p/[A-Za-z0-9_-]{22}")
PHONE = "+447700900123"
EMAIL = "anna.nowak@example.org"
REPLY = "Thank you for your message. Zoe's review will be on Tuesday at 3:30pm in the library."


@dataclass
class Family:
    guardian_id: int
    sms_id: int
    email_id: int | None


def family(
    sessions: sessionmaker[Session],
    school_id: int,
    now: datetime,
    *,
    email: bool = True,
    preferred_channel: str | None = None,
) -> Family:
    """A guardian with a mobile number and, unless told not, an email address.

    With no preferred channel, text messages come last in the fallback order (they cost
    money), after email; a test that needs the text message tried first says so.
    """
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school_id,
            external_id="G-SMS",
            first_name="Anna",
            last_name="Nowak",
            preferred_channel=preferred_channel,
        )
        session.add(guardian)
        session.flush()
        email_id = None
        if email:
            by_email = Identity(
                platform="email", external_id=EMAIL, guardian_id=guardian.id, created_at=now
            )
            session.add(by_email)
            session.flush()
            email_id = by_email.id
        by_sms = Identity(
            platform="sms", external_id=PHONE, guardian_id=guardian.id, created_at=now
        )
        session.add(by_sms)
        session.flush()
        return Family(guardian.id, by_sms.id, email_id)


def reply_to(
    sessions: sessionmaker[Session], school_id: int, guardian_id: int, now: datetime, n: int = 0
) -> int:
    """A staff reply to the guardian in the outbox (urgent: quiet hours are not tested here)."""
    with sessions() as session, session.begin():
        row = outbox.enqueue(
            session,
            school_id=school_id,
            template=keys.PARENT_STAFF_REPLY,
            params={
                "text": REPLY if n == 0 else f"{REPLY} ({n})",
                "child_name": "Zoe",
                "staff_name": "Ms Patel",
                "school_name": "Oakfield School",
                "reply_id": n,
            },
            dedupe_key=f"test-reply:{guardian_id}:{n}",
            now=now,
            recipient_guardian_id=guardian_id,
            priority=outbox.URGENT,
        )
        assert row is not None
        session.flush()
        return row.id


@dataclass
class RecordingSender:
    """Another channel (email over SMTP, say): records what it was given."""

    platform: str
    sent: list[tuple[Recipient, OutgoingMessage]] = field(default_factory=list)

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        self.sent.append((recipient, message))
        return SendOutcome.sent(f"{self.platform}-{len(self.sent)}")
