"""The DSL reads unfinished safeguarding reports in Slack too: `/send unfinished` answers
with the same words as every other platform, and only for the leads."""

from __future__ import annotations

import asyncio

from sendbot.conversations.registry import REGISTRY
from sendbot.handlers.slack import flows
from tests.slack.harness import running
from tests.staff_dialogs import dialog_for

# The child's words, when and where, skipped or 'now': what a hurried report answers.
QUICK = ("skip", "now", "skip")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_send_unfinished_lists_a_report_a_teacher_left_at_immediate_danger(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions, REGISTRY) as h:
            teacher = dialog_for(sessions, h.clock, h.school, "teacher")
            for line in ("concern", "Amir", "He said he is scared to go home.", *QUICK, "2", "3"):
                teacher.says(line)
            teacher.says("yes")
            teacher.says("yes")  # immediate danger, and the teacher stops there

            url = h.fake.response_url("unfinished")
            response = await h.command("dsl", "unfinished", response_url=url)
            assert response.status == 200
            ((_, message),) = await h.fake.wait_for_response()
            assert message["text"].startswith("Unfinished safeguarding reports (1)")
            assert "(console), about Amir" in message["text"]
            assert "He said he is scared to go home." in message["text"]
            assert h.fake.called("views.open") == []

            refused = await h.command("senco", "unfinished", response_url=url)
            assert refused.status == 200
            assert (await refused.json())["text"] == flows.CANNOT

    run(scenario())
