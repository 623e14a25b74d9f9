"""A worker is killed while it sends invitations by email: every parent still gets theirs,
and only an email the relay already had when the worker died can arrive twice.

That is the outbox's documented window (scheduling/worker.py): delivery is at least once,
and a message goes twice only if its worker dies after the platform accepted it and before
the worker recorded it as sent. Here the relay takes its time to say 250 after it has been
given a whole email, so the kill lands inside that window, and the test checks that the
duplicates are exactly those emails and no others.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from sqlalchemy import select

from sendbot.delivery import keys
from sendbot.store.models import Outbox, School
from tests.email.helpers import book_review, email_guardian
from tests.email.relay import Relay
from tests.factories import build_small_school

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PARENTS = 24


def _worker(db_url: str, port: int, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.email.email_worker",
            "--database",
            db_url,
            "--port",
            str(port),
            "--worker-id",
            name,
            # Long enough that a loaded test machine never lets a live worker's lease run
            # out mid-send (that would be a second sender, not the crash window).
            "--lease-seconds",
            "6",
            "--idle-exit-seconds",
            "8",
        ],
        cwd=ROOT,
        env={**os.environ},
    )


def _invitations(sessions) -> list[Outbox]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(
            session.scalars(select(Outbox).where(Outbox.template == keys.MEETING_INVITATION))
        )


DATA_DELAY = 2.0  # wide, so a busy test machine still kills inside the window


def _in_the_window(relay: Relay) -> bool:
    """The relay holds a whole email it will not say 250 to for a while yet."""
    got = relay.handler.snapshot()
    return len(got) >= 4 and time.time() - got[-1].at < DATA_DELAY / 4


def test_killing_the_email_worker_mid_send_loses_nothing(db_url, sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        row = session.get(School, school.school_id)
        assert row is not None
        row.quiet_start = row.quiet_end = clock_time(0, 0)  # no quiet hours: runs at any hour
    address_of = {
        email_guardian(sessions, school, f"p{i}", "Parent", f"Number {i}", f"p{i}@example.org"): (
            f"p{i}@example.org"
        )
        for i in range(PARENTS)
    }
    now = datetime.now(UTC)
    book_review(sessions, school, now + timedelta(days=7), now=now)
    relay = Relay(data_delay=DATA_DELAY).start()
    try:
        victim = _worker(db_url, relay.port, "w0")
        deadline = time.monotonic() + 30
        while not _in_the_window(relay) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _in_the_window(relay), "the victim never got an email to the relay"
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert victim.returncode == -signal.SIGKILL
        had = {r.to[0] for r in relay.handler.snapshot()}  # given in full before the kill
        orphaned = {
            address_of[r.recipient_guardian_id or 0]
            for r in _invitations(sessions)
            if r.status == "claimed" and r.claimed_by == "w0"
        }
        survivors = [_worker(db_url, relay.port, name) for name in ("w1", "w2")]
        for process in survivors:
            assert process.wait(90) == 0
    finally:
        relay.stop()
    copies = Counter(
        r.to[0]
        for r in relay.handler.snapshot()
        if any(p.get_content_type() == "text/calendar" for p in r.email().walk())
    )
    assert set(copies) == set(address_of.values())  # every parent got the invitation
    twice = {address for address, n in copies.items() if n > 1}
    assert twice, "the kill did not land while the relay held an email"
    assert max(copies.values()) == 2
    # Exactly the crash window: the relay had the email, the dead worker had not recorded it.
    assert twice == had & orphaned
    assert {r.status for r in _invitations(sessions)} == {"sent"}
