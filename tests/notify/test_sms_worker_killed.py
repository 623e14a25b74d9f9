"""A worker killed mid-send on the text message channel: nothing is lost, and the only
messages a parent gets twice are those the killed worker had handed to Notify but not yet
recorded as sent (the crash window the outbox documents) - exactly those, once more each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from sendbot.delivery import keys
from sendbot.services import outbox
from sendbot.store.models import DeliveryAttempt, Guardian, Identity, Outbox
from tests.factories import build_small_school
from tests.notify.fake_notify import FakeNotify


def _families(sessions, school_id: int, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    ids = []
    with sessions() as session, session.begin():
        for i in range(n):
            guardian = Guardian(
                school_id=school_id, external_id=f"G{i}", first_name="Parent", last_name=str(i)
            )
            session.add(guardian)
            session.flush()
            session.add(
                Identity(
                    platform="sms",
                    external_id=f"+4477009{i:05d}",
                    guardian_id=guardian.id,
                    created_at=now,
                )
            )
            ids.append(guardian.id)
    return ids


def _enqueue(sessions, school_id: int, guardians: list[int], total: int) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    rows = [
        {
            "school_id": school_id,
            "recipient_guardian_id": guardians[i % len(guardians)],
            "template": keys.PARENT_STAFF_REPLY,
            "params": {
                "text": f"Reply number {i}",
                "child_name": "Zoe",
                "staff_name": "Ms Patel",
                "school_name": "Oakfield School",
                "reply_id": i,
            },
            "priority": outbox.URGENT,  # quiet hours are not under test
            "not_before": now - timedelta(seconds=1),
            "dedupe_key": f"kill:{i}",
            "attempts": 0,
            "status": "pending",
            "created_at": now,
        }
        for i in range(total)
    ]
    with sessions() as session, session.begin():
        session.execute(insert(Outbox), rows)


def _held_by(sessions, worker: str) -> list[int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(
            session.scalars(
                select(Outbox.id).where(Outbox.status == "claimed", Outbox.claimed_by == worker)
            )
        )


def _worker(db_url: str, url: str, worker_id: str, rate: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.notify.notify_worker",
            "--database",
            db_url,
            "--notify",
            url,
            "--worker-id",
            worker_id,
            "--rate",
            str(rate),
            # A lease long enough that no live worker loses one on a busy machine, so every
            # duplicate is the dead worker's; the survivors wait longer than it for orphans.
            "--lease-seconds",
            "4",
            "--idle-exit-seconds",
            "6",
        ],
        env={**os.environ},
    )


def test_a_worker_killed_mid_send_loses_no_text_message(db_url, sessions, backend) -> None:
    total = 400 if backend == "postgresql" else 150
    school = build_small_school(sessions)
    guardians = _families(sessions, school.school_id, 50)
    _enqueue(sessions, school.school_id, guardians, total)
    fake = FakeNotify(delay=0.005)
    url = fake.start()
    try:
        victim = _worker(db_url, url, "w0", rate=100)
        deadline = time.monotonic() + 60
        while not _held_by(sessions, "w0") and time.monotonic() < deadline:
            time.sleep(0.01)
        survivors = [_worker(db_url, url, f"w{i}", rate=2000) for i in (1, 2)]
        while time.monotonic() < deadline:
            if len(fake.delivered) >= total // 4 and _held_by(sessions, "w0"):
                break
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert victim.returncode == -signal.SIGKILL
        for proc in survivors:
            proc.wait(120)
            assert proc.returncode == 0
    finally:
        fake.stop()
    by_reference = fake.references()
    with sessions() as session:
        ids = set(session.scalars(select(Outbox.id)))
        statuses = dict(
            session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
        )
        recorded_by_victim = set(
            session.scalars(
                select(DeliveryAttempt.outbox_id).where(
                    DeliveryAttempt.worker == "w0", DeliveryAttempt.outcome == "sent"
                )
            )
        )
    # Nothing lost: every message reached Notify and is recorded as sent.
    assert statuses == {"sent": total}
    assert set(by_reference) == {str(i) for i in ids}
    # Duplicates: exactly the messages the killed worker handed to Notify and never recorded,
    # each sent once more by a survivor when the dead worker's lease ran out.
    from_victim = Counter(
        str(r.body["reference"]) for r in fake.delivered if r.body.get("sms_sender_id") == "w0"
    )
    unrecorded = {ref for ref in from_victim if int(ref) not in recorded_by_victim}
    twice = {ref for ref, n in by_reference.items() if n > 1}
    assert twice == unrecorded, (sorted(twice - unrecorded), sorted(unrecorded - twice))
    assert all(by_reference[ref] == 2 for ref in twice)
    assert len(twice) <= 20  # at most one batch in flight in the killed worker
    assert from_victim  # it was killed mid-run, not before it started
