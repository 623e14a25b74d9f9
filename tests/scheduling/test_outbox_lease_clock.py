"""A worker's lease runs on the database's clock, so a process clock that is stepped (NTP,
a restored virtual machine, a hand-set time) neither strands a crashed worker's messages
nor lets a worker whose clock runs ahead take a message another worker is sending."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.delivery import keys
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import outbox
from sendbot.store.models import Outbox
from tests.factories import NOW, build_small_school


def _urgent_alert(sessions) -> int:  # type: ignore[no-untyped-def]
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        row = outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_staff_id=school.staff["dsl"],
            template=keys.STAFF_NOTICE,
            params={"text": "A safeguarding concern needs you now."},
            dedupe_key="lease-clock:alert",
            priority=outbox.URGENT,
            now=NOW - timedelta(minutes=1),
        )
        assert row is not None
        session.flush()
        return row.id


def _worker(sessions, clock: FrozenClock, name: str, lease: timedelta) -> OutboxWorker:  # type: ignore[no-untyped-def]
    return OutboxWorker(sessions, clock, {}, worker_id=name, config=WorkerConfig(lease=lease))


def _holder(sessions, outbox_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(Outbox.claimed_by).where(Outbox.id == outbox_id))


def test_a_crashed_workers_lease_runs_out_on_time_after_the_clock_steps_back(sessions) -> None:
    alert = _urgent_alert(sessions)
    clock = FrozenClock(NOW)
    lease = timedelta(seconds=1)
    assert _worker(sessions, clock, "crashed", lease).claim() == [alert]
    # The worker dies holding the alert; then the process clock is stepped back an hour.
    clock.set(NOW - timedelta(hours=1))
    rescuer = _worker(sessions, clock, "rescuer", lease)
    rescued: list[int] = []
    give_up = time.monotonic() + 20  # a guard against a hang, far beyond the 1 s lease
    while not rescued and time.monotonic() < give_up:
        rescued = rescuer.claim()
        if not rescued:
            time.sleep(0.1)
    assert rescued == [alert], "the alert stayed with the dead worker"
    assert _holder(sessions, alert) == "rescuer"


def test_a_worker_whose_clock_runs_an_hour_ahead_leaves_a_live_lease_alone(sessions) -> None:
    alert = _urgent_alert(sessions)
    lease = timedelta(seconds=60)
    assert _worker(sessions, FrozenClock(NOW), "sending", lease).claim() == [alert]
    ahead = _worker(sessions, FrozenClock(NOW + timedelta(hours=1)), "ahead", lease)
    assert ahead.claim() == []
    assert _holder(sessions, alert) == "sending"
