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
            view = filled(await open_modal(h, "teacher"), answers_for(h))
            before = len(senco_drawings())
            h.fake.latency["views.publish"] = 0.3  # each drawing is still on its way to Slack
            burst = 6
            responses = await asyncio.gather(
                *(
                    h.interact(payloads.view_submission(USERS["teacher"], view))
                    for _ in range(burst)
                )
            )
            assert all(r.status == 200 for r in responses)
            with sessions() as session:
                assert session.scalar(select(func.count()).select_from(Concern)) == burst

            settled = -1
            while len(senco_drawings()) != settled:  # until no redraw is still on its way
                settled = len(senco_drawings())
                await asyncio.sleep(0.3)
            assert 1 <= settled - before < burst
            last = senco_drawings()[-1].params["view"]
            assert last == await home_of(h, "senco", "Ev0BURST")

    run(scenario())
