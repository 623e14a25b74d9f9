"""Fast-forward: move a simulated clock through the jobs and print what would be sent.

Instead of ticking every minute, the clock jumps straight to the next moment anything could
happen (a reminder time, a digest time, the daily run, an escalation step, a message held
until the morning), runs every job there, and delivers through a transcript sender. A term
of reminders takes seconds, and nothing is sent to a real platform.

A platform's messages can also be handed on to a sender that stays on this machine (the
demo writes parents' email as `.eml` files), and with a web address the worker puts each
parent's one-tap link on their email and text messages, as `sendbot serve` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock, FrozenClock
from sendbot.delivery.contract import OutgoingMessage, Recipient, Sender, SendOutcome
from sendbot.scheduling import jobs, review_booking
from sendbot.scheduling.senders import format_message
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services import action_ids, guardian_channels, staff_buttons
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Guardian, Identity, School, Staff

# Parents' email and text messages are shown in the transcript like the chats.
PLATFORMS = ("console", "slack", "telegram", "webhook", "email", "sms")


@dataclass
class Delivered:
    at: datetime
    recipient: Recipient
    name: str
    message: OutgoingMessage
    # The platform's id for it when a sender it was handed on to took it (an email's
    # Message-ID), else None.
    platform_id: str | None = None


@dataclass
class TranscriptSender:
    """Records every message with the simulated time and the recipient's name."""

    platform: str
    clock: Clock
    sessions: sessionmaker[Session]
    timezone: str = "Europe/London"
    stream: IO[str] | None = None
    delivered: list[Delivered] = field(default_factory=list)
    # Platforms whose messages are also handed on to a sender of their own (the demo's
    # folder of `.eml` files); what that sender says is the outcome.
    passes: Mapping[str, Sender] = field(default_factory=dict)

    def _name(self, recipient: Recipient) -> str:
        kind, _, number = recipient.address.partition(":")
        person: Staff | Guardian | None
        with self.sessions() as session:
            if recipient.platform == "console" and number.isdigit():
                if kind == "staff":
                    person = session.get(Staff, int(number))
                else:
                    person = session.get(Guardian, int(number))
            else:
                identity = session.scalar(
                    select(Identity).where(
                        Identity.platform == recipient.platform,
                        Identity.team_id == recipient.team_id,
                        Identity.external_id == recipient.address,
                    )
                )
                person = None
                if identity is not None and identity.staff_id:
                    person = session.get(Staff, identity.staff_id)
                elif identity is not None and identity.guardian_id:
                    person = session.get(Guardian, identity.guardian_id)
            if person is None:
                return recipient.address
            roles = ", ".join(sorted(getattr(person, "role_names", ()))) or "parent/carer"
            return f"{person.display_name} ({roles})"

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        now = self.clock.now()
        name = await asyncio.to_thread(self._name, recipient)
        delivered = Delivered(now, recipient, name, message)
        onward = self.passes.get(recipient.platform)
        if onward is not None:
            outcome = await onward.send(recipient, message)
            if outcome.status != "sent":
                return outcome
            delivered.platform_id = outcome.platform_message_id
        self.delivered.append(delivered)
        if self.stream is not None:
            local = now.astimezone(ZoneInfo(self.timezone))
            self.stream.write(
                f"[{local:%a %d %b %Y %H:%M %Z}] " + format_message(recipient, message, name)
            )
            self.stream.flush()
        return SendOutcome.sent(delivered.platform_id or f"sim-{len(self.delivered)}")


