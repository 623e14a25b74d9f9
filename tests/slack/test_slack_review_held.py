"""A review meeting marked held from the Slack Home tab, and from the prompt sent after it:
real Bolt app, the fake Slack Web API. The tap is re-authorised, says what follows, and the
Home tab no longer asks."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.scheduling import jobs
from sendbot.services import review_outcomes
from sendbot.store.models import AuditEvent, Meeting, SupportPlan
from tests.factories import NOW
from tests.slack import payloads
from tests.slack.harness import USERS, running
from tests.slack.test_slack_home import home_of, texts
from tests.slack.test_slack_scheduler_buttons import deliver, posted_to, tap

LONDON = ZoneInfo("Europe/London")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def _seed(sessions, h) -> int:  # type: ignore[no-untyped-def]
    """Amelia's SEN support review was yesterday afternoon; nobody has said how it went."""
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        amelia = h.school.pupils["amelia"]
        session.add(
            SupportPlan(
                pupil_id=amelia,
                kind="sen_support",
                started_on=date(2026, 9, 7),
                next_review_on=date(2026, 11, 27),
            )
        )
        meeting = Meeting(
            school_id=h.school.school_id,
            pupil_id=amelia,
            kind="sen_support_review",
            starts_at=datetime(2026, 11, 23, 15, 30, tzinfo=LONDON),
            place="School office",
        )
        session.add(meeting)
        session.flush()
        return meeting.id


def _home_tap(user: str, view: dict[str, Any], label: str) -> dict[str, Any]:
    button = next(
        e
        for b in view["blocks"]
        if b.get("type") == "actions" and str(b.get("block_id", "")).startswith("senco.held.")
        for e in b["elements"]
        if e["text"]["text"] == label
    )
    action = {"type": "button", "block_id": "senco.held", **button}
    return payloads.view_block_action(user, {**view, "id": "VHOME0001"}, action)


def test_the_senco_marks_a_review_held_from_the_home_tab(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            meeting = _seed(sessions, h)
            view = await home_of(h, "senco", "EvH1")
            shown = texts(view)
            assert "*Was it held?*" in shown
            assert "• Amelia Khan: SEN support review on Mon 23 Nov" in shown
            before = len(h.fake.called("views.publish"))
            response = await h.interact(_home_tap(USERS["senco"], view, "Held"))
            assert response.status == 200
            opened = await h.fake.wait_for("views.open", 1)
            said = str(opened[-1].params["view"])
            assert "Recorded: Amelia Khan's SEN support review on Mon 23 Nov 2026 was held." in said
            assert "Next review due by" in said
            with sessions() as session:
                assert session.get(Meeting, meeting).status == "held"
            refreshed = await h.fake.wait_for("views.publish", before + 1)
            assert "Was it held?" not in texts(refreshed[-1].params["view"])

    run(scenario())


def test_a_teacher_cannot_mark_a_review_from_the_prompt_and_the_senco_can(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            meeting = _seed(sessions, h)
            assert jobs.run(sessions, review_outcomes.queue_outcome_prompts, NOW) == 1
            await deliver(h)
            prompt = posted_to(h, "senco", "Was Amelia Khan's SEN support review")
            held = next(
                e["action_id"]
                for b in prompt["blocks"]
                if b.get("type") == "actions"
                for e in b["elements"]
                if e["text"]["text"] == "Not held: other reason"
            )
            # The same message, forwarded to a teacher's tap: refused and audited.
            await h.interact(tap("teacher", prompt, held))
            await h.fake.wait_for("views.open", 1)
            with sessions() as session:
                assert session.get(Meeting, meeting).status == "scheduled"
                refused = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "button.refused")
                ).all()
                assert [a.object_type for a in refused] == ["meeting.outcome"]
            await h.interact(tap("senco", prompt, held))
            updates = await h.fake.wait_for("chat.update", 1)
            assert "was not held (Not held (no reason given yet))" in updates[-1].params["text"]
            with sessions() as session:
                assert session.get(Meeting, meeting).status == "not_held"

    run(scenario())
