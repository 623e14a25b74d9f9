"""A deadline reminder's Done tapped on Teams: the deadline is done, and the reminder's card
changes in place to say what was done, without its button, so nobody taps it twice. Someone else's
reminder, tapped by another teacher, is refused and stays as it was."""

from __future__ import annotations

import asyncio
from datetime import date

from sendbot.scheduling import jobs
from sendbot.services import action_ids
from sendbot.store.models import Deadline, EhcCase, Identity, Pupil
from tests.factories import NOW, build_small_school
from tests.teams.fake_connector import TENANT, FakeMicrosoft, activity, conversation_of
from tests.teams.harness import Harness

SENCO = ("29:senco", "aad-senco")
TEACHER = ("29:teacher", "aad-teacher")


def test_done_on_a_reminder_card_changes_the_card_in_place(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            with h.core.sessions() as session, session.begin():
                for who, key in ((SENCO, "senco"), (TEACHER, "teacher")):
                    session.add(
                        Identity(
                            platform="teams",
                            team_id=TENANT,
                            external_id=who[1],
                            staff_id=school.staff[key],
                            created_at=NOW,
                        )
                    )
            for who in (SENCO, TEACHER):  # their chats, kept from a first hello
                assert await h.post(activity(fake, *who, "help")) == 200
            with h.core.sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                session.add(
                    EhcCase(
                        pupil_id=school.pupils["amelia"], advice_requested_on=date(2026, 10, 27)
                    )
                )
                session.get(Pupil, school.pupils["amelia"]).sen_status = "none"
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, NOW) == 1
            await h.deliver()
            reminder = next(
                c for c in fake.posts(conversation_of(SENCO[0])) if c.text.startswith("Deadline")
            )
            [(label, done_id)] = reminder.buttons
            assert label == "Done"
            (card_id,) = [
                r.platform_message_id
                for r in h.outbox()
                if r.recipient_staff_id == school.staff["senco"] and r.status == "sent"
            ]

            # The teacher taps the SENCO's button (a forwarded id): refused, nothing changes.
            tap = activity(fake, *TEACHER, value={"sendbot": done_id})
            tap["replyToId"] = card_id
            assert await h.post(tap) == 200
            assert fake.texts(conversation_of(TEACHER[0]))[-1].startswith("Only the owner")
            assert fake.puts() == []

            tap = activity(fake, *SENCO, value={"sendbot": done_id})
            tap["replyToId"] = card_id
            assert await h.post(tap) == 200
            assert fake.texts(conversation_of(SENCO[0]))[-1].startswith("Marked done:")
            (redrawn,) = fake.puts(conversation_of(SENCO[0]))
            assert redrawn.path.endswith(f"/activities/{card_id}")
            # Nothing is left to remind of: the card says what was done, with no button.
            assert redrawn.text.startswith("Marked done:") and redrawn.buttons == []
            with h.core.sessions() as session:
                done = action_ids.decode(session, done_id)
                assert done is not None
                deadline = session.get(Deadline, done.subject_id)
                assert deadline is not None and deadline.status == "done"

    asyncio.run(scenario())
