"""A parent chooses in Telegram how messages from school reach them: only channels the school
has an address for are offered, each with its address; the choice is kept and audited."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.services import action_ids, guardian_channels
from sendbot.services.action_ids import Action
from sendbot.store.models import AuditEvent, Guardian, Identity
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian
from tests.telegram.test_telegram_parent_features import link

RUTH = person(7301, "Ruth", language_code="en")


def test_a_parent_switches_to_email_and_is_refused_a_channel_without_an_address(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            ruth = add_guardian(h.core.sessions, school, "ruth", "Ruth", "Khan", ["amir"])
            with h.core.sessions() as session, session.begin():
                session.add(
                    Identity(
                        platform="email",
                        team_id=guardian_channels.roster_team(ruth.guardian_id),
                        external_id="ruth.khan@family.example",
                        guardian_id=ruth.guardian_id,
                        created_at=NOW,
                    )
                )
            await link(h, ruth.guardian_id, RUTH)
            await h.send(text_update(RUTH, "/help"))
            assert (
                "/channel - Choose how messages from school reach you"
                in fake_api.texts(RUTH["id"])[-1]
            )

            await h.send(text_update(RUTH, "/channel"))
            ask = fake_api.of("sendMessage", RUTH["id"])[-1]
            assert (
                "How would you like to get messages from school?" in fake_api.texts(RUTH["id"])[-1]
            )
            labels = [label for label, _ in ask.buttons]
            assert labels == ["Telegram (here)", "Email to ruth.khan@family.example"]

            await h.send(tap_update(RUTH, ask.buttons[1][1]))
            done = fake_api.texts(RUTH["id"])
            assert any(
                "Thank you. Messages from school will come to you by email." in t for t in done
            )
            with h.core.sessions() as session:
                guardian = session.get(Guardian, ruth.guardian_id)
                assert guardian is not None and guardian.preferred_channel == "email"
                assert [
                    c.platform for c in guardian_channels.channels_of(session, ruth.guardian_id)
                ] == ["email", "telegram"]
                events = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "guardian.channel")
                ).all()
                assert [e.details for e in events] == [{"from": None, "to": "email"}]

            # A button for text messages (the school has no mobile number): kindly refused.
            with h.core.sessions() as session, session.begin():
                sms = action_ids.encode(
                    session, Action(action_ids.CHANNEL, guardian_channels.ORDER.index("sms"))
                )
            await h.send(tap_update(RUTH, sms))
            assert fake_api.texts(RUTH["id"])[-1] == (
                "The school does not have that address for you. To get messages by email or "
                "text message, please give the school your email address or mobile number."
            )
            with h.core.sessions() as session:
                guardian = session.get(Guardian, ruth.guardian_id)
                assert guardian is not None and guardian.preferred_channel == "email"

    asyncio.run(scenario())
