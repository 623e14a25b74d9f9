"""One reminder per pupil per day: everything due for a pupil that day comes in one message,
each item named in plain words with its date and the regulation or Code paragraph it rests
on, and each with its own Done button that still works after another is tapped."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.scheduling import jobs
from sendbot.services import invites
from sendbot.store.models import Deadline, EhcCase, Meeting, Outbox, Pupil, SupportPlan
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import set_settings
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness

SENCO = person(7601, "Grace", language_code="en")


async def _link(h: Harness, who: dict, staff_id: int) -> None:  # type: ignore[type-arg]
    with h.core.sessions() as session, session.begin():
        code = invites.create_staff_invite(session, staff_id, h.clock.now(), BOT_USERNAME).code
    await h.send(text_update(who, f"/start {code}"))


def test_one_message_a_pupil_a_day_and_each_done_button_works(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _link(h, SENCO, school.staff["senco"])
            with h.core.sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                # Amelia's annual review meeting is on 21 December: its invitations and its
                # advice are both due 13 days from now.
                session.add(
                    EhcCase(pupil_id=school.pupils["amelia"], final_issued_on=date(2026, 1, 20))
                )
                session.get(Pupil, school.pupils["amelia"]).sen_status = "ehc_plan"
                session.add(
                    Meeting(
                        school_id=school.school_id,
                        pupil_id=school.pupils["amelia"],
                        kind="annual_review",
                        starts_at=datetime(2026, 12, 21, 10, tzinfo=ZoneInfo("Europe/London")),
                    )
                )
                # Zoë's SEN support plan is reviewed on 1 December, and her parents are due
                # a meeting this term: the pair that used to arrive as two messages.
                session.add(
                    SupportPlan(
                        pupil_id=school.pupils["zoe"],
                        kind="sen_support",
                        started_on=date(2026, 9, 7),
                        next_review_on=date(2026, 12, 1),
                    )
                )
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, NOW) == 2
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, NOW) == 0
            await h.deliver()
            sent = fake_api.of("sendMessage", SENCO["id"])
            amelia = [c for c in sent if "Amelia Khan" in c.params["text"]]
            zoe = [c for c in sent if "Zoë Nowak" in c.params["text"]]
            assert len(amelia) == 1 and len(zoe) == 1
            text = amelia[0].params["text"]
            assert text.startswith("2 things due for Amelia Khan:")
            assert "Deadline in 13 days: Annual review invitations sent for Amelia Khan" in text
            assert "Deadline in 13 days: Annual review advice circulated for Amelia Khan" in text
            assert "Due: Monday 7 December 2026" in text
            assert "Source: SEND Regs 2014 reg 20(2),(3); reg 21(2),(3)" in text
            assert "Source: SEND Regs 2014 reg 20(4); reg 21(4)" in text
            assert "Meet parents about SEN support" in zoe[0].params["text"]
            assert "Review in 7 days: SEN support plan for Zoë Nowak" in zoe[0].params["text"]

            buttons = amelia[0].buttons
            assert [label for label, _ in buttons] == [
                "Done: Annual review advice circulated",
                "Done: Annual review invitations sent",
            ]
            (_, first), (_, second) = buttons
            markup = amelia[0].params["reply_markup"]
            await h.send(tap_update(SENCO, first, text, reply_markup=markup))
            assert fake_api.texts(SENCO["id"])[-1].startswith(
                "Marked done: Annual review advice circulated"
            )
            edited = fake_api.of("editMessageReplyMarkup")[-1]
            assert edited.buttons == [("Done: Annual review invitations sent", second)]
            await h.send(
                tap_update(SENCO, second, text, reply_markup=edited.params["reply_markup"])
            )
            assert fake_api.texts(SENCO["id"])[-1].startswith(
                "Marked done: Annual review invitations sent"
            )
            assert fake_api.of("editMessageReplyMarkup")[-1].buttons == []

            with h.core.sessions() as session:
                statuses = session.scalars(
                    select(Deadline.status).where(
                        Deadline.pupil_id == school.pupils["amelia"],
                        Deadline.kind.in_(("ehc.review_invitations", "ehc.review_advice")),
                    )
                ).all()
                merged = session.scalars(
                    select(Outbox.dedupe_key).where(Outbox.status == "merged")
                ).all()
            assert statuses == ["done", "done"]
            # Each reminder point keeps its own dedupe key: none is queued twice.
            assert len(merged) == 4 and len(set(merged)) == 4
            tomorrow = NOW + timedelta(days=1)
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, tomorrow) == 0

    asyncio.run(scenario())
