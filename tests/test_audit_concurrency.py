"""The audit chain stays one chain when several processes write at the same moment."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from sendbot.services import audit
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import AuditEvent
from tests.factories import NOW


def test_concurrent_writers_never_fork_the_chain(db_url, sessions) -> None:
    engines = [make_engine(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def write(engine) -> None:  # type: ignore[no-untyped-def]
        factory = session_factory(engine)
        try:
            barrier.wait(10)
            for i in range(10):
                with factory() as session, session.begin():
                    # A read-only look is the first write of its transaction: the worst case.
                    audit.record(
                        session,
                        at=NOW,
                        actor_kind="system",
                        actor_id=None,
                        action="test.look",
                        object_type="pupil",
                        object_id=i,
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []
    with sessions() as session:
        links = Counter(session.scalars(select(AuditEvent.prev_hash)))
        assert sum(links.values()) == 40
        assert max(links.values()) == 1, "two events claim the same predecessor"
        assert audit.first_broken_link(session) is None
