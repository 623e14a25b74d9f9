"""One button-id scheme: every button the staff chat and the parents' flows send is a sealed
action id, and a plain-text id of the old kind is an out-of-date button."""

from __future__ import annotations

import asyncio
from typing import Any

from sendbot.services import action_ids
from sendbot.store.models import Guardian
from tests.factories import SmallSchool, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, link_parent, link_staff, review_with_views_asked

NADIA = person(7401, "Nadia", language_code="en")
OWEN = person(7402, "Owen", language_code="en")


def _sealed(h: Harness, fake_api: FakeBotApi, chat_id: int) -> list[action_ids.Action]:
    """Every button sent into the chat, decoded; a button that does not decode fails."""
    sent = [c for c in fake_api.calls if c.chat_id == chat_id and c.buttons]
    actions = []
    with h.core.sessions() as session:
        for call in sent:
            for label, data in call.buttons:
                action = action_ids.decode(session, data)
                assert action is not None, (call.method, label, data)
                actions.append(action)
    return actions


async def _link_parent(h: Harness, school: SmallSchool, children: list[str]) -> int:
    return await link_parent(h, school, NADIA, children)


def test_every_staff_and_parent_button_is_a_sealed_id(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            # Staff: the menu's options, and the options of the question a tap opens.
            await link_staff(h, school, OWEN, "teacher4")
            await h.send(text_update(OWEN, "menu"))
            menu = fake_api.of("sendMessage", OWEN["id"])[-1]
            await h.send(tap_update(OWEN, menu.buttons[0][1]))
            staff = _sealed(h, fake_api, OWEN["id"])
            assert staff and {a.kind for a in staff} == {action_ids.OPTION}

            # Parents: the languages after linking and under /language, a child and Cancel,
            # then a review's views with Skip and Send.
            await _link_parent(h, school, ["kacper", "zoe"])
            greeting = fake_api.of("sendMessage", NADIA["id"])[-1]
            await h.send(tap_update(NADIA, greeting.buttons[0][1]))  # English
            await h.send(text_update(NADIA, "/language"))
            await h.send(text_update(NADIA, "Is PE on Thursday?"))
            ask = fake_api.of("sendMessage", NADIA["id"])[-1]
            await h.send(tap_update(NADIA, ask.buttons[-1][1]))  # Cancel
            assert fake_api.texts(NADIA["id"])[-1] == "Cancelled. Nothing was sent."
            await review_with_views_asked(h, school, "zoe")
            share = next(c for c in fake_api.of("sendMessage", NADIA["id"]) if len(c.buttons) == 2)
            await h.send(tap_update(NADIA, share.buttons[0][1]))
            await h.send(text_update(NADIA, "She likes art."))
            await h.send(text_update(NADIA, "Reading aloud."))
            await h.send(text_update(NADIA, "To read on her own."))
            parent = _sealed(h, fake_api, NADIA["id"])
            kinds = {a.kind for a in parent}
            assert {action_ids.LANGUAGE, action_ids.WORD, "child", "views", "rsvp"} <= kinds
            words = {a.value for a in parent if a.kind == action_ids.WORD}
            assert words == {"cancel", "skip", "send"}

    asyncio.run(scenario())


def test_a_plain_language_tap_from_a_linked_parent_is_out_of_date(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            guardian_id = await _link_parent(h, school, ["kacper"])
            greeting = fake_api.of("sendMessage", NADIA["id"])[-1]
            polish = next(data for label, data in greeting.buttons if label == "polski")
            for data in ("lang:pl", "cancel", "send"):
                fake_api.clear()
                await h.send(tap_update(NADIA, data))
                said = fake_api.texts(NADIA["id"])[-1]
                assert (
                    said == "Sorry, I cannot do that. This button is too old, or it is not for you."
                )
            with h.core.sessions() as session:
                guardian = session.get(Guardian, guardian_id)
                assert guardian is not None and guardian.preferred_language != "pl"
            # The sealed Polish button still works.
            await h.send(tap_update(NADIA, polish))
            with h.core.sessions() as session:
                guardian = session.get(Guardian, guardian_id)
                assert guardian is not None and guardian.preferred_language == "pl"

    asyncio.run(scenario())


def test_a_plain_option_tap_is_an_earlier_question(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_staff(h, school, OWEN, "teacher4")
            await h.send(text_update(OWEN, "menu"))
            await h.send(tap_update(OWEN, "o:1:abcd1234"))
            said = fake_api.texts(OWEN["id"])[-1]
            assert said.startswith("That button belongs to an earlier question.")

    asyncio.run(scenario())
