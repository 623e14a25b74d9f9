"""A family reached only by email and text message, a review booked for their child, and the
links the outbox worker puts on what it sends them.

Kacper's mother reads Urdu and has only an email address; his father reads Polish and has
only a mobile number. The worker sends through a sender that keeps what it was given (the
real email and text message senders are their own parts' tests), with the web address set,
so each message carries the parent's link as `sendbot serve` would send it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity
from tests.factories import NOW, SmallSchool
from tests.telegram.harness import add_guardian

LONDON = ZoneInfo("Europe/London")
BOOKED = datetime(2026, 12, 15, 15, 30, tzinfo=LONDON)


@dataclass
class Kept:
    """A sender for one platform that keeps each message it is given."""

    platform: str
    sent: list[tuple[Recipient, OutgoingMessage]] = field(default_factory=list)

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        self.sent.append((recipient, message))
        return SendOutcome.sent(f"{self.platform}-{len(self.sent)}")


@dataclass(frozen=True)
class Family:
    mother: int  # Urdu, email only
    father: int  # Polish, text messages only


def a_family_without_telegram(sessions: sessionmaker[Session], school: SmallSchool) -> Family:
    mother = add_guardian(sessions, school, "amna", "Amna", "Kowalska", ["kacper"], "ur")
    father = add_guardian(sessions, school, "marek", "Marek", "Kowalski", ["kacper"], "pl")
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="email",
                external_id="amna@example.org",
                guardian_id=mother.guardian_id,
                created_at=NOW,
            )
        )
        session.add(
            Identity(
                platform="sms",
                external_id="+447700900123",
                guardian_id=father.guardian_id,
                created_at=NOW,
            )
        )
    return Family(mother.guardian_id, father.guardian_id)


def book_review(sessions: sessionmaker[Session], school: SmallSchool, now: datetime) -> int:
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        return meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="annual_review",
            starts_at=BOOKED,
            ends_at=BOOKED + timedelta(hours=1),
            place="Room 4",
            now=now,
        ).meeting_id


@dataclass
class Post:
    """The email and text message senders, and the worker that uses them."""

    email: Kept
    sms: Kept
    worker: OutboxWorker

    def deliver(self) -> None:
        """Send what is due, on a thread of its own (a browser test's thread has a loop)."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, self.worker.drain(max_seconds=10)).result()

    def links_to(self, address: str) -> list[str]:
        return [
            m.link
            for r, m in [*self.email.sent, *self.sms.sent]
            if r.address == address and m.link is not None
        ]


def the_post(sessions: sessionmaker[Session], clock: FrozenClock, web_url: str) -> Post:
    email, sms = Kept("email"), Kept("sms")
    worker = OutboxWorker(
        sessions,
        clock,
        {"email": email, "sms": sms},
        worker_id="test",
        config=WorkerConfig(web_url=web_url),
    )
    return Post(email, sms, worker)
