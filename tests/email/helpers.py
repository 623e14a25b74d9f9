"""A school whose parents have email addresses, a booked review, and a worker to send it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock
from sendbot.delivery.contract import Sender
from sendbot.handlers.email.compose import From
from sendbot.handlers.email.sender import SmtpEmailSender, SmtpSettings
from sendbot.scheduling.worker import OutboxWorker, RunReport, WorkerConfig
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity
from tests.factories import NOW, SmallSchool
from tests.telegram.harness import add_guardian

SCHOOL = From("office@oakfield.example", "Oakfield Primary School", "senco@oakfield.example")


def smtp_sender(port: int, clock: Clock, timeout: float = 5.0) -> SmtpEmailSender:
    """The sender for a plain local relay (a school's real one would use STARTTLS)."""
    settings = SmtpSettings("127.0.0.1", port, security="none", timeout_seconds=timeout)
    return SmtpEmailSender(settings, SCHOOL, clock)


def email_guardian(
    sessions: sessionmaker[Session],
    school: SmallSchool,
    key: str,
    first: str,
    last: str,
    address: str,
    language: str = "en",
) -> int:
    """A parent of Kacper's reached only by email."""
    family = add_guardian(sessions, school, key, first, last, ["kacper"], language=language)
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="email",
                external_id=address,
                guardian_id=family.guardian_id,
                created_at=NOW,
            )
        )
    return family.guardian_id


def book_review(
    sessions: sessionmaker[Session], school: SmallSchool, starts_at: datetime, now: datetime = NOW
) -> meetings.Scheduled:
    """The SENCO books Kacper's SEN support review: his parents' invitations are queued."""
    with sessions() as session, session.begin():
        actor = staff_actor_by_id(session, school.staff["senco"])
        assert actor is not None
        return meetings.schedule(
            session,
            actor,
            pupil_id=school.pupils["kacper"],
            kind="sen_support_review",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=45),
            now=now,
            place="Room 4",
            attendees=["SENCO", "class teacher"],
        )


def deliver(
    sessions: sessionmaker[Session], clock: Clock, senders: Mapping[str, Sender]
) -> RunReport:
    """The real outbox worker, until nothing more is due."""
    worker = OutboxWorker(sessions, clock, senders, worker_id="test", config=WorkerConfig())
    return asyncio.run(worker.drain(max_seconds=30))
