"""Teams end to end through the real aiohttp app: a teacher, linked by the email Teams gives
for her account, logs a safeguarding concern on the form's Adaptive Card in the bot's
personal chat; the DSL gets the alert as a card and acknowledges it, and the deputy's copy
changes in place to say so."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.store.models import Concern, Identity
from tests.factories import NOW, build_small_school
from tests.teams.fake_connector import (
    TENANT,
    FakeMicrosoft,
    activity,
    conversation_of,
    inputs,
    submit,
    value_of,
)
from tests.teams.harness import Harness

TEACHER = ("29:teacher", "aad-teacher")
DSL = ("29:dsl", "aad-dsl")
DEPUTY = ("29:deputy", "aad-deputy")


def test_a_teacher_logs_a_concern_and_the_dsl_acknowledges_it(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)
    fake.member(*TEACHER, "Teacher@oakfield.example")
    fake.member(*DSL, "dsl@oakfield.example")
    fake.member(*DEPUTY, "deputy@oakfield.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            # The DSL and deputy say hello first (Teams lets a bot write only where it has a
            # conversation), and are linked by their roster email.
            for who in (DSL, DEPUTY):
                assert await h.post(activity(fake, *who, "hello")) == 200
            # Typing concern opens the form as one card.
            chat = conversation_of(TEACHER[0])
            assert await h.post(activity(fake, *TEACHER, "concern")) == 200
            card = fake.posts(chat)[-1].card
            assert card is not None
            assert inputs(card) == [
                "f:pupil",
                "f:narrative",
                "f:child_words",
                "f:when",
                "f:location",
                "f:source",
                "f:area",
                "f:safeguarding",
                "f:action_taken",
                "f:told",
            ]
            answers = {
                "f:pupil": "zoe",
                "f:narrative": "Zoë said someone at home hurt her arm.",
                "f:child_words": "",
                "f:when": value_of(card, "f:when"),  # filled in already: now
                "f:location": "",
                "f:source": "pupil",
                "f:area": "semh",
                "f:safeguarding": "yes",
                "f:action_taken": "",
                "f:told": "",
            }
            # Flagged as safeguarding: the card comes back asking the question that now
            # applies, the answers kept; nothing is saved yet.
            sent_card = submit(fake, TEACHER, card, answers, reply_to="act-card-1")
            assert await h.post(sent_card) == 200
            again = fake.posts(chat)[-1].card
            assert again is not None
            assert inputs(again)[8:10] == ["f:immediate_danger", "f:category"]
            assert value_of(again, "f:narrative") == answers["f:narrative"]
            with h.core.sessions() as session:
                assert session.scalars(select(Concern)).first() is None
            answers["f:pupil"] = value_of(again, "f:pupil")  # the pupil found, by id
            answers["f:immediate_danger"] = "no"
            answers["f:category"] = "physical_abuse"
            assert await h.post(submit(fake, TEACHER, again, answers, reply_to="act-card-2")) == 200
            assert fake.texts(chat)[-1].startswith("Saved as safeguarding concern #1.")
            # The card changed in place to say it was sent, so nobody sends it twice...
            (marked,) = fake.puts(chat)
            assert marked.path.endswith("/activities/act-card-2")
            assert "Sent." in marked.text and not (marked.card or {}).get("actions")
            # ...and the older copy of the same card, sent again, saves nothing twice.
            assert await h.post(submit(fake, TEACHER, again, answers)) == 200
            assert "sent already" in fake.texts(chat)[-1]
            with h.core.sessions() as session:
                concern = session.scalars(select(Concern)).one()
                assert concern.raised_by_id == school.staff["teacher"]
                assert concern.safeguarding
                assert concern.category == "physical_abuse"
                # When: the time the card filled in, read back from the card sent twice.
                assert (concern.occurred_at, concern.occurred_time_known) == (NOW, True)
                linked = session.scalars(select(Identity).where(Identity.platform == "teams"))
                assert {(i.team_id, i.external_id) for i in linked} == {
                    (TENANT, TEACHER[1]),
                    (TENANT, DSL[1]),
                    (TENANT, DEPUTY[1]),
                }

            await h.deliver()
            (alert,) = [
                c
                for c in fake.posts(conversation_of(DSL[0]))
                if c.text.startswith("Safeguarding concern logged")
            ]
            assert "hurt her arm" not in alert.text  # content-free: never the narrative
            assert [label for label, _ in alert.buttons] == ["Acknowledge", "View details"]
            ack, view = (data for _, data in alert.buttons)

            # View details answers with a one-time link to the concern's page, never the story.
            await h.post(activity(fake, *DSL, value={"sendbot": view}))
            details = fake.texts(conversation_of(DSL[0]))[-1]
            assert "hurt her arm" not in details
            assert "https://sendbot.oakfield.example/staff/sign-in/" in details
            # Acknowledge: the DSL is told, and the deputy's copy changes in place.
            await h.post(activity(fake, *DSL, value={"sendbot": ack}))
            assert fake.texts(conversation_of(DSL[0]))[-1].startswith("Acknowledged.")
            await h.deliver()
            (deputy_alert,) = [
                c
                for c in fake.posts(conversation_of(DEPUTY[0]))
                if c.text.startswith("Safeguarding concern logged")
            ]
            row = next(
                r
                for r in h.outbox("safeguarding.alert")
                if r.recipient_staff_id == school.staff["deputy"]
            )
            (update,) = [
                c for c in fake.puts(conversation_of(DEPUTY[0])) if "Acknowledged by" in c.text
            ]
            assert update.path.endswith(f"/activities/{row.platform_message_id}")
            assert "Acknowledged by Martin" in update.text
            assert [label for label, _ in update.buttons] == ["View details"]
            assert deputy_alert.status == 201

            # The same submit again (a double tap): handled once, nothing sent twice.
            before = len(fake.calls)
            again = activity(fake, *DSL, value={"sendbot": ack}, activity_id="tap-twice")
            assert await h.post(again) == 200
            assert await h.post(again) == 200
            assert len(fake.calls) == before + 1

    asyncio.run(scenario())
