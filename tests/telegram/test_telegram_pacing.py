"""Telegram's limit counts Bot API calls, and so does our pace.

An invitation is two calls (its text, then its .ics), so pacing messages at Telegram's 30 a
second made up to 60 calls a second. Counted at the fake Bot API, in every one-second window
of a delivery of 45 invitations, the calls stay at the limit (with a call or two of slack for
the network's jitter); every invitation still arrives whole.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.harness import Harness, add_guardian

TELEGRAM_CALLS_A_SECOND = 30
PARENTS = 45


def test_an_invitations_two_calls_both_count_against_telegrams_thirty_a_second(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    chats = [8100 + n for n in range(PARENTS)]
    for n, chat in enumerate(chats):
        family = add_guardian(sessions, school, f"p{n}", f"Parent{n}", "Wiśniewska", ["kacper"])
        with sessions() as session, session.begin():
            session.add(
                Identity(
                    platform="telegram",
                    external_id=str(chat),
                    guardian_id=family.guardian_id,
                    created_at=NOW,
                )
            )

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                meetings.schedule(
                    session,
                    senco,
                    pupil_id=school.pupils["kacper"],
                    kind="annual_review",
                    starts_at=NOW + timedelta(days=20),
                    video_link="https://meet.school.example/review",
                    now=NOW,
                )
            h.clock.advance(timedelta(minutes=1))
            # The worker as `sendbot serve` runs it, with its default limits.
            worker = OutboxWorker(
                h.core.sessions,
                h.clock,
                {"telegram": h.sender},
                worker_id="w",
                config=WorkerConfig(),
            )
            report = await worker.drain(max_seconds=60)
            assert report.sent >= PARENTS

    asyncio.run(scenario())
    sends = [c for c in fake_api.calls if c.method in ("sendMessage", "sendDocument")]
    for chat in chats:
        assert [c.method for c in sends if c.chat_id == chat] == ["sendMessage", "sendDocument"]
    busiest = max(
        sum(1 for c in sends if start <= c.at < start + 1.0) for start in (c.at for c in sends)
    )
    assert busiest <= TELEGRAM_CALLS_A_SECOND + 2
