"""The outbox worker (DESIGN.md section 5): claim, render, send, record. Nothing is lost.

1. Claim due rows with a lease: `FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional
   `UPDATE ... WHERE status = 'pending'` checked by its row count on SQLite. A row whose
   lease ran out (its worker died) is due again.
2. For each row, in one short read: pick the recipient's channel (staff: Slack, then
   Telegram, then any other active account; guardians: Telegram first), hold a parent's
   message in their quiet hours, and render it in their language now.
3. Send through that platform's `Sender`, within the platform's rate limits; a 429 pauses
   the platform for its `retry_after` and puts the rest of the batch back. A message with
   attachments goes part by part, and the parts an earlier attempt delivered to the same
   account (`Outbox.delivered_parts`) are skipped: a failed upload is retried alone.
4. Record the attempt, the outcome and the parts that arrived in one transaction: sent;
   retry later (backing off on errors); blocked (the account is marked inactive and the
   school told once); failed (the next account is tried, then the school is told).

Leases are measured on the database's clock, so a process clock that is stepped neither
strands a dead worker's rows nor lets a worker take a row whose lease is still running.

Delivery is at least once: a part can go twice only if a worker dies after the platform
accepted it and before step 4 committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time as monotonic_time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Result, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock
from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage, Recipient, Sender, SendOutcome
from sendbot.domain.people import Role
from sendbot.i18n.languages import resolve as resolve_language
from sendbot.messages import registry
from sendbot.services import audit, guardian_channels, identities, parent_links, parents
from sendbot.services import outbox as outbox_service
from sendbot.store.db import database_now
from sendbot.store.models import (
    DeliveryAttempt,
    Guardian,
    Identity,
    Outbox,
    School,
    Staff,
    StaffRole,
)

log = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
BLOCKED = "blocked"
CANCELLED = "cancelled"

STAFF_PREFERENCE = ("slack", "telegram")
# A guardian's order is their own: the channel they chose, then Telegram, email, text
# message (guardian_channels.fallback_order).
NOTICE_TEMPLATES = frozenset({keys.DELIVERY_FAILED, keys.IDENTITY_BLOCKED})


def _rowcount(result: Result[Any]) -> int:
    """Rows a conditional UPDATE changed: how a claim or a lease renewal knows it won."""
    assert isinstance(result, CursorResult)
    return result.rowcount


@dataclass(frozen=True)
class PlatformLimit:
    """Messages a second across the bot, and the gap between two messages to one chat."""

    per_second: float | None
    per_chat_seconds: float = 0.0


# Telegram: about 30 calls a second per bot and 1 message a second per chat (Bot API FAQ).
# The bot paces every Bot API call itself (handlers/telegram/pacing.py): a message here can
# be several calls (text parts, an .ics), so only the per-chat gap is kept here.
# Slack chat.postMessage: about 1 a second per channel, short bursts allowed.
DEFAULT_LIMITS: dict[str, PlatformLimit] = {
    "telegram": PlatformLimit(None, 1.0),
    "slack": PlatformLimit(20, 1.0),
    "console": PlatformLimit(None, 0.0),
}
OTHER_LIMIT = PlatformLimit(50, 0.0)


@dataclass
class WorkerConfig:
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    concurrency: int = 20
    max_attempts: int = 12
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    # Recipients with no chat account go here (the console in `tick` and the demo).
    fallback_platform: str | None = None
    # The public web address (SENDBOT_WEB_URL): email and text messages to parents then
    # carry a link to the parent's one-tap page (services/parent_links.py).
    web_url: str | None = None
    limits: dict[str, PlatformLimit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


class RateLimiter:
    """In-process pacing per platform and per chat, and pauses after a 429.

    Each process paces itself; N processes on one bot token share the platform's limit, so a
    large deployment lowers `per_second` accordingly. A 429 that slips through is honoured.
    """

    def __init__(self, limits: Mapping[str, PlatformLimit]) -> None:
        self._limits = limits
        self._next_global: dict[str, float] = {}
        self._next_chat: dict[tuple[str, str], float] = {}
        self._paused_until: dict[str, float] = {}

    def limit(self, platform: str) -> PlatformLimit:
        return self._limits.get(platform, OTHER_LIMIT)

    def pause(self, platform: str, seconds: float) -> None:
        until = monotonic_time.monotonic() + max(0.0, seconds)
        self._paused_until[platform] = max(self._paused_until.get(platform, 0.0), until)

    def paused_for(self, platform: str) -> float:
        return max(0.0, self._paused_until.get(platform, 0.0) - monotonic_time.monotonic())

    async def acquire(self, platform: str, address: str) -> None:
        limit = self.limit(platform)
        key = (platform, address)
        while True:
            now = monotonic_time.monotonic()
            ready = max(
                self._paused_until.get(platform, 0.0),
                self._next_global.get(platform, 0.0),
                self._next_chat.get(key, 0.0),
            )
            if ready <= now:
                if limit.per_second:
                    start = max(now, self._next_global.get(platform, 0.0))
                    self._next_global[platform] = start + 1.0 / limit.per_second
                if limit.per_chat_seconds:
                    self._next_chat[key] = now + limit.per_chat_seconds
                return
            await asyncio.sleep(min(ready - now, 5.0))


@dataclass
class Prepared:
    """One claimed row, ready to send (or already decided without sending)."""

    outbox_id: int
    template: str
    recipient: Recipient | None = None
    identity_id: int | None = None
    message: OutgoingMessage | None = None
    decision: str | None = None  # held | cancelled | no_channel | error
    detail: str | None = None
    hold_until: datetime | None = None
    tried_identities: tuple[int, ...] = ()


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    held: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    released: int = 0
    transcript: list[tuple[Recipient, OutgoingMessage, str]] = field(default_factory=list)

    def add(self, other: RunReport) -> None:
        for name in (
            "claimed",
            "sent",
            "retried",
            "held",
            "failed",
            "blocked",
            "cancelled",
            "released",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.transcript.extend(other.transcript)


# --- quiet hours ---------------------------------------------------------------------------


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(now: datetime, tz: str, start: time, end: time) -> datetime | None:
    """When the quiet hours holding `now` end (aware UTC), or None if `now` is not quiet."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date()
    if local.time() >= end and start > end:
        day += timedelta(days=1)
    candidate = datetime.combine(day, end, zone)
    if candidate <= local:
        candidate = datetime.combine(day + timedelta(days=1), end, zone)
    return candidate.astimezone(ZoneInfo("UTC"))


