"""A member of staff's photo of a written note or a body map, sent in Telegram while logging a
concern or just after: fetched from the Bot API (getFile, then the file), kept encrypted
with the concern. Too big or not an image: a kind answer, and the report goes on."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.services import invites
from sendbot.store.models import Concern, ConcernAttachment, ConversationState
from tests.factories import build_small_school
from tests.privacy_records import photo_bytes
from tests.telegram.fake_bot_api import (
    BOT_USERNAME,
    FakeBotApi,
    document_update,
    person,
    photo_update,
    text_update,
)
from tests.telegram.harness import Harness, link_parent

NOTE = photo_bytes("Mornington-note: a note Kacper wrote in class")
WORDS_Q = "Did the child say anything? Write their exact words, as they said them, or type 'skip'."


async def _teacher_in_a_report(h: Harness, school, who) -> None:  # type: ignore[no-untyped-def]
    with h.core.sessions() as session, session.begin():
        invite = invites.create_staff_invite(
            session, school.staff["teacher4"], h.clock.now(), BOT_USERNAME
        )
    await h.send(text_update(who, f"/start {invite.code}"))
    for said in ("concern", "kacper", "Kacper passed me a note saying he is scared to go home."):
        await h.send(text_update(who, said))


def _attachments(h: Harness) -> list[ConcernAttachment]:
    with h.core.sessions() as session:
        return list(session.scalars(select(ConcernAttachment)))


def test_a_photo_sent_mid_report_is_fetched_held_and_kept_with_the_saved_concern(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7702, "Owen", "en")
    fake_api.files["note-photo"] = NOTE

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _teacher_in_a_report(h, school, teacher)
            await h.send(photo_update(teacher, "note-photo", len(NOTE)))
            assert fake_api.texts(teacher["id"])[-1] == (
                f"Thank you: the photo will be kept with this concern when you save it.\n\n{WORDS_Q}"
            )
            assert [c.params["file_id"] for c in fake_api.of("getFile")] == ["note-photo"]
            assert [c.params["path"] for c in fake_api.of("file")] == ["photos/note-photo.jpg"]
            for said in ("skip", "now", "skip", "1", "3", "yes", "no", "skip", "skip", "skip"):
                await h.send(text_update(teacher, said))
            assert "- Photos: 1 to keep with it" in fake_api.texts(teacher["id"])[-1]
            await h.send(text_update(teacher, "save"))
            assert fake_api.texts(teacher["id"])[-1].endswith("1 photo kept with it, encrypted.")
            with h.core.sessions() as session:
                concern = session.scalars(select(Concern)).one()
            [kept] = _attachments(h)
            assert (kept.concern_id, kept.source, kept.data) == (concern.id, "telegram", NOTE)

            # Just after: a second photo goes with the same concern.
            fake_api.files["body-map"] = photo_bytes("body map")
            await h.send(photo_update(teacher, "body-map", 900))
            assert fake_api.texts(teacher["id"])[-1].startswith(
                f"The photo is kept with concern #{concern.id}, encrypted."
            )
            assert {a.concern_id for a in _attachments(h)} == {concern.id}

    asyncio.run(scenario())


def test_too_big_or_not_an_image_is_answered_kindly_and_the_report_is_kept(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    teacher = person(7703, "Owen", "en")
    fake_api.files["scan"] = b"%PDF-1.7 a scanned letter"

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _teacher_in_a_report(h, school, teacher)
            await h.send(photo_update(teacher, "huge", 14 * 1024 * 1024))
            assert fake_api.texts(teacher["id"])[-1] == (
                "That file is 14.0 MB; the limit is 10.0 MB. Please send a smaller photo (most "
                "phones can share a smaller size). Nothing else has changed.\n\n" + WORDS_Q
            )
            assert fake_api.of("getFile") == []  # never fetched
            await h.send(document_update(teacher, "scan", 25, "note.jpg", "image/jpeg"))
            said = fake_api.texts(teacher["id"])[-1]
            assert said.startswith("That file is not a photo I can keep.")
            assert said.endswith("Your report so far is kept.\n\n" + WORDS_Q)
            assert _attachments(h) == []
            with h.core.sessions() as session:
                state = session.scalars(select(ConversationState)).one()
                assert state.step == "child_words" and "narrative" in state.answers

    asyncio.run(scenario())


def test_a_parents_photo_is_never_fetched(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)
    mum = person(7704, "Nadia", "en")
    fake_api.files["family"] = NOTE

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await link_parent(h, school, mum, ["zoe"])
            await h.send(photo_update(mum, "family", len(NOTE)))
            assert fake_api.of("getFile") == [] and fake_api.of("file") == []
            assert _attachments(h) == []

    asyncio.run(scenario())
