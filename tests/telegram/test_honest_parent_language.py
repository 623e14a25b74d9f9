"""Honest language, through the real Application: a Polish and an Urdu parent get the
invitation with what staff typed spelt out and marked (or translated, the English beside it),
a staff reply through the school's translator with the original, and the machine-translation
notice in their own language."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.translate import Translation
from sendbot.i18n.writer import Writer, raw
from sendbot.messages.parents import notices as parent_notices
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.services import invites, meetings, parents
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import ParentMessage
from tests.factories import NOW, SmallSchool, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian

ANNA = person(7301, "Anna", language_code="pl")
AYESHA = person(7302, "Ayesha", language_code="ur")
LRI, PDI = "\u2066", "\u2069"
PLACE = "Special educational needs co-ordinator (SENCO) office"
PEOPLE = (
    "Special educational needs co-ordinator (SENCO), class teacher, "
    "speech and language therapist (SALT)"
)
IN_ENGLISH = (
    "Some parts of this message are in English, because school staff wrote them. "
    "We could not translate them. We can give you an interpreter for free. Just ask us."
)
TRANSLATED = (
    "Some parts of this message were written in English by school staff. "
    "A computer translated them automatically, so they may have mistakes."
)
ORIGINALS = "The English that school staff wrote:"


class TaggingTranslator:
    """The school's translator, faked: it tags each text with the language it was asked for."""

    name = "test"

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        return Translation(f"<{target}> {text}", source, target, self.name)

    def detect(self, text: str) -> None:
        return None


async def linked_in(h: Harness, school: SmallSchool, who: dict, key: str, label: str) -> int:
    """A parent of Kacper links their chat and taps their language; returns the guardian id."""
    family = add_guardian(h.core.sessions, school, key, who["first_name"], "Wiśniewska", ["kacper"])
    with h.core.sessions() as session, session.begin():
        invite = invites.create_guardian_invite(
            session, family.guardian_id, h.clock.now(), BOT_USERNAME
        )
    await h.send(text_update(who, f"/start {invite.code}"))
    greeting = h.fake.of("sendMessage", who["id"])[-1]
    choice = next(data for text, data in greeting.buttons if text == label)
    await h.send(tap_update(who, choice))
    return family.guardian_id


async def booked_and_delivered(h: Harness, school: SmallSchool) -> None:
    starts = NOW + timedelta(days=21)
    with h.core.sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="sen_support_review",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            place="SENCO office",
            attendees=["SENCO", "class teacher", "SALT"],
            now=h.clock.now(),
        )
    h.clock.advance(timedelta(seconds=5))
    await h.deliver()


def invitation_to(fake: FakeBotApi, who: dict) -> str:
    return next(c for c in fake.of("sendMessage", who["id"]) if len(c.buttons) == 4).params["text"]


def english_inside(code: str, text: str) -> str:
    """Staff's English as it sits in a message: isolated left to right in Urdu and Arabic."""
    return raw(f"{LRI}{text}{PDI}" if BY_CODE[code].rtl else text)


def test_polish_and_urdu_parents_are_told_what_is_in_english_and_what_a_computer_wrote(
    db_url: str, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            for who, key, label, code in (
                (ANNA, "anna", "polski", "pl"),
                (AYESHA, "ayesha", "اردو", "ur"),
            ):
                await linked_in(h, school, who, key, label)
                w = Writer(BY_CODE[code])
                # Told as soon as they choose: a computer translated what they will read.
                assert w._(MACHINE_NOTICE) in fake_api.texts(who["id"])[-2]
            fake_api.clear()
            await booked_and_delivered(h, school)
            for who, code in ((ANNA, "pl"), (AYESHA, "ur")):
                w = Writer(BY_CODE[code])
                text = invitation_to(fake_api, who)
                assert w._("Place: {place}", place=english_inside(code, PLACE)) in text
                people = english_inside(code, PEOPLE)
                assert w._("Who will be there: {people}", people=people) in text
                assert w._(IN_ENGLISH) in text  # no translator: said in their language
                assert w._(TRANSLATED) not in text
                assert text.endswith("\n\n" + w._(MACHINE_NOTICE))

    asyncio.run(scenario())


def test_with_a_translator_staff_words_and_a_reply_come_translated_with_the_english(
    db_url: str, sessions, fake_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parent_notices, "translator_from_settings", TaggingTranslator)
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await linked_in(h, school, ANNA, "anna", "polski")
            await linked_in(h, school, AYESHA, "ayesha", "اردو")
            fake_api.clear()
            await booked_and_delivered(h, school)
            for who, code in ((ANNA, "pl"), (AYESHA, "ur")):
                w = Writer(BY_CODE[code])
                text = invitation_to(fake_api, who)
                assert f"<{code}> {PLACE}" in text and f"<{code}> {PEOPLE}" in text
                assert w._(TRANSLATED) in text and w._(IN_ENGLISH) not in text
                english = text.split(w._(ORIGINALS))[1]
                assert PLACE in english and PEOPLE in english
                assert text.endswith(w._(MACHINE_NOTICE))

            # Ayesha writes to the school; Kacper's teacher answers in English.
            await h.send(text_update(AYESHA, "کیا میں پیر کو آ سکتی ہوں؟"))
            with h.core.sessions() as session, session.begin():
                message = session.query(ParentMessage).one()
                teacher = staff_actor_by_id(session, school.staff["teacher4"])
                assert teacher is not None
                parents.staff_reply(
                    session, teacher, message.id, "Yes. The SALT will see you at 9am.", NOW
                )
            h.clock.advance(timedelta(minutes=1))
            await h.deliver()
            reply = fake_api.texts(AYESHA["id"])[-1]
            w = Writer(BY_CODE["ur"])
            english = "Yes. The speech and language therapist (SALT) will see you at 9am."
            assert f"<ur> {english}" in reply
            assert w._(TRANSLATED) in reply
            # The original is right there, on every channel, for a reader who wants to check.
            assert english in reply.split(w._(ORIGINALS))[1]
            assert reply.endswith(w._(MACHINE_NOTICE))

    asyncio.run(scenario())
