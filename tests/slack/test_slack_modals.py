"""Flows as Slack modals: opened by /send and shortcuts, redrawn on choices, submitted."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import select

from sendbot.store.models import Identity
from tests.slack.harness import USERS, running


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_send_concern_acks_at_once_and_opens_the_concern_modal(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            started = time.monotonic()
            response = await h.command("teacher", "concern")
            assert response.status == 200
            assert await response.text() == ""
            (call,) = await h.fake.wait_for("views.open")
            assert time.monotonic() - started < 3
            view = call.params["view"]
            assert view["type"] == "modal"
            assert view["callback_id"] == "flow:log_concern"
            assert view["title"]["text"] == "Log a concern"
            assert view["submit"]["text"] == "Save"
            assert json.loads(view["private_metadata"]) == {"flow": "log_concern"}
            inputs = [b for b in view["blocks"] if b["type"] == "input"]
            assert [b["block_id"] for b in inputs] == [
                "pupil",
                "narrative",
                "source",
                "area",
                "safeguarding",
            ]
            pupil = inputs[0]["element"]
            assert pupil["type"] == "external_select"
            assert pupil["action_id"] == "field.pupil"
            assert pupil["min_query_length"] == 2
            narrative = inputs[1]["element"]
            assert narrative == {
                "type": "plain_text_input",
                "action_id": "field.narrative",
                "multiline": True,
                "max_length": 2000,
            }
            assert inputs[2]["element"]["type"] == "radio_buttons"
            assert [o["value"] for o in inputs[2]["element"]["options"]] == [
                "staff",
                "pupil",
                "parent",
            ]
            assert inputs[3]["element"]["type"] == "static_select"
            assert inputs[4]["element"]["options"] == [
                {"text": {"type": "plain_text", "text": "Yes", "emoji": True}, "value": "yes"},
                {"text": {"type": "plain_text", "text": "No", "emoji": True}, "value": "no"},
            ]
            assert inputs[4]["dispatch_action"] is True
            assert inputs[4]["hint"]["text"].startswith("If in doubt, answer yes.")
            assert call.token == "xoxb-test-token"
            with sessions() as session:
                identity = session.scalars(select(Identity)).one()
                assert (identity.team_id, identity.external_id, identity.staff_id) == (
                    "T0OAKFIELD",
                    USERS["teacher"],
                    h.school.staff["teacher"],
                )

    run(scenario())
