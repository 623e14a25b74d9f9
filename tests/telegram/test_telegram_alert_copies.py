"""When the DSL acknowledges a safeguarding alert on Telegram, the deputy's copy of it changes
in place to say who took it, and loses its Acknowledge button: nobody is misled into
thinking the alert still waits. The copy is changed through the outbox, so Telegram being
unreachable at that moment only delays it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from sendbot.domain.needs import Area
from sendbot.services import concerns, invites
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Outbox
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness

DSL = person(7601, "Martin", language_code="en")
DEPUTY = person(7602, "Priya", language_code="en")
BAD_GATEWAY = {"ok": False, "error_code": 502, "description": "Bad Gateway"}


async def _link(h: Harness, who: dict, staff_id: int) -> None:  # type: ignore[type-arg]
    with h.core.sessions() as session, session.begin():
        code = invites.create_staff_invite(session, staff_id, h.clock.now(), BOT_USERNAME).code
    await h.send(text_update(who, f"/start {code}"))


def test_the_deputys_copy_says_the_dsl_acknowledged_it_and_loses_its_button(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _link(h, DSL, school.staff["dsl"])
            await _link(h, DEPUTY, school.staff["deputy"])
            with h.core.sessions() as session, session.begin():
                session.info["sendbot.now"] = h.clock.now()
                teacher = staff_actor_by_id(session, school.staff["teacher"])
                assert teacher is not None
                concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(
                        school.pupils["amir"], Area.SEMH, "What was seen.", safeguarding=True
                    ),
                    h.clock.now(),
                )
            await h.deliver()
            (alert,) = [
                c
                for c in fake_api.of("sendMessage", DSL["id"])
                if c.params["text"].startswith("Safeguarding concern logged")
            ]
            ack, _view = (data for _, data in alert.buttons)
            await h.send(tap_update(DSL, ack))

            # Telegram refuses both copies' updates (the DSL's and the deputy's) once: they
            # wait in the outbox.
            fake_api.fail_next("editMessageText", 502, BAD_GATEWAY)
            fake_api.fail_next("editMessageText", 502, BAD_GATEWAY)
            await h.deliver()
            h.clock.advance(timedelta(minutes=5))
            await h.deliver()

            with h.core.sessions() as session:
                sent_as = session.scalars(
                    select(Outbox.platform_message_id).where(
                        Outbox.template == "safeguarding.alert",
                        Outbox.recipient_staff_id == school.staff["deputy"],
                    )
                ).one()
            edits = fake_api.of("editMessageText", DEPUTY["id"])
            assert [(c.status, str(c.params["message_id"])) for c in edits] == [
                (502, sent_as),
                (200, sent_as),
            ]
            edited = edits[-1]
            assert "Acknowledged by Martin" in edited.params["text"]
            assert [label for label, _ in edited.buttons] == ["View details"]
            # Changed in place: the deputy was not sent a second message about it.
            alerts = [
                c
                for c in fake_api.of("sendMessage", DEPUTY["id"])
                if c.params["text"].startswith("Safeguarding concern logged")
            ]
            assert len(alerts) == 1

    asyncio.run(scenario())