# --- the worker ----------------------------------------------------------------------------


class OutboxWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        worker_id: str | None = None,
        config: WorkerConfig | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.senders = senders
        self.worker_id = worker_id or default_worker_id()
        self.config = config or WorkerConfig()
        self.limiter = RateLimiter(self.config.limits)
        self._outcomes: list[tuple[Prepared, SendOutcome, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    # claiming

    def claim(self, limit: int | None = None) -> list[int]:
        """Take up to `limit` due rows for this worker, with a lease; returns their ids."""
        limit = limit or self.config.batch
        now = self.clock.now()
        order = (Outbox.priority, Outbox.not_before, Outbox.id)
        with self.sessions() as session, session.begin():
            # When a message is due is the school's clock; whether a lease has run out is
            # the database's, so a stepped process clock neither strands nor steals a row.
            db_now = database_now(session)
            lease_until = db_now + self.config.lease
            due = or_(
                (Outbox.status == PENDING) & (Outbox.not_before <= now),
                (Outbox.status == CLAIMED) & (Outbox.lease_until < db_now),
            )
            if session.get_bind().dialect.name == "postgresql":
                ids = list(
                    session.scalars(
                        select(Outbox.id)
                        .where(due)
                        .order_by(*order)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                )
                if ids:
                    session.execute(
                        update(Outbox)
                        .where(Outbox.id.in_(ids))
                        .values(status=CLAIMED, claimed_by=self.worker_id, lease_until=lease_until)
                    )
                return ids
            candidates = list(
                session.scalars(select(Outbox.id).where(due).order_by(*order).limit(limit))
            )
            claimed = []
            for outbox_id in candidates:
                result = session.execute(
                    update(Outbox)
                    .where(
                        Outbox.id == outbox_id,
                        due,
                    )
                    .values(status=CLAIMED, claimed_by=self.worker_id, lease_until=lease_until)
                    .execution_options(synchronize_session=False)
                )
                if _rowcount(result) == 1:
                    claimed.append(outbox_id)
            return claimed

    def _renew(self, outbox_id: int) -> bool:
        """Extend our lease before a late send; False if the row is no longer ours."""
        with self.sessions() as session, session.begin():
            lease_until = database_now(session) + self.config.lease
            result = session.execute(
                update(Outbox)
                .where(
                    Outbox.id == outbox_id,
                    Outbox.status == CLAIMED,
                    Outbox.claimed_by == self.worker_id,
                )
                .values(lease_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    # preparing

    def prepare(
        self, ids: list[int], skip_identities: Mapping[int, tuple[int, ...]] | None = None
    ) -> list[Prepared]:
        now = self.clock.now()
        out = []
        with self.sessions() as session, session.begin():
            rows = {r.id: r for r in session.scalars(select(Outbox).where(Outbox.id.in_(ids)))}
            keep = _preload(session, list(rows.values()))  # noqa: F841 (held: weak identity map)
            for outbox_id in ids:
                row = rows.get(outbox_id)
                if row is None:
                    continue
                skip = (skip_identities or {}).get(outbox_id, ())
                try:
                    out.append(self._prepare_one(session, row, now, skip))
                except Exception as exc:  # a broken template must not stop the rest
                    log.exception("outbox %s could not be rendered", outbox_id)
                    out.append(
                        Prepared(
                            outbox_id, row.template, decision="error", detail=f"render: {exc}"[:500]
                        )
                    )
        return out

    def _prepare_one(
        self, session: Session, row: Outbox, now: datetime, skip: tuple[int, ...]
    ) -> Prepared:
        school = session.get(School, row.school_id)
        tz = school.timezone if school else "Europe/London"
        prepared = Prepared(row.id, row.template, tried_identities=skip)
        language = "en_GB"
        if row.recipient_guardian_id is not None:
            guardian = session.get(Guardian, row.recipient_guardian_id)
            if guardian is None or not guardian.active:
                prepared.decision, prepared.detail = (
                    "cancelled",
                    "the parent or carer is no longer active",
                )
                return prepared
            language = resolve_language(guardian.preferred_language, guardian.script).code
            if row.priority != outbox_service.URGENT and school is not None:
                start = guardian.quiet_start or school.quiet_start
                end = guardian.quiet_end or school.quiet_end
                until = quiet_hours_end(now, tz, start, end)
                if until is not None:
                    prepared.decision, prepared.hold_until = "held", until
                    prepared.detail = "quiet hours"
                    return prepared
            order = guardian_channels.fallback_order(guardian.preferred_channel)
            people = _identities(session, guardian_id=guardian.id, skip=skip, order=order)
            fallback_address = f"guardian:{guardian.id}"
        else:
            staff = session.get(Staff, row.recipient_staff_id)
            if staff is None or not staff.active:
                prepared.decision, prepared.detail = (
                    "cancelled",
                    "the staff member is no longer active",
                )
                return prepared
            people = _identities(session, staff_id=staff.id, skip=skip)
            fallback_address = f"staff:{staff.id}"
        chosen = next((i for i in people if i.platform in self.senders), None)
        if chosen is not None:
            prepared.recipient = Recipient(chosen.platform, chosen.external_id, chosen.team_id)
            prepared.identity_id = chosen.id
        elif self.config.fallback_platform and self.config.fallback_platform in self.senders:
            prepared.recipient = Recipient(self.config.fallback_platform, fallback_address)
        else:
            prepared.decision = "no_channel"
            prepared.detail = (
                "no active chat account with a configured platform"
                if not people
                else f"no sender configured for {', '.join(sorted({i.platform for i in people}))}"
            )
            return prepared
        params = dict(row.params or {})
        params.update(
            _now=now.isoformat(),
            _timezone=tz,
            _school_id=row.school_id,
            _recipient_staff_id=row.recipient_staff_id,
            _recipient_guardian_id=row.recipient_guardian_id,
            _outbox_id=row.id,
        )
        if row.recipient_guardian_id is not None:
            # The words say what the parent taps: this message's buttons, or its link.
            linked = self._links(row, prepared.recipient)
            params["_answer_by"] = "link" if linked else "buttons"
        message = registry.render(row.template, params, language, session)
        if message is None:
            prepared.decision, prepared.detail = "cancelled", "no longer needed"
            return prepared
        message = self._with_parent_link(session, row, prepared.recipient, message, now)
        message = replace(message, reference=str(row.id))
        prepared.message = _without_delivered_parts(row, prepared.recipient, message)
        return prepared

    def _links(self, row: Outbox, recipient: Recipient) -> bool:
        """Whether this message goes to a parent with a link to its one-tap page."""
        return (
            bool(self.config.web_url)
            and row.recipient_guardian_id is not None
            and recipient.platform in parent_links.LINKED_PLATFORMS
        )

    def _with_parent_link(
        self,
        session: Session,
        row: Outbox,
        recipient: Recipient,
        message: OutgoingMessage,
        now: datetime,
    ) -> OutgoingMessage:
        """A parent's email or text message carries the link to its one-tap page (the same
        link on a retry); the service decides which page, if any."""
        if not self._links(row, recipient):
            return message
        assert self.config.web_url is not None
        link = parent_links.link_for_outbox(session, row.id, self.config.web_url, now)
        return replace(message, link=link) if link else message

    # sending

    async def _send(self, item: Prepared, report: RunReport, started: float) -> Prepared | None:
        """Send one; returns the item again if it should be retried on another account."""
        assert item.recipient is not None and item.message is not None
        platform = item.recipient.platform
        if self.limiter.paused_for(platform) > 0:
            await asyncio.to_thread(
                self._release, item.outbox_id, self.limiter.paused_for(platform)
            )
            report.released += 1
            return None
        await self.limiter.acquire(platform, item.recipient.address)
        if (
            monotonic_time.monotonic() - started > self.config.lease.total_seconds() / 2
            and not await asyncio.to_thread(self._renew, item.outbox_id)
        ):
            return None  # our lease ran out while we waited; another worker has it now
        sender = self.senders[platform]
        try:
            outcome = await sender.send(item.recipient, item.message)
        except Exception as exc:  # a sender must not raise, but a bug in one must not lose mail
            log.exception("sender %s raised", platform)
            outcome = SendOutcome.retry(None, f"sender error: {exc}"[:500])
        if outcome.status == "retry" and outcome.retry_after_seconds:
            self.limiter.pause(platform, outcome.retry_after_seconds)
        again = await self._record(item, outcome)
        if outcome.status == "sent":
            report.sent += 1
            report.transcript.append((item.recipient, item.message, item.template))
        elif outcome.status == "retry":
            report.retried += 1
        elif outcome.status == "blocked":
            report.blocked += 1
        else:
            report.failed += 1
        return item if again else None

    async def _record(self, item: Prepared, outcome: SendOutcome) -> bool:
        """Group commit: outcomes that arrive while a write is running go in the next one.

        One message at a time when it is quiet; under load, many per transaction. The
        duplicate window stays "sent but not yet recorded", never wider than what is in
        flight.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._outcomes.append((item, outcome, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                results = await asyncio.to_thread(self._finish_many, [(i, o) for i, o, _ in batch])
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    def _finish_many(self, batch: list[tuple[Prepared, SendOutcome]]) -> list[bool]:
        if len(batch) == 1:
            return [self._finish(*batch[0])]
        try:
            with self.sessions() as session, session.begin(), session.no_autoflush:
                query = select(Outbox).where(Outbox.id.in_([i.outbox_id for i, _ in batch]))
                if _pg(session):
                    query = query.with_for_update()
                rows = {r.id: r for r in session.scalars(query)}
                return [
                    self._finish_in(session, item, outcome, rows.get(item.outbox_id))
                    for item, outcome in batch
                ]
        except Exception:  # one bad row must not cost the others their record
            log.exception("recording %s outcomes together failed; recording one by one", len(batch))
            return [self._finish(item, outcome) for item, outcome in batch]

    def _release(self, outbox_id: int, after_seconds: float) -> None:
        """Put a claimed row back, untouched, for after the platform's pause."""
        now = self.clock.now()
        with self.sessions() as session, session.begin():
            session.execute(
                update(Outbox)
                .where(
                    Outbox.id == outbox_id,
                    Outbox.claimed_by == self.worker_id,
                    Outbox.status == CLAIMED,
                )
                .values(
                    status=PENDING,
                    claimed_by=None,
                    lease_until=None,
                    not_before=now + timedelta(seconds=after_seconds),
                )
                .execution_options(synchronize_session=False)
            )

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(
            self.config.backoff_max_seconds,
            self.config.backoff_base_seconds * 2 ** max(0, attempts - 1),
        )
        return timedelta(seconds=seconds * random.uniform(0.8, 1.2))

    def _attempt(self, session: Session, row: Outbox, outcome: str, detail: str | None) -> None:
        session.add(
            DeliveryAttempt(
                outbox_id=row.id,
                at=self.clock.now(),
                worker=self.worker_id,
                outcome=outcome,
                detail=(detail or "")[:2000] or None,
            )
        )

    def _finish(self, item: Prepared, outcome: SendOutcome) -> bool:
        """Record what happened; True when the row should be tried on the next account."""
        with self.sessions() as session, session.begin():
            return self._finish_in(session, item, outcome)

    def _finish_in(
        self, session: Session, item: Prepared, outcome: SendOutcome, row: Outbox | None = None
    ) -> bool:
        now = self.clock.now()
        if row is None:
            row = session.get(Outbox, item.outbox_id, with_for_update=_pg(session))
        if row is None:
            return False
        row.attempts += 1
        if outcome.parts and item.recipient is not None:
            _record_parts(row, item.recipient, outcome.parts)
        platform = item.recipient.platform if item.recipient else None
        self._attempt(session, row, outcome.status, outcome.detail or platform)
        if outcome.status == "sent":
            row.status, row.sent_at, row.platform = SENT, now, platform
            row.platform_message_id = outcome.platform_message_id
            row.claimed_by, row.lease_until, row.last_error = None, None, None
            return False
        if row.status == SENT:
            return False  # another worker sent it meanwhile (after our lease ran out)
        if outcome.status == "retry":
            wait = (
                timedelta(seconds=outcome.retry_after_seconds)
                if outcome.retry_after_seconds
                else self._backoff(row.attempts)
            )
            self._retry_or_fail(session, row, now, wait, outcome.detail)
            return False
        if outcome.status == "blocked" and item.identity_id is not None:
            self._mark_blocked(session, row, item.identity_id, now, outcome.detail)
        row.last_error = (outcome.detail or outcome.status)[:2000]
        if item.identity_id is not None:
            row.status, row.claimed_by = CLAIMED, self.worker_id
            row.lease_until = database_now(session) + self.config.lease
            return True  # try the recipient's next account, if any
        row.status = BLOCKED if outcome.status == "blocked" else FAILED
        row.claimed_by, row.lease_until = None, None
        self._tell_school_failed(session, row, now)
        return False

    def _retry_or_fail(
        self, session: Session, row: Outbox, now: datetime, wait: timedelta, detail: str | None
    ) -> None:
        row.last_error = (detail or "retry")[:2000]
        row.claimed_by, row.lease_until = None, None
        if row.attempts >= self.config.max_attempts:
            row.status = FAILED
            self._tell_school_failed(session, row, now)
            return
        row.status = PENDING
        row.not_before = now + wait

    def _mark_blocked(
        self, session: Session, row: Outbox, identity_id: int, now: datetime, detail: str | None
    ) -> None:
        """The account blocked the bot: mark it inactive and tell the school, once."""
        identity = session.get(Identity, identity_id)
        if identity is None or not identity.active:
            return
        if identity.guardian_id is not None:
            # The parents service owns this notice (it names the children to staff).
            parents.mark_blocked(
                session, identity.platform, identity.external_id, now, identity.team_id
            )
            session.refresh(identity)
            return
        identity.active = False
        identity.inactive_reason = identities.BLOCKED
        audit.record(
            session,
            at=now,
            actor_kind="system",
            actor_id=None,
            action="identity.blocked",
            object_type="identity",
            object_id=identity.id,
            school_id=row.school_id,
            details={"platform": identity.platform, "detail": (detail or "")[:200]},
        )
        who = _person_name(session, identity.staff_id, identity.guardian_id)
        for staff_id in _school_contacts(session, row.school_id):
            outbox_service.enqueue(
                session,
                school_id=row.school_id,
                recipient_staff_id=staff_id,
                template=keys.IDENTITY_BLOCKED,
                params={"person": who, "platform": identity.platform},
                dedupe_key=f"identity_blocked:{identity.id}:staff:{staff_id}",
                now=now,
            )

    def _tell_school_failed(self, session: Session, row: Outbox, now: datetime) -> None:
        if row.template in NOTICE_TEMPLATES:
            return
        who = _person_name(session, row.recipient_staff_id, row.recipient_guardian_id)
        for staff_id in _school_contacts(session, row.school_id):
            if staff_id == row.recipient_staff_id:
                continue
            outbox_service.enqueue(
                session,
                school_id=row.school_id,
                recipient_staff_id=staff_id,
                template=keys.DELIVERY_FAILED,
                params={
                    "person": who,
                    "template": row.template,
                    "error": (row.last_error or "")[:200],
                },
                dedupe_key=f"delivery_failed:{row.id}:staff:{staff_id}",
                priority=outbox_service.URGENT
                if row.priority == outbox_service.URGENT
                else outbox_service.NORMAL,
                now=now,
            )

    def _decide(self, item: Prepared) -> None:
        """Rows settled without sending: held, cancelled, no channel or a render error."""
        now = self.clock.now()
        with self.sessions() as session, session.begin():
            row = session.get(Outbox, item.outbox_id)
            if row is None:
                return
            row.claimed_by, row.lease_until = None, None
            if item.decision == "held":
                self._attempt(session, row, "held", item.detail)
                row.status, row.not_before = PENDING, item.hold_until or now
            elif item.decision == "cancelled":
                self._attempt(session, row, "cancelled", item.detail)
                row.status, row.last_error = CANCELLED, item.detail
            else:  # no channel, or a renderer that failed: try again later, then tell the school
                row.attempts += 1
                self._attempt(session, row, "retry", item.detail)
                self._retry_or_fail(session, row, now, self._backoff(row.attempts), item.detail)

    # the loop

    async def run_once(self) -> RunReport:
        """Claim one batch and settle every row in it."""
        report = RunReport()
        ids = await asyncio.to_thread(self.claim)
        report.claimed = len(ids)
        if not ids:
            return report
        started = monotonic_time.monotonic()
        items = await asyncio.to_thread(self.prepare, ids)
        semaphore = asyncio.Semaphore(self.config.concurrency)

        async def settle(item: Prepared) -> None:
            tried = item.tried_identities
            while item is not None:
                if item.decision is not None:
                    await asyncio.to_thread(self._decide, item)
                    if item.decision == "held":
                        report.held += 1
                    elif item.decision == "cancelled":
                        report.cancelled += 1
                    else:
                        report.retried += 1
                    return
                async with semaphore:
                    again = await self._send(item, report, started)
                if again is None:
                    return
                tried = (*tried, again.identity_id or 0)
                nxt = await asyncio.to_thread(
                    self.prepare, [item.outbox_id], {item.outbox_id: tried}
                )
                if not nxt:
                    return
                item = nxt[0]
                if item.decision == "no_channel":
                    item.decision = "exhausted"
                    await asyncio.to_thread(self._exhausted, item)
                    report.failed += 1
                    return

        await asyncio.gather(*(settle(item) for item in items))
        return report

    def _exhausted(self, item: Prepared) -> None:
        """Every account of the recipient failed or is blocked: record it and tell the school."""
        now = self.clock.now()
        with self.sessions() as session, session.begin():
            row = session.get(Outbox, item.outbox_id)
            if row is None or row.status == SENT:
                return
            blocked = "blocked" in (row.last_error or "").lower() or "403" in (row.last_error or "")
            row.status = BLOCKED if blocked else FAILED
            row.claimed_by, row.lease_until = None, None
            self._tell_school_failed(session, row, now)

    async def drain(self, *, max_seconds: float = 30.0, until_idle: bool = True) -> RunReport:
        """Run batches until nothing is due (or the time is up)."""
        total = RunReport()
        deadline = monotonic_time.monotonic() + max_seconds
        while monotonic_time.monotonic() < deadline:
            report = await self.run_once()
            total.add(report)
            if report.claimed == 0:
                if until_idle:
                    return total
                await asyncio.sleep(0.2)
        return total


def _preload(session: Session, rows: list[Outbox]) -> list[object]:
    """Load a batch's schools and people in a few queries instead of a few per row.

    The session's identity map holds objects weakly: the caller keeps the returned list.
    """
    loaded: list[object] = []
    staff_ids = {r.recipient_staff_id for r in rows if r.recipient_staff_id is not None}
    guardian_ids = {r.recipient_guardian_id for r in rows if r.recipient_guardian_id is not None}
    school_ids = {r.school_id for r in rows}
    if school_ids:
        loaded += session.scalars(select(School).where(School.id.in_(school_ids)))
    if staff_ids:
        loaded += session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))
    if guardian_ids:
        loaded += session.scalars(select(Guardian).where(Guardian.id.in_(guardian_ids)))
    found: dict[tuple[str, int], list[Identity]] = {}
    if staff_ids or guardian_ids:
        for identity in session.scalars(
            select(Identity).where(
                Identity.active,
                or_(Identity.staff_id.in_(staff_ids), Identity.guardian_id.in_(guardian_ids)),
            )
        ):
            if identity.staff_id is not None:
                found.setdefault(("staff", identity.staff_id), []).append(identity)
            else:
                found.setdefault(("guardian", identity.guardian_id or 0), []).append(identity)
    cache = session.info.setdefault("sendbot.identities", {})
    for key in [("staff", i) for i in staff_ids] + [("guardian", i) for i in guardian_ids]:
        cache[key] = found.get(key, [])
    return loaded


def _account(recipient: Recipient) -> str:
    return f"{recipient.platform}:{recipient.team_id}:{recipient.address}"


def _without_delivered_parts(
    row: Outbox, recipient: Recipient, message: OutgoingMessage
) -> OutgoingMessage:
    """The message with the parts that already reached this account marked delivered.

    Parts sent to another of the person's accounts do not count: that account is a fresh
    start, so the person gets the whole message there.
    """
    known = row.delivered_parts or {}
    if known.get("to") != _account(recipient) or not known.get("parts"):
        return message
    return replace(message, delivered=tuple(sorted(known["parts"].items())))


def _record_parts(row: Outbox, recipient: Recipient, parts: tuple[tuple[str, str], ...]) -> None:
    """Add the parts an attempt delivered to those recorded for the same account."""
    known = row.delivered_parts or {}
    done = dict(known.get("parts") or {}) if known.get("to") == _account(recipient) else {}
    done.update(parts)
    row.delivered_parts = {"to": _account(recipient), "parts": done}


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _identities(
    session: Session,
    *,
    staff_id: int | None = None,
    guardian_id: int | None = None,
    skip: tuple[int, ...] = (),
    order: tuple[str, ...] = STAFF_PREFERENCE,
) -> list[Identity]:
    """The person's active accounts not yet tried, in the order to try them (the newest
    account of a platform first)."""
    key = ("staff", staff_id) if staff_id is not None else ("guardian", guardian_id)
    cached = session.info.get("sendbot.identities", {}).get(key)
    if cached is None:
        query = select(Identity).where(Identity.active)
        if staff_id is not None:
            query = query.where(Identity.staff_id == staff_id)
        else:
            query = query.where(Identity.guardian_id == guardian_id)
        cached = list(session.scalars(query))
    found = sorted((i for i in cached if i.id not in skip and i.active), key=lambda i: -i.id)
    rank = {p: n for n, p in enumerate(order)}
    return sorted(found, key=lambda i: rank.get(i.platform, len(rank)))


def _person_name(session: Session, staff_id: int | None, guardian_id: int | None) -> str:
    if staff_id is not None:
        staff = session.get(Staff, staff_id)
        return staff.display_name if staff else "a staff member"
    guardian = session.get(Guardian, guardian_id) if guardian_id is not None else None
    return guardian.display_name if guardian else "a parent or carer"


def _school_contacts(session: Session, school_id: int) -> list[int]:
    """Who hears about delivery problems: the school's admins, else its SENCOs."""
    for role in (Role.ADMIN, Role.SENCO, Role.HEADTEACHER):
        found = list(
            session.scalars(
                select(Staff.id)
                .join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(Staff.school_id == school_id, Staff.active, StaffRole.role == role.value)
                .order_by(Staff.id)
            )
        )
        if found:
            return found
    return []
