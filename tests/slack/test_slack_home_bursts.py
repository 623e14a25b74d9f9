"""Twenty concerns saved at once redraw each Home tab a couple of times, not twenty, and the
last drawing shows the last change."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sendbot.store.models import Concern
from tests.slack import payloads
from tests.slack.harness import USERS, filled, open_modal, running
from tests.slack.test_slack_home import home_of
from tests.slack.test_slack_modals import answers_for, run


def test_a_burst_of_concerns_redraws_the_sencos_home_tab_once_or_twice(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:

            def senco_drawings() -> list:  # type: ignore[type-arg]
                return [
                    c
                    for c in h.fake.called("views.publish")
                    if c.params["user_id"] == USERS["senco"]
                ]

            await home_of(h, "senco", "Ev0FIRST")  # the SENCO has opened sendbot in Slack
            burst = 6  # six concern forms, opened one after another, saved at once
            views = [filled(await open_modal(h, "teacher"), answers_for(h)) for _ in range(burst)]
            before = len(senco_drawings())
            h.fake.latency["views.publish"] = 0.3  # each drawing is still on its way to Slack
            responses = await asyncio.gather(
                *(h.interact(payloads.view_submission(USERS["teacher"], view)) for view in views)
            )
            assert all(r.status == 200 for r in responses)
            with sessions() as session:
                assert session.scalar(select(func.count()).select_from(Concern)) == burst

            settled = -1
            while len(senco_drawings()) != settled:  # until no redraw is still on its way:
                settled = len(senco_drawings())  # quiet for three drawings' time
                await asyncio.sleep(1.0)
            assert 1 <= settled - before < burst
            last = senco_drawings()[-1].params["view"]
            assert last == await home_of(h, "senco", "Ev0BURST")

    run(scenario())


def test_a_drawing_that_fails_still_leaves_the_last_change_drawn(db_url, sessions):
    """The first drawing fails in a way Slack's client does not report (a dropped
    connection); the change that arrived meanwhile is still drawn after it."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await home_of(h, "senco", "Ev0FIRST")
            view = filled(await open_modal(h, "teacher"), answers_for(h))
            other = filled(await open_modal(h, "teacher"), answers_for(h))
            real = h.slack.publish_home
            failed: list[str] = []

            async def flaky(client, actor, user_id, tz):  # type: ignore[no-untyped-def]
                if user_id == USERS["senco"] and not failed:
                    failed.append(user_id)
                    await asyncio.sleep(0.3)  # the next concern is saved meanwhile
                    raise ConnectionResetError("the connection to Slack dropped")
                await real(client, actor, user_id, tz)

            h.slack.publish_home = flaky
            before = len(h.fake.called("views.publish"))
            first = asyncio.ensure_future(
                h.interact(payloads.view_submission(USERS["teacher"], view))
            )
            await asyncio.sleep(0.1)
            second = await h.interact(payloads.view_submission(USERS["teacher"], other))
            assert (await first).status == 200 and second.status == 200
            for _ in range(100):  # up to 5 s for the redraw after the failed one
                drawn = h.fake.called("views.publish")[before:]
                senco = [c for c in drawn if c.params["user_id"] == USERS["senco"]]
                if senco:
                    break
                await asyncio.sleep(0.05)
            assert failed and senco
            assert senco[-1].params["view"] == await home_of(h, "senco", "Ev0AFTER")

    run(scenario())
