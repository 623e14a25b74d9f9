"""Nothing waits on Telegram either: a teacher's 'yes' to immediate danger alerts the leads
at once, and the DSL reads the unfinished report in their own Telegram chat."""

from __future__ import annotations

import asyncio

from sendbot.delivery import keys
from sendbot.services import invites
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, text_update
from tests.telegram.harness import Harness

# The child's words, when and where, skipped or 'now': what a hurried report answers.
QUICK = ("skip", "now", "skip")


async def _linked(h: Harness, staff_id: int, who) -> None:  # type: ignore[no-untyped-def]
    with h.core.sessions() as session, session.begin():
        invite = invites.create_staff_invite(session, staff_id, h.clock.now(), BOT_USERNAME)
    await h.send(text_update(who, f"/start {invite.code}"))


def test_the_dsl_reads_a_teachers_unfinished_report_in_telegram(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7801, "Owen")
    dsl = person(7802, "Dana")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked(h, school.staff["teacher4"], teacher)
            await _linked(h, school.staff["dsl"], dsl)
            for line in ("concern", "Kacper", "He said he is scared to go home.", *QUICK, "2", "3"):
                await h.send(text_update(teacher, line))
            await h.send(text_update(teacher, "yes"))
            assert h.outbox(keys.SAFEGUARDING_DANGER) == []
            await h.send(text_update(teacher, "yes"))  # immediate danger: then the app closes
            told = "\n".join(fake_api.texts(teacher["id"])[-2:])
            assert "deputies have been alerted now" in told
            assert {r.recipient_staff_id for r in h.outbox(keys.SAFEGUARDING_DANGER)} == {
                school.staff["dsl"],
                school.staff["deputy"],
            }

            await h.send(text_update(dsl, "unfinished"))
            listed = "\n".join(fake_api.texts(dsl["id"])[-2:])
            assert "Unfinished safeguarding reports (1)" in listed
            assert "(telegram), about Kacper" in listed
            assert "What happened: He said he is scared to go home." in listed

    asyncio.run(scenario())
