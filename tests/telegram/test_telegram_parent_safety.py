"""A parent can never see or act on another family's child, and guessing codes is slowed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import Writer
from sendbot.services import action_ids, invites, meetings
from sendbot.services.action_ids import Action
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity, Invitation
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import (
    BOT_USERNAME,
    FakeBotApi,
    edited_update,
    person,
    tap_update,
    text_update,
)
from tests.telegram.harness import Harness, add_guardian

ANNA = person(7101, "Anna", language_code="pl")
SARA = person(7102, "Sara", language_code="en")


async def link(h: Harness, guardian_id: int, who: dict) -> None:
    with h.core.sessions() as session, session.begin():
        invite = invites.create_guardian_invite(session, guardian_id, h.clock.now(), BOT_USERNAME)
    await h.send(text_update(who, f"/start {invite.code}"))


def schedule(h: Harness, school, pupil: str) -> meetings.Scheduled:  # type: ignore[no-untyped-def]
    with h.core.sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        return meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils[pupil],
            kind="parent_meeting",
            starts_at=h.clock.now() + timedelta(days=10),
            place="School office",
            now=h.clock.now(),
        )


def test_forged_and_borrowed_buttons_are_refused(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            sara = add_guardian(h.core.sessions, school, "sara", "Sara", "Khan", ["amelia"])
            await link(h, anna.guardian_id, ANNA)
            await link(h, sara.guardian_id, SARA)
            sara_meeting = schedule(h, school, "amelia")
            with h.core.sessions() as session:
                saras_yes = action_ids.encode(
                    session,
                    Action(
                        "rsvp",
                        sara_meeting.invitation_ids[0],
                        "yes",
                        action_ids.minutes(h.clock.now() + timedelta(days=10)),
                    ),
                )
                amelias_page = action_ids.encode(
                    session, Action("child", school.pupils["amelia"], "mychild")
                )
            tampered = saras_yes[:-2] + ("A" if saras_yes[-2] != "A" else "B") + saras_yes[-1]
            for data in (saras_yes, amelias_page, tampered, "x" + "A" * 22, "rsvp:1:yes"):
                fake_api.clear()
                await h.send(tap_update(ANNA, data))
                said = fake_api.texts(ANNA["id"])[-1]
                assert "not for you" in said and "Amelia" not in said
            with h.core.sessions() as session:
                row = session.get(Invitation, sara_meeting.invitation_ids[0])
                assert row is not None and row.rsvp is None
            assert h.outbox(meetings.STAFF_RSVP) == []
            # Sara's own tap works.
            await h.send(tap_update(SARA, saras_yes))
            assert "will come" in fake_api.texts(SARA["id"])[-1]

    asyncio.run(scenario())


def test_wrong_codes_are_slowed_and_old_codes_explained(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    guesser = person(7103, "Guess", language_code=None)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            with h.core.sessions() as session, session.begin():
                old = invites.create_guardian_invite(session, anna.guardian_id, NOW, BOT_USERNAME)
            h.clock.advance(timedelta(days=15))
            await h.send(text_update(ANNA, f"/start {old.code}"))
            too_old = Writer(resolve("pl"))._("That link is too old. Links work for 14 days.")
            assert fake_api.texts(ANNA["id"])[-1].startswith(too_old)
            with h.core.sessions() as session, session.begin():
                good = invites.create_guardian_invite(
                    session, anna.guardian_id, h.clock.now(), BOT_USERNAME
                )
            for attempt in range(invites.MAX_WRONG):
                await h.send(text_update(guesser, f"/start {'Z' * 31}{attempt}"))
                assert "do not recognise" in fake_api.texts(guesser["id"])[-1]
            # Even the right code waits now, so guessing cannot be sped up.
            await h.send(text_update(guesser, f"/start {good.code}"))
            assert "wait 15 minutes" in fake_api.texts(guesser["id"])[-1]
            h.clock.advance(invites.WRONG_WINDOW + timedelta(seconds=1))
            await h.send(text_update(ANNA, f"/start {good.code}"))
            assert "Hello Anna" in fake_api.texts(ANNA["id"])[-1]
            # A newer invite replaces the older one: the older code no longer works.
            with h.core.sessions() as session:
                assert session.query(Identity).count() == 1

    asyncio.run(scenario())


def test_edited_messages_and_strangers_taps_change_nothing(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    stranger = person(7104, "Who", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            await link(h, anna.guardian_id, ANNA)
            fake_api.clear()
            await h.send(edited_update(ANNA, "Kacper is ill today"))
            assert "cannot pass on changes" in fake_api.texts(ANNA["id"])[-1]
            await h.send(tap_update(stranger, "lang:pl"))
            toast = fake_api.of("answerCallbackQuery")[-1]
            assert "only talk to parents" in toast.params["text"]
            assert h.outbox() == []

    asyncio.run(scenario())
