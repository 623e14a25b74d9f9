"""The flows' Adaptive Cards in Teams: a name that matches several pupils is chosen on the
card returned; a card from before the form changed is answered with the current one, its
answers kept; "Step by step instead" asks the same questions one at a time; a read-only
flow answers on submit; and a card's button cannot widen what a person may see."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.store.models import Concern, Identity
from tests.factories import NOW, build_small_school
from tests.teams.fake_connector import (
    TENANT,
    FakeMicrosoft,
    activity,
    choices_of,
    conversation_of,
    inputs,
    submit,
    value_of,
)
from tests.teams.harness import Harness

TEACHER = ("29:teacher", "aad-teacher")


def _link(h: Harness, staff_id: int) -> None:
    with h.core.sessions() as session, session.begin():
        session.add(
            Identity(
                platform="teams",
                team_id=TENANT,
                external_id=TEACHER[1],
                staff_id=staff_id,
                created_at=NOW,
            )
        )


def test_several_matches_are_chosen_on_the_card_and_an_old_card_is_renewed(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            _link(h, school.staff["teacher"])
            chat = conversation_of(TEACHER[0])
            assert await h.post(activity(fake, *TEACHER, "concern")) == 200
            card = fake.posts(chat)[-1].card
            assert card is not None
            answers = {
                "f:pupil": "khan",
                "f:narrative": "Amir was upset after lunch.",
                "f:source": "staff",
                "f:area": "semh",
                "f:safeguarding": "no",
            }
            assert await h.post(submit(fake, TEACHER, card, answers)) == 200
            again = fake.posts(chat)[-1].card
            assert again is not None
            offered = choices_of(again, "f:pupil")
            # Any member of staff reports about any pupil on roll: three Khans, three classes.
            assert {label.split(" (")[0] for _, label in offered} == {
                "Amelia Khan",
                "Amir Khan",
                "Ruby Khan",
            }
            assert any("Several match 'khan'" in b.get("text", "") for b in again["body"])
            with h.core.sessions() as session:
                assert session.scalars(select(Concern)).first() is None

            # A card drawn from an older version of the form: answered with the current card,
            # the answers kept, and nothing saved.
            amir = next(v for v, label in offered if label.startswith("Amir"))
            answers["f:pupil"] = amir
            old = {**again["actions"][0]["data"], "sendbot_version": "000000000000"}
            assert await h.post(submit(fake, TEACHER, again, answers, data=old)) == 200
            renewed = fake.posts(chat)[-1].card
            assert renewed is not None
            assert "form has changed" in renewed["body"][1]["text"]
            assert value_of(renewed, "f:narrative") == "Amir was upset after lunch."
            with h.core.sessions() as session:
                assert session.scalars(select(Concern)).first() is None
            # The current card saves.
            assert await h.post(submit(fake, TEACHER, renewed, answers)) == 200
            assert fake.texts(chat)[-1].startswith("Saved as concern #1.")
            with h.core.sessions() as session:
                assert session.scalars(select(Concern)).one().pupil_id == school.pupils["amir"]

    asyncio.run(scenario())


def test_step_by_step_instead_and_a_read_only_card(db_url, sessions, fake: FakeMicrosoft) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            _link(h, school.staff["teacher"])
            chat = conversation_of(TEACHER[0])
            assert await h.post(activity(fake, *TEACHER, "concern")) == 200
            card = fake.posts(chat)[-1].card
            assert card is not None
            steps = card["actions"][1]
            assert steps["title"] == "Step by step instead"
            assert await h.post(activity(fake, *TEACHER, value=steps["data"])) == 200
            assert "Which pupil is this about?" in fake.texts(chat)[-1]
            # Mid-flow, a typed word is an answer, not a new card.
            assert await h.post(activity(fake, *TEACHER, "cancel")) == 200

            # Targets is read-only: the card answers on submit, with what the flow says.
            assert await h.post(activity(fake, *TEACHER, "targets")) == 200
            targets = fake.posts(chat)[-1].card
            assert targets is not None and inputs(targets) == ["f:pupil"]
            assert await h.post(submit(fake, TEACHER, targets, {"f:pupil": "zoe"})) == 200
            assert "Zoë Nowak" in fake.texts(chat)[-1]

            # A pupil of another school typed by id on a card: refused as not visible.
            concern = fake.posts(chat)
            assert await h.post(activity(fake, *TEACHER, "concern")) == 200
            card = fake.posts(chat)[-1].card
            assert card is not None and len(fake.posts(chat)) == len(concern) + 1
            hidden = {
                "f:pupil": str(school.pupils["stone"]),  # Elm Grove's pupil, not ours
                "f:narrative": "Something.",
                "f:source": "staff",
                "f:area": "semh",
                "f:safeguarding": "no",
            }
            assert await h.post(submit(fake, TEACHER, card, hidden)) == 200
            back = fake.posts(chat)[-1].card
            assert back is not None
            assert any("choose a pupil from the list" in b.get("text", "") for b in back["body"])
            with h.core.sessions() as session:
                assert session.scalars(select(Concern)).first() is None

    asyncio.run(scenario())


def test_every_flow_that_asks_something_opens_as_a_card_for_whoever_may_start_it(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    """The SENCO's and the DSL's flows too, as `/send <word>` opens any flow's modal in
    Slack: a card per form, built from the flow's own declaration, with its first
    questions; a flow that only answers (what's due) answers in the chat."""
    from sendbot.conversations.registry import REGISTRY
    from sendbot.services.actors import staff_actor_by_id

    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            for who in ("senco", "dsl"):
                aad = f"aad-{who}"
                with h.core.sessions() as session, session.begin():
                    session.add(
                        Identity(
                            platform="teams",
                            team_id=TENANT,
                            external_id=aad,
                            staff_id=school.staff[who],
                            created_at=NOW,
                        )
                    )
                    actor = staff_actor_by_id(session, school.staff[who])
                assert actor is not None
                chat = conversation_of(f"29:{who}")
                opened: list[str] = []
                for flow in REGISTRY.for_actor(actor):
                    word = flow.triggers[0] if flow.triggers else flow.name
                    assert await h.post(activity(fake, f"29:{who}", aad, word)) == 200
                    card = fake.posts(chat)[-1].card
                    if card is None:  # nothing to ask: answered in the chat
                        assert fake.texts(chat)[-1], flow.name
                        continue
                    assert card["body"][0]["text"] == flow.title
                    assert inputs(card), f"{flow.name}: a card with nothing to answer"
                    opened.append(flow.name)
                assert {"log_concern", "adult_concern"} <= set(opened), who
                if who == "dsl":
                    assert {"record_decision", "unfinished_reports"} & set(opened)
                else:
                    assert {"support_plan", "add_target", "close_target"} <= set(opened)

    asyncio.run(scenario())
