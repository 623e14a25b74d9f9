"""The scheduler's buttons, re-authorised on every tap; and its clock inside `sendbot serve`."""

from __future__ import annotations

import asyncio
from datetime import date

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from sendbot.config import Settings
from sendbot.domain.needs import Area
from sendbot.services import action_ids, concerns, escalation
from sendbot.services import staff_buttons as actions
from sendbot.services.actors import staff_actor_by_id
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.serving.scheduler import SERVICE_KEY, scheduler_plugin
from sendbot.store.models import ConcernAction, Deadline, EhcCase
from tests.factories import NOW, build_small_school


def test_buttons_do_their_work_for_the_right_people_only(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.add(
            EhcCase(pupil_id=school.pupils["amelia"], advice_requested_on=date(2026, 11, 20))
        )
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        concern = concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(
                school.pupils["amelia"], Area.SEMH, "What was seen.", safeguarding=True
            ),
            NOW,
        ).concern_id
    with sessions() as session, session.begin():
        advice = session.scalar(select(Deadline).where(Deadline.kind == "ehc.advice"))
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        senco = staff_actor_by_id(session, school.staff["senco"])
        dsl = staff_actor_by_id(session, school.staff["dsl"])

        def sealed(kind: str, subject_id: int) -> str:
            return action_ids.seal(session, kind, subject_id)

        assert "Only the owner" in actions.handle(
            session, teacher, sealed(action_ids.DEADLINE_DONE, advice.id), NOW
        )
        assert actions.handle(
            session, senco, sealed(action_ids.DEADLINE_DONE, advice.id), NOW
        ).startswith("Marked done")
        assert "Only the designated safeguarding lead" in actions.handle(
            session, senco, sealed(action_ids.REFERRAL_CHASED, concern), NOW
        )
        escalation.record_referral(session, dsl, concern, NOW)
        assert actions.handle(
            session, dsl, sealed(action_ids.REFERRAL_CHASED, concern), NOW
        ).startswith("Recorded that")
        assert "Only the DSL" in actions.handle(
            session, teacher, sealed(action_ids.REVIEW_PUPIL, school.pupils["amelia"]), NOW
        )
        listing = actions.handle(
            session, senco, sealed(action_ids.REVIEW_PUPIL, school.pupils["amelia"]), NOW
        )
        assert (
            listing.startswith("Recent concerns about Amelia Khan")
            and "What was seen" not in listing
        )
        assert actions.handle(session, senco, "something.else:1", NOW) is None
        # A readable id, from a message sent before the ids were sealed, still works and is
        # re-authorised like any other; a malformed one or a forged sealed one is nobody's.
        assert "Only the owner" in actions.handle(
            session, teacher, f"deadline.done:{advice.id}", NOW
        )
        assert actions.handle(session, senco, "deadline.done:x", NOW) is None
        assert actions.handle(session, senco, action_ids.PREFIX + "A" * 22, NOW) is None
        assert actions.handle(session, senco, sealed(action_ids.DEADLINE_DONE, 10**9), NOW) == (
            "I can't find that deadline."
        )
        # An alert's buttons are staff buttons, but not the scheduler's to answer.
        assert actions.handle(session, dsl, sealed(action_ids.CONCERN_ACK, concern), NOW) is None
        kinds = session.scalars(
            select(ConcernAction.kind).where(ConcernAction.concern_id == concern)
        ).all()
    assert kinds == ["referral", "referral_chase"]


def test_serve_starts_the_clock_and_stops_it(db_url) -> None:
    core = build_core(Settings(database_url=db_url))
    app = build_app(core, [scheduler_plugin])

    async def go() -> tuple[bool, set[str], bool]:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        service = app[SERVICE_KEY]
        assert service.scheduler is not None
        running = service.scheduler.running
        # The zones job adds each school time zone's daily job as soon as it first runs;
        # on a busy machine that can take a moment after start-up.
        for _ in range(100):
            jobs = {job.id for job in service.scheduler.get_jobs()}
            if "daily:Europe/London" in jobs:
                break
            await asyncio.sleep(0.05)
        await server.close()
        return running, jobs, service.scheduler.running

    running, jobs, after = asyncio.run(go())
    core.db.dispose()
    assert running and not after
    assert {"deliver", "minute", "zones"} <= jobs
    assert "daily:Europe/London" in jobs
