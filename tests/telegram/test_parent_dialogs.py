"""The parents' declared flows step by step through the real Application: a message about
one of several children, a views answer that is too long, cancel, and the one expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sendbot.services import meetings
from sendbot.store.models import ConversationState, Invitation, ParentMessage
from tests.factories import SmallSchool, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, link_parent, review_with_views_asked

NADIA = person(7301, "Nadia", language_code="en")


async def _linked(h: Harness, school: SmallSchool, children: list[str]) -> int:
    return await link_parent(h, school, NADIA, children)


async def _views_started(h: Harness, school: SmallSchool, fake_api: FakeBotApi) -> None:
    """A review is booked, the invitation and the views question arrive, Nadia taps yes."""
    await review_with_views_asked(h, school, "zoe")
    ask = next(c for c in fake_api.of("sendMessage", NADIA["id"]) if len(c.buttons) == 2)
    await h.send(tap_update(NADIA, ask.buttons[0][1]))
    assert fake_api.texts(NADIA["id"])[-1].startswith("What is going well for Zo")


def _states(h: Harness) -> list[str]:
    with h.core.sessions() as session:
        return [row.flow for row in session.scalars(select(ConversationState))]


def test_a_message_about_one_of_two_children(db_url: str, sessions: Any, fake_api: FakeBotApi):
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked(h, school, ["kacper", "zoe"])
            await h.send(text_update(NADIA, "Is PE on Thursday?"))
            ask = fake_api.of("sendMessage", NADIA["id"])[-1]
            assert ask.params["text"] == "Which child is this message about?"
            assert len(ask.buttons) == 3 and ask.buttons[-1][0] == "Cancel"
            assert _states(h) == ["parent.message"]

            # Typing again before choosing is a new message: the first one is not sent.
            await h.send(text_update(NADIA, "Sorry, I mean swimming."))
            ask = fake_api.of("sendMessage", NADIA["id"])[-1]
            assert ask.params["text"] == "Which child is this message about?"
            zoe = next(data for label, data in ask.buttons if label.startswith("Zo"))
            await h.send(tap_update(NADIA, zoe))
            assert "Your message about Zo" in fake_api.texts(NADIA["id"])[-1]
            assert _states(h) == []
            with h.core.sessions() as session:
                sent = session.scalars(select(ParentMessage)).all()
                assert [(m.pupil_id, m.body_text) for m in sent] == [
                    (school.pupils["zoe"], "Sorry, I mean swimming.")
                ]

            # The same button again has no message waiting behind it.
            await h.send(tap_update(NADIA, zoe))
            assert fake_api.texts(NADIA["id"])[-1] == (
                "This button is too old. Please type your message again."
            )

    asyncio.run(scenario())


def test_a_views_answer_too_long_is_asked_again_and_cancel_sends_nothing(
    db_url: str, sessions: Any, fake_api: FakeBotApi
):
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked(h, school, ["zoe"])
            await _views_started(h, school, fake_api)
            await h.send(text_update(NADIA, "x" * (meetings.VIEWS_LIMIT + 1)))
            said = fake_api.texts(NADIA["id"])
            assert said[-2] == "Please keep each answer under 2,000 characters."
            assert said[-1].startswith("What is going well for Zo")
            await h.send(text_update(NADIA, "Skip"))
            assert fake_api.texts(NADIA["id"])[-1].startswith("Is there anything that worries")
            await h.send(text_update(NADIA, "cancel"))
            assert fake_api.texts(NADIA["id"])[-1] == "Cancelled. Nothing was sent."
            assert _states(h) == []
            with h.core.sessions() as session:
                invitation = session.scalars(select(Invitation)).one()
                assert invitation.parent_views_text is None

    asyncio.run(scenario())


def test_an_unfinished_views_dialog_expires_with_the_engines_one_setting(
    db_url: str, sessions: Any, fake_api: FakeBotApi
):
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _linked(h, school, ["zoe"])
            await _views_started(h, school, fake_api)
            await h.send(text_update(NADIA, "She loves drawing."))
            assert _states(h) == ["parent.views"]
            h.clock.advance(h.core.conversations.ttl + timedelta(minutes=1))
            await h.send(text_update(NADIA, "Thank you"))
            assert "has gone to the school" in fake_api.texts(NADIA["id"])[-1]
            assert _states(h) == []

    asyncio.run(scenario())
