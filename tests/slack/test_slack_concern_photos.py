"""A photo of a note or a body map shared in sendbot's direct message on Slack: files.info,
then the private download with the bot's token, then kept with the concern just logged."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sendbot.store.models import Concern, ConcernAttachment
from tests.privacy_records import photo_bytes
from tests.slack import payloads
from tests.slack.harness import USERS, open_modal, running, submit

NOTE = photo_bytes("Northwold-note: written by the child at break")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _logged(h) -> int:  # type: ignore[no-untyped-def]
    view = await open_modal(h, "teacher")
    answers = {
        "pupil": h.school.pupils["amelia"],
        "narrative": "Amelia showed me a note she wrote at break.",
        "source": "pupil",
        "area": "semh",
        "safeguarding": "yes",
        "immediate_danger": "no",
    }
    reply = await submit(h, "teacher", view, answers)
    # The safeguarding answer brings in its follow-ups (the category, left as 'not sure').
    assert reply["view"]["callback_id"] == "flow:log_concern"
    reply = await submit(h, "teacher", payloads.opened_view(reply["view"], {}), answers)
    assert reply["view"]["callback_id"] == "sendbot.done", reply
    with h.core.sessions() as session:
        return session.scalars(select(Concern.id)).one()


def _kept(h) -> list[ConcernAttachment]:  # type: ignore[no-untyped-def]
    with h.core.sessions() as session:
        return list(session.scalars(select(ConcernAttachment)))


def test_a_photo_shared_in_the_dm_after_logging_is_fetched_and_kept_with_the_concern(
    db_url, sessions
):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            concern_id = await _logged(h)
            h.fake.files["F0NOTE"] = ("note.png", "image/png", NOTE)
            event = payloads.file_shared_in_dm(
                USERS["teacher"], [("F0NOTE", "note.png", "image/png", len(NOTE))],
                event_id="Ev0PHOTO1",
            )  # fmt: skip
            before = len(h.fake.called("chat.postMessage"))
            assert (await h.event(event)).status == 200
            posted = await h.fake.wait_for("chat.postMessage", before + 1)
            assert posted[-1].params["channel"] == "D" + USERS["teacher"][1:]
            assert (
                posted[-1]
                .params["text"]
                .startswith(f"The photo is kept with concern #{concern_id}, encrypted.")
            )
            assert h.fake.called("files.info")[-1].params["file"] == "F0NOTE"
            assert h.fake.downloads == [("F0NOTE", "xoxb-test-token")]
            [kept] = _kept(h)
            assert (kept.concern_id, kept.source, kept.content_type) == (
                concern_id,
                "slack",
                "image/png",
            )
            assert kept.data == NOTE

    run(scenario())


def test_too_big_or_not_an_image_is_answered_kindly_and_nothing_is_kept(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await _logged(h)
            h.fake.files["F0BIG"] = ("scan.jpg", "image/jpeg", b"\xff\xd8\xff" + b"0" * 11_000_000)
            h.fake.files["F0PDF"] = ("letter.jpg", "image/jpeg", b"%PDF-1.7 a letter")
            event = payloads.file_shared_in_dm(
                USERS["teacher"],
                [("F0BIG", "scan.jpg", "image/jpeg", 11_000_003),
                 ("F0PDF", "letter.jpg", "image/jpeg", 17)],
                event_id="Ev0PHOTO2",
            )  # fmt: skip
            before = len(h.fake.called("chat.postMessage"))
            await h.event(event)
            posted = await h.fake.wait_for("chat.postMessage", before + 2)
            texts = [c.params["text"] for c in posted[before:]]
            assert texts[0].startswith("That file is 10.5 MB; the limit is 10.0 MB.")
            assert texts[1].startswith("That file is not a photo I can keep.")
            assert [d[0] for d in h.fake.downloads] == ["F0PDF"]  # the big one never fetched
            assert _kept(h) == []

    run(scenario())


def test_a_photo_with_no_concern_just_logged_says_how_and_keeps_nothing(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            h.fake.files["F0LONE"] = ("note.png", "image/png", NOTE)
            event = payloads.file_shared_in_dm(
                USERS["ta"], [("F0LONE", "note.png", "image/png", len(NOTE))], event_id="Ev0P3"
            )
            await h.event(event)
            posted = await h.fake.wait_for("chat.postMessage")
            assert (
                posted[-1]
                .params["text"]
                .startswith("I can keep a photo of a written note or a body map with a concern.")
            )
            assert _kept(h) == []

    run(scenario())
