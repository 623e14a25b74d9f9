"""The outbox worker against a local fake platform: exactly once, none lost, 429 storms,
blocked accounts, quiet hours, and several worker processes (one killed mid-run)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import func, insert, select

from sendbot.clock import FrozenClock, SystemClock
from sendbot.scheduling.senders import ConsoleSender, WebhookSender
from sendbot.scheduling.worker import (
    OutboxWorker,
    PlatformLimit,
    WorkerConfig,
    in_quiet_hours,
    quiet_hours_end,
)
from sendbot.services import outbox
from sendbot.store.models import DeliveryAttempt, Guardian, Identity, Outbox, Staff
from tests.factories import build_small_school
from tests.scheduling.fake_platform import FakePlatform
from tests.scheduling.helpers import set_settings, utc


def _people(sessions, school_id: int, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """n staff members, each with a 'webhook' chat account."""
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        ids = []
        for i in range(n):
            staff = Staff(
                school_id=school_id,
                external_id=f"X{i}",
                first_name="Test",
                last_name=f"Person {i}",
                email=f"p{i}@test.example",
            )
            session.add(staff)
            session.flush()
            session.add(
                Identity(platform="webhook", external_id=f"u{i}", staff_id=staff.id, created_at=now)
            )
            ids.append(staff.id)
        return ids


def _enqueue(
    sessions, school_id: int, people: list[int], n: int, now: datetime | None = None
) -> None:  # type: ignore[no-untyped-def]
    now = now or datetime.now(UTC)
    rows = [
        {
            "school_id": school_id,
            "recipient_staff_id": people[i % len(people)],
            "template": "staff.notice",
            "params": {"text": f"message {i}"},
            "priority": 5,
            "not_before": now - timedelta(seconds=1),
            "dedupe_key": f"test:{i}",
            "attempts": 0,
            "status": "pending",
            "created_at": now,
        }
        for i in range(n)
    ]
    with sessions() as session, session.begin():
        session.execute(insert(Outbox), rows)


def _statuses(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return dict(
            session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
        )


def _held_by(sessions, worker: str) -> list[int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(
            session.scalars(
                select(Outbox.id).where(Outbox.status == "claimed", Outbox.claimed_by == worker)
            )
        )


def _workers(
    db_url: str, url: str, n: int, first: int = 0, **options: object
) -> list[subprocess.Popen[bytes]]:
    args = []
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sendbot.scheduling.worker_process",
                "--database",
                db_url,
                "--webhook",
                url,
                "--worker-id",
                f"w{i}",
                *args,
            ],
            env={**os.environ},
        )
        for i in range(first, first + n)
    ]


def _wait(procs: list[subprocess.Popen[bytes]], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    for proc in procs:
        proc.wait(max(1, deadline - time.monotonic()))


def test_several_worker_processes_deliver_each_message_exactly_once(
    db_url, sessions, backend
) -> None:
    total, workers = (1000, 3) if backend == "postgresql" else (150, 2)
    school = build_small_school(sessions)
    people = _people(sessions, school.school_id, 100)
    _enqueue(sessions, school.school_id, people, total)
    platform = FakePlatform()
    url = platform.start()
    try:
        procs = _workers(db_url, url, workers, rate=2000, batch=25, idle_exit_seconds=1.0)
        _wait(procs)
    finally:
        platform.stop()
    delivered = platform.delivered
    assert len(delivered) == total  # none lost
    assert set(delivered.values()) == {1}  # none twice
    assert _statuses(sessions) == {"sent": total}
    with sessions() as session:
        workers_used = set(session.scalars(select(DeliveryAttempt.worker).distinct()))
        assert session.scalar(select(func.count(DeliveryAttempt.id))) == total
    # Every worker ran to a clean exit; how the rows fell between them depends on start-up.
    assert workers_used <= {f"w{i}" for i in range(workers)}
    assert [p.returncode for p in procs] == [0] * workers


def test_a_worker_killed_mid_run_loses_nothing(db_url, sessions, backend) -> None:
    total = 1000 if backend == "postgresql" else 150
    school = build_small_school(sessions)
    people = _people(sessions, school.school_id, 100)
    _enqueue(sessions, school.school_id, people, total)
    platform = FakePlatform(delay=0.005)
    url = platform.start()
    batch = 20
    try:
        common = {
            "batch": batch,
            "concurrency": batch,
            "lease_seconds": 1.5,
            "idle_exit_seconds": 2.5,
        }
        # The victim starts first and paces itself, so it is surely mid-run when killed.
        victim = _workers(db_url, url, 1, rate=100, **common)[0]
        deadline = time.monotonic() + 30
        while not _held_by(sessions, "w0") and time.monotonic() < deadline:
            time.sleep(0.01)
        survivors = _workers(db_url, url, 2, first=1, rate=2000, **common)
        procs = [victim, *survivors]
        # Kill it while it holds claimed rows, at least a quarter of the way through.
        while time.monotonic() < deadline:
            if sum(platform.delivered.values()) >= total // 4 and _held_by(sessions, "w0"):
                break
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert victim.returncode == -signal.SIGKILL
        orphans = _held_by(sessions, "w0")
        _wait(procs[1:])
    finally:
        platform.stop()
    delivered = platform.delivered
    assert len(delivered) == total  # every message arrived
    duplicates = sum(n - 1 for n in delivered.values())
    # Only messages in flight in the killed worker (sent, not yet recorded) can go twice.
    assert duplicates <= batch
    assert _statuses(sessions) == {"sent": total}
    # The rows the dead worker held came back when their lease ran out, and went out.
    assert orphans
    with sessions() as session:
        rescued = session.execute(
            select(DeliveryAttempt.outbox_id, DeliveryAttempt.worker).where(
                DeliveryAttempt.outbox_id.in_(orphans), DeliveryAttempt.outcome == "sent"
            )
        ).all()
    assert {row for row, _ in rescued} == set(orphans)
    assert {worker for _, worker in rescued} <= {"w1", "w2"}


def test_a_429_storm_slows_delivery_and_loses_nothing(sessions) -> None:
    school = build_small_school(sessions)
    people = _people(sessions, school.school_id, 10)
    _enqueue(sessions, school.school_id, people, 60)
    platform = FakePlatform(storm_seconds=1.0, retry_after=0.3)
    url = platform.start()
    sender = WebhookSender(url)
    config = WorkerConfig(
        batch=20, limits={"webhook": PlatformLimit(500)}, backoff_base_seconds=0.1
    )
    worker = OutboxWorker(
        sessions, SystemClock(), {"webhook": sender}, worker_id="storm", config=config
    )

    async def go() -> None:
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                report = await worker.run_once()
                if not report.claimed and _statuses(sessions) == {"sent": 60}:
                    return
                if not report.claimed:
                    await asyncio.sleep(0.05)
        finally:
            await sender.close()

    started = time.monotonic()
    try:
        asyncio.run(go())
    finally:
        platform.stop()
    assert (
        platform.delivered
        and len(platform.delivered) == 60
        and set(platform.delivered.values()) == {1}
    )
    assert _statuses(sessions) == {"sent": 60}
    throttled = [r for r in platform.log if r.status == 429]
    assert throttled
    # After the last 429, nothing was tried again before its retry_after had passed.
    last = max(r.at for r in throttled)
    first_429 = min(r.at for r in throttled)
    after = [r.at for r in platform.log if r.at > last]
    assert after and min(after) - last >= 0.25
    # Each 429 paused the worker: few requests reached the platform during the storm.
    assert len(throttled) <= 3 * 20 * 5
    assert time.monotonic() - started >= 1.0 and last - first_429 >= 0.5
    with sessions() as session:
        retries = session.scalar(select(func.count()).where(DeliveryAttempt.outcome == "retry"))
    assert retries == len(throttled)


def test_blocked_account_is_marked_inactive_and_the_school_told_once(sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    people = _people(sessions, school.school_id, 2)
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        for n in range(3):
            outbox.enqueue(
                session,
                school_id=school.school_id,
                recipient_staff_id=people[0],
                template="staff.notice",
                params={"text": f"hello {n}"},
                dedupe_key=f"b{n}",
                now=now - timedelta(seconds=1),
            )
    platform = FakePlatform(blocked={"u0"})
    url = platform.start()
    sender = WebhookSender(url)
    console = ConsoleSender()
    worker = OutboxWorker(
        sessions,
        SystemClock(),
        {"webhook": sender, "console": console},
        worker_id="b",
        config=WorkerConfig(limits={"webhook": PlatformLimit(None)}),
    )

    async def go() -> None:
        try:
            await worker.drain(max_seconds=10)
        finally:
            await sender.close()

    try:
        asyncio.run(go())
    finally:
        platform.stop()
    with sessions() as session:
        identity = session.scalar(select(Identity).where(Identity.external_id == "u0"))
        assert identity is not None and not identity.active
        rows = session.scalars(select(Outbox).where(Outbox.dedupe_key.like("b%"))).all()
        assert {r.status for r in rows} == {"blocked"}
        notices = session.scalars(select(Outbox).where(Outbox.template == "identity.blocked")).all()
        # One notice per school contact (the admin), however many messages bounced.
        assert len(notices) == 1 and notices[0].recipient_staff_id == school.staff["admin"]


def test_parent_messages_wait_for_quiet_hours_but_urgent_staff_alerts_do_not(sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    late = utc(2026, 11, 24, 21, 30)  # 21:30 in London
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id,
            external_id="G1",
            first_name="Ana",
            last_name="Nowak",
            preferred_language="pl",
        )
        session.add(guardian)
        session.flush()
        session.add(
            Identity(
                platform="telegram", external_id="555", guardian_id=guardian.id, created_at=late
            )
        )
        outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_guardian_id=guardian.id,
            template="staff.notice",
            params={"text": "for a parent"},
            dedupe_key="p1",
            now=late,
        )
        outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_staff_id=school.staff["dsl"],
            template="staff.notice",
            params={"text": "urgent"},
            dedupe_key="s1",
            now=late,
            priority=outbox.URGENT,
        )
    clock = FrozenClock(late)
    console = ConsoleSender()
    telegram = ConsoleSender(platform="telegram")
    worker = OutboxWorker(
        sessions,
        clock,
        {"console": console, "telegram": telegram},
        config=WorkerConfig(fallback_platform="console"),
    )
    asyncio.run(worker.drain())
    assert [m.text for _, m in console.sent] == ["urgent"] and telegram.sent == []
    with sessions() as session:
        held = session.scalar(select(Outbox).where(Outbox.dedupe_key == "p1"))
        assert (
            held is not None
            and held.status == "pending"
            and held.not_before == utc(2026, 11, 25, 7, 0)
        )
    clock.set(utc(2026, 11, 25, 7, 0))
    asyncio.run(worker.drain())
    assert [m.text for _, m in telegram.sent] == ["for a parent"]


def test_quiet_hours_arithmetic_across_midnight_and_daylight_saving() -> None:
    assert in_quiet_hours(clock_time(23, 0), clock_time(20, 0), clock_time(7, 0))
    assert in_quiet_hours(clock_time(6, 59), clock_time(20, 0), clock_time(7, 0))
    assert not in_quiet_hours(clock_time(7, 0), clock_time(20, 0), clock_time(7, 0))
    assert not in_quiet_hours(clock_time(12, 0), clock_time(20, 0), clock_time(7, 0))
    # The night the clocks go back (25 Oct 2026): 07:00 GMT is 07:00 UTC.
    assert quiet_hours_end(
        utc(2026, 10, 24, 22, 0), "Europe/London", clock_time(20), clock_time(7)
    ) == utc(2026, 10, 25, 7, 0)
    # The night they go forward (29 Mar 2026): 07:00 BST is 06:00 UTC.
    assert quiet_hours_end(
        utc(2026, 3, 28, 21, 0), "Europe/London", clock_time(20), clock_time(7)
    ) == utc(2026, 3, 29, 6, 0)
    assert (
        quiet_hours_end(utc(2026, 3, 29, 12, 0), "Europe/London", clock_time(20), clock_time(7))
        is None
    )


def test_a_failure_on_one_account_tries_the_next(sessions) -> None:
    school = build_small_school(sessions)
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="slack",
                team_id="T1",
                external_id="U1",
                staff_id=school.staff["dsl"],
                created_at=now,
            )
        )
        session.add(
            Identity(
                platform="telegram", external_id="77", staff_id=school.staff["dsl"], created_at=now
            )
        )
        outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_staff_id=school.staff["dsl"],
            template="staff.notice",
            params={"text": "x"},
            dedupe_key="f1",
            now=now - timedelta(seconds=1),
        )

    class Broken:
        platform = "slack"

        async def send(self, recipient, message):  # type: ignore[no-untyped-def]
            from sendbot.delivery.contract import SendOutcome

            return SendOutcome.failed("channel_not_found")

    telegram = ConsoleSender(platform="telegram")
    worker = OutboxWorker(sessions, SystemClock(), {"slack": Broken(), "telegram": telegram})
    asyncio.run(worker.drain())
    assert [r.address for r, _ in telegram.sent] == ["77"]
    with sessions() as session:
        outcomes = session.scalars(
            select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.id)
        ).all()
    assert outcomes == ["failed", "sent"]


def test_a_parent_who_blocked_the_bot_is_marked_inactive_and_the_senco_told_once(sessions) -> None:
    from sendbot.delivery.contract import SendOutcome
    from sendbot.store.models import GuardianPupil

    school = build_small_school(sessions)
    now = utc(2026, 11, 24, 12, 0)
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id, external_id="G9", first_name="Sam", last_name="Khan"
        )
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=school.pupils["amir"]))
        session.add(
            Identity(
                platform="telegram", external_id="999", guardian_id=guardian.id, created_at=now
            )
        )
        for n in range(2):
            outbox.enqueue(
                session,
                school_id=school.school_id,
                recipient_guardian_id=guardian.id,
                template="staff.notice",
                params={"text": f"hi {n}"},
                dedupe_key=f"g{n}",
                now=now,
            )

    class Blocked:
        platform = "telegram"

        async def send(self, recipient, message):  # type: ignore[no-untyped-def]
            return SendOutcome.blocked("telegram: Forbidden: bot was blocked by the user")

    worker = OutboxWorker(sessions, FrozenClock(now), {"telegram": Blocked()})
    asyncio.run(worker.drain())
    with sessions() as session:
        identity = session.scalar(select(Identity).where(Identity.external_id == "999"))
        assert identity is not None and not identity.active
        assert {
            r.status for r in session.scalars(select(Outbox).where(Outbox.dedupe_key.like("g%")))
        } == {"blocked"}
        notices = session.scalars(
            select(Outbox).where(Outbox.template == "parent.blocked_notice")
        ).all()
    assert [n.recipient_staff_id for n in notices] == [school.staff["senco"]]
