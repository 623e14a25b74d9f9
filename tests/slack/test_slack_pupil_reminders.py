"""A reminder in Slack that lists two deadlines for one pupil: tapping one Done marks that
one done and leaves the other's button on the message, still working."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.scheduling import jobs
from sendbot.services import action_ids
from sendbot.store.models import Deadline, EhcCase, Meeting, Pupil
from tests.factories import NOW
from tests.slack.harness import running
from tests.slack.test_slack_scheduler_buttons import deliver, posted_to, sealed, tap


def test_each_done_on_a_reminder_about_one_pupil_does_its_own_deadline(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            amelia = h.school.pupils["amelia"]
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                session.add(EhcCase(pupil_id=amelia, final_issued_on=date(2026, 1, 20)))
                session.get(Pupil, amelia).sen_status = "ehc_plan"  # no longer SEN support
                session.add(
                    Meeting(
                        school_id=h.school.school_id,
                        pupil_id=amelia,
                        kind="annual_review",
                        starts_at=datetime(2026, 12, 21, 10, tzinfo=ZoneInfo("Europe/London")),
                    )
                )
            assert jobs.run(sessions, jobs.sweep_deadline_reminders, NOW) == 1
            await deliver(h)
            reminder = posted_to(h, "senco", "2 things due for Amelia Khan")
            with sessions() as session:
                rows = {
                    row.kind: row.id
                    for row in session.scalars(select(Deadline).where(Deadline.pupil_id == amelia))
                }
            advice = sealed(sessions, action_ids.DEADLINE_DONE, rows["ehc.review_advice"])
            invitations = sealed(sessions, action_ids.DEADLINE_DONE, rows["ehc.review_invitations"])
            actions = reminder["blocks"][-1]["elements"]
            assert [(e["text"]["text"], e["action_id"]) for e in actions] == [
                ("Done: Annual review advice circulated", advice),
                ("Done: Annual review invitations sent", invitations),
            ]

            await h.interact(tap("senco", reminder, advice))
            update = (await h.fake.wait_for("chat.update", 1))[-1].params
            left = [
                e["action_id"]
                for b in update["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            assert left == [invitations]
            reminder = {**reminder, "blocks": update["blocks"]}
            await h.interact(tap("senco", reminder, invitations))
            update = (await h.fake.wait_for("chat.update", 2))[-1].params
            assert not any(b["type"] == "actions" for b in update["blocks"])
            with sessions() as session:
                assert {
                    session.get(Deadline, rows[kind]).status
                    for kind in ("ehc.review_advice", "ehc.review_invitations")
                } == {"done"}

    asyncio.run(scenario())
