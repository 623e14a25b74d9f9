"""A Slack form with text no database can store (a NUL, half an emoji) is saved cleaned."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.store.models import Concern
from tests.slack.harness import open_modal, running, submit


def test_a_concern_narrative_with_a_nul_and_a_lone_surrogate_is_saved_cleaned(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            answers = {
                "pupil": h.school.pupils["amelia"],
                "narrative": "Amelia\x00 cried \ud83d at lunch \U0001f622.",
                "source": "staff",
                "area": "semh",
                "safeguarding": "no",
            }
            reply = await submit(h, "teacher", view, answers)
            assert reply["response_action"] == "update"
            assert reply["view"]["callback_id"] == "sendbot.done"
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
            assert concern.narrative_text == "Amelia cried \ufffd at lunch \U0001f622."

    asyncio.run(scenario())
