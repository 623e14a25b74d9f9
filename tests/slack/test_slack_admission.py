"""The inbound gate as Slack uses it: strangers are held to the rate limit too."""

from __future__ import annotations

import asyncio

from sendbot.handlers.slack.admission import NOT_SET_UP
from sendbot.services import rate_limit
from tests.slack.harness import STRANGER, running


def test_a_stranger_sending_too_fast_is_slowed_down_before_slack_is_asked_who_they_are(
    db_url, sessions
) -> None:
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            for _ in range(rate_limit.DEFAULT.messages):
                response = await h.command(STRANGER, "help")
                assert (await response.json())["text"] == NOT_SET_UP
            asked = len(h.fake.called("users.info"))
            assert asked == rate_limit.DEFAULT.messages
            refused = await h.command(STRANGER, "help")
            assert await refused.json() == {
                "response_type": "ephemeral",
                "text": rate_limit.SLOW_DOWN,
            }
            await asyncio.sleep(0.1)
            assert len(h.fake.called("users.info")) == asked

    asyncio.run(scenario())
