"""The DSL records a decision on Telegram: a tapped concern and a typed number mean the same
concern, and the list names the pupil but never says what was written."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sendbot.domain.needs import Area
from sendbot.services import concerns
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import ConcernAction
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, link_staff

MARTIN = person(7501, "Martin", language_code="en")
WRITTEN = "Told me about shouting at home."


def test_a_tapped_concern_is_the_one_on_the_button_and_a_typed_number_its_own(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        ids = {
            pupil: concerns.log_concern(
                session,
                teacher,
                concerns.NewConcern(school.pupils[pupil], Area.SEMH, WRITTEN, True),
                NOW + timedelta(minutes=minutes),
            ).concern_id
            for pupil, minutes in (("amir", 20), ("amelia", 30), ("zoe", 10))
        }

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_staff(h, school, MARTIN, "dsl")
            await h.send(text_update(MARTIN, "decision"))
            listed = fake_api.of("sendMessage", MARTIN["id"])[-1]
            labels = [label for label, _data in listed.buttons]
            assert [label.split(":")[0] for label in labels] == [
                f"Concern {ids['zoe']}",
                f"Concern {ids['amir']}",
                f"Concern {ids['amelia']}",
            ]
            assert labels[1].startswith(f"Concern {ids['amir']}: Amir Khan (Year 3)")
            assert all(WRITTEN not in label for label in labels)
            # The second button is Amir's concern, whatever its number.
            await h.send(tap_update(MARTIN, listed.buttons[1][1]))
            assert fake_api.texts(MARTIN["id"])[-1] == "What have you decided?"
            await h.send(text_update(MARTIN, "monitor in school"))
            await h.send(text_update(MARTIN, "Spoke to mum; support in class."))
            await h.send(text_update(MARTIN, "save"))
            assert fake_api.texts(MARTIN["id"])[-1].startswith(
                f"Recorded for Amir Khan (concern {ids['amir']}): monitor in school."
            )
            # Typed, '2' is concern 2 (Amelia's), not the second line of the list.
            await h.send(text_update(MARTIN, "decision"))
            await h.send(text_update(MARTIN, str(ids["amelia"])))
            await h.send(text_update(MARTIN, "early help"))
            await h.send(text_update(MARTIN, "Family agreed to an early help assessment."))
            await h.send(text_update(MARTIN, "save"))
            assert fake_api.texts(MARTIN["id"])[-1].startswith(
                f"Recorded for Amelia Khan (concern {ids['amelia']}): early help."
            )

    asyncio.run(scenario())
    with sessions() as session:
        decided = session.execute(
            select(ConcernAction.concern_id, ConcernAction.details).where(
                ConcernAction.kind == "decision"
            )
        ).all()
        assert sorted(decided) == sorted(
            [(ids["amir"], {"decision": "monitor"}), (ids["amelia"], {"decision": "early_help"})]
        )
