"""The minute jobs run at once by several serving processes: still one digest per person per
day, one reminder per deadline and offset, one escalation per step."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.domain.needs import Area
from sendbot.scheduling import jobs
from sendbot.services import SESSION_HOOKS, concerns
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import ConcernAction, EhcCase, Meeting, Outbox, Pupil
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import set_settings, utc


def test_racing_processes_queue_everything_once(db_url, sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id, digest_days=[0, 1, 2, 3, 4])
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.add(EhcCase(pupil_id=school.pupils["amelia"], final_issued_on=date(2026, 1, 20)))
        session.get(Pupil, school.pupils["amelia"]).sen_status = "ehc_plan"
        session.add(
            Meeting(
                school_id=school.school_id,
                pupil_id=school.pupils["amelia"],
                kind="annual_review",
                starts_at=datetime(2026, 12, 21, 10, tzinfo=ZoneInfo("Europe/London")),
            )
        )
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        new = concerns.NewConcern(
            school.pupils["amelia"], Area.SEMH, "Seen today.", safeguarding=True
        )
        concerns.log_concern(session, teacher, new, utc(2026, 11, 24, 7, 0))
    now = utc(2026, 11, 24, 8, 30)  # after the digest time, 90 minutes after the alert
    engines = [make_engine(db_url) for _ in range(4)]
    factories = [session_factory(e, *SESSION_HOOKS) for e in engines]
    barrier = threading.Barrier(len(factories))
    errors: list[BaseException] = []

    def serve(factory) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(10)
            for _ in range(3):
                jobs.run_minute_jobs(factory, now)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=serve, args=(f,)) for f in factories]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []
    with sessions() as session:
        keys = Counter(session.scalars(select(Outbox.dedupe_key)))
        templates = Counter(session.scalars(select(Outbox.template)))
        steps = session.scalars(
            select(ConcernAction).where(ConcernAction.kind == "escalated")
        ).all()
    assert set(keys.values()) == {1}
    assert templates["digest.senco"] == 1 and templates["digest.dsl"] == 1
    assert templates["deadline.reminder"] == 2  # invitations and advice, 13 days out: "14 days"
    assert templates["reminders.pupil"] == 1  # both in one message about Amelia
    assert sorted(a.details["step"] for a in steps) == [1, 2]
    assert templates["safeguarding.escalation"] == 2 + 3  # deputy+head, then DSL+deputy+head