class FastForward:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: FrozenClock,
        *,
        stream: IO[str] | None = None,
        hold_reviews: bool = False,
        book_reviews: bool = False,
        web_url: str | None = None,
        passes: Mapping[str, Sender] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.stream = stream
        # Answer "Was it held?" with Held, as the person asked would tap it, so a run over a
        # year shows each review held and the next one dated.
        self.hold_reviews = hold_reviews
        # Book each review the reminders ask for, once a day after the daily run, as the
        # SENCO would (`review_booking`): with hold_reviews, a year rolls every review on.
        self.book_reviews = book_reviews
        self._answered = 0
        with sessions() as session:
            first = session.scalar(select(School.timezone).order_by(School.id).limit(1))
        self.transcript = TranscriptSender(
            "console", clock, sessions, first or "Europe/London", stream, passes=passes or {}
        )
        senders = {platform: self.transcript for platform in PLATFORMS}
        # The transcript prints email and text messages too: every channel counts.
        guardian_channels.send_by(guardian_channels.CHANNELS)
        config = WorkerConfig(
            fallback_platform="console",
            web_url=web_url,
            limits={p: PlatformLimit(None, 0.0) for p in PLATFORMS},
        )
        self.worker = OutboxWorker(
            sessions, clock, senders, worker_id="fast-forward", config=config
        )
        self._daily_done: set[tuple[str, object]] = set()
        self.report = jobs.JobReport()

    @property
    def delivered(self) -> list[Delivered]:
        return self.transcript.delivered

    def _daily_due(self) -> bool:
        now = self.clock.now()
        due = False
        with self.sessions() as session:
            zones = set(session.scalars(select(School.timezone)))
        for tz in zones or {"Europe/London"}:
            local = now.astimezone(ZoneInfo(tz))
            key = (tz, local.date())
            if local.time() >= jobs.DAILY_AT and key not in self._daily_done:
                self._daily_done.add(key)
                due = True
        return due

    async def step(self) -> None:
        """Everything that is due at the current simulated time."""
        now = self.clock.now()
        if self._daily_due():
            await asyncio.to_thread(jobs.run_daily_jobs, self.sessions, now, self.report)
            if self.book_reviews:
                await asyncio.to_thread(self._book, now)
        await asyncio.to_thread(jobs.run_minute_jobs, self.sessions, now, self.report)
        await self.worker.drain(max_seconds=120)
        if self.hold_reviews:
            await asyncio.to_thread(self._tap_held)

    def _book(self, now: datetime) -> None:
        with self.sessions() as session, session.begin():
            session.info["sendbot.now"] = now
            booked = review_booking.book_due_reviews(session, now)
        if self.stream is not None:
            for made in booked:
                self.stream.write(made.line(self.transcript.timezone) + "\n")
            self.stream.flush()

    def _tap_held(self) -> None:
        """Tap Held on each "Was it held?" delivered since the last step, through the same
        path as an adapter's tap, and print what the tap says (the next review's date)."""
        new, self._answered = self.delivered[self._answered :], len(self.delivered)
        for sent in new:
            held = [b for b in sent.message.buttons if b.label == "Held"]
            if not held:
                continue
            now = self.clock.now()
            with self.sessions() as session, session.begin():
                session.info["sendbot.now"] = now
                button = staff_buttons.staff_button(session, held[0].action_id)
                staff_id = _staff_id(session, sent.recipient)
                actor = staff_actor_by_id(session, staff_id) if staff_id else None
                if actor is None or button is None or button.kind != action_ids.MEETING_OUTCOME:
                    continue
                result = staff_buttons.tap(session, actor, held[0].action_id, now)
            if result is not None and self.stream is not None:
                local = now.astimezone(ZoneInfo(self.transcript.timezone))
                said = result.text.replace("\n", " ")
                self.stream.write(
                    f"[{local:%a %d %b %Y %H:%M %Z}] Held, tapped by {sent.name}: {said}\n"
                )
                self.stream.flush()

    async def run_until(self, until: datetime, max_steps: int = 100_000) -> list[Delivered]:
        start = len(self.delivered)
        await self.step()
        for _ in range(max_steps):
            now = self.clock.now()
            with self.sessions() as session:
                wake = jobs.next_wakeup(session, now)
            if wake <= now:
                wake = now + timedelta(minutes=1)
            if wake > until:
                break
            self.clock.set(wake)
            await self.step()
        if self.clock.now() < until:
            self.clock.set(until)
            await self.step()
        return self.delivered[start:]


def _staff_id(session: Session, recipient: Recipient) -> int | None:
    """The staff member a message went to, on the console or through their chat account."""
    kind, _, number = recipient.address.partition(":")
    if recipient.platform == "console":
        return int(number) if kind == "staff" and number.isdigit() else None
    return session.scalar(
        select(Identity.staff_id).where(
            Identity.platform == recipient.platform, Identity.external_id == recipient.address
        )
    )
