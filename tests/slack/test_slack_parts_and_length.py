"""Slack delivery in parts, and text longer than Slack shows in one place.

A digest whose chart upload fails is posted once; the chart alone is retried until Slack
takes it. Text past a section's 3,000 characters, counted after escaping (one "&" is five
characters in mrkdwn), goes on in the next section: nothing is cut silently.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from html import unescape

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.delivery import keys
from sendbot.delivery.contract import Button, OutgoingMessage, Recipient
from sendbot.domain.needs import Area
from sendbot.handlers.slack.blocks import message_modal
from sendbot.handlers.slack.record_blocks import details_modal
from sendbot.handlers.slack.sender import SlackSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services import concerns, outbox
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.safeguarding import ConcernDetails
from sendbot.store.models import Identity, Outbox
from tests.factories import NOW, build_small_school
from tests.slack.fake_slack import TEAM_ID, UPLOAD, FakeSlack
from tests.slack.harness import USERS

SERVER_ERROR = {"ok": False, "error": "internal_error"}
SECTION_LIMIT = 3000  # characters of a section's text, as Slack receives it (escaped)


def _senco_digest_due(sessions) -> int:  # type: ignore[no-untyped-def]
    """The SENCO on Slack, a concern logged today, and today's SENCO digest (with its chart)."""
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="slack",
                external_id=USERS["senco"],
                team_id=TEAM_ID,
                staff_id=school.staff["senco"],
                created_at=NOW,
            )
        )
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        new = concerns.NewConcern(
            school.pupils["amir"], Area.COGNITION, "Finds reading hard.", safeguarding=False
        )
        concerns.log_concern(session, teacher, new, NOW - timedelta(days=1))
        row = outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_staff_id=school.staff["senco"],
            template=keys.DIGEST_SENCO,
            params={"school_id": school.school_id, "role": "senco", "date": NOW.date().isoformat()},
            dedupe_key="test:senco-digest",
            now=NOW,
        )
        assert row is not None
        session.flush()
        return row.id


# Slack's file upload is three steps: ask for an address, send the file there, complete it.
UPLOAD_STEPS = ("files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal")


@pytest.mark.parametrize(
    "failing",
    # The file sent to its address answering 500 is what made a digest go out 12 times.
    [UPLOAD_STEPS, (UPLOAD,)],
    ids=["each step once, three attempts in a row", "the file itself"],
)
def test_a_chart_upload_failing_posts_the_digest_once_and_retries_the_chart_alone(
    sessions, failing: tuple[str, ...]
) -> None:
    digest_id = _senco_digest_due(sessions)

    async def go() -> str:
        fake = FakeSlack()
        await fake.start()
        try:
            for step in failing:
                fake.fail_next(step, 500, {} if step == UPLOAD else SERVER_ERROR)
            sender = SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.base_url))
            clock = FrozenClock(NOW)
            worker = OutboxWorker(
                sessions,
                clock,
                {"slack": sender},
                worker_id="digest-worker",
                config=WorkerConfig(limits={"slack": PlatformLimit(None, 0.0)}),
            )
            for _ in range(6):  # past each retry's back-off
                await worker.drain(max_seconds=10)
                clock.advance(timedelta(minutes=5))
            posts = [
                c
                for c in fake.called("chat.postMessage")
                if c.params["text"].startswith("SENCO digest")
            ]
            assert len(posts) == 1, "the digest was posted more than once"
            # One chart reached the SENCO (a file uploaded but never completed is not shown).
            (shared,) = fake.shared_files
            assert fake.uploads and all(u.startswith(b"\x89PNG") for u in fake.uploads)
            assert shared["channel_id"] == "D0SENCO"
            # The chart went into the thread of the one digest that was posted.
            (completed,) = [
                c
                for c in fake.called("files.completeUploadExternal")
                if c.params["files"][0]["id"] == shared["id"]
            ]
            return str(completed.params["thread_ts"])
        finally:
            await fake.stop()

    thread_ts = asyncio.run(go())
    with sessions() as session:
        row = session.scalars(select(Outbox).where(Outbox.id == digest_id)).one()
        assert (row.status, row.attempts) == ("sent", 1 + len(failing))
        assert row.platform_message_id == f"D0SENCO:{thread_ts}"
        assert row.delivered_parts is not None
        assert set(row.delivered_parts["parts"]) == {"text"}  # the chart went on the last try


TO = Recipient("slack", USERS["senco"], TEAM_ID)


def _posted_sections(message: OutgoingMessage) -> list[dict]:  # type: ignore[type-arg]
    async def go() -> list[dict]:  # type: ignore[type-arg]
        fake = FakeSlack()
        await fake.start()
        try:
            sender = SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.base_url))
            outcome = await sender.send(TO, message)
            assert outcome.status == "sent"
            (post,) = fake.called("chat.postMessage")
            return list(post.params["blocks"])
        finally:
            await fake.stop()

    return asyncio.run(go())


def test_an_ampersand_heavy_message_is_split_after_escaping_and_nothing_is_lost() -> None:
    narrative = "A & B " * 333  # 1,998 characters; 3,330 once each & is escaped
    message = OutgoingMessage(f"A parent wrote\n{narrative.strip()}", buttons=(Button("ok", "OK"),))
    blocks = _posted_sections(message)
    body = [b for b in blocks if b["type"] == "section"]
    assert len(body) == 2
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in body)
    shown = " ".join(unescape(b["text"]["text"]) for b in body)
    assert shown == narrative.strip()
    assert blocks[-1]["type"] == "actions"


def test_text_with_no_spaces_is_never_cut_inside_an_escaped_character() -> None:
    symbols = "&<>" * 1500  # 4,500 characters; 19,500 once escaped, with nowhere to break
    blocks = _posted_sections(OutgoingMessage(f"Symbols\n{symbols}"))
    body = [b for b in blocks if b["type"] == "section"]
    assert len(body) == 7
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in body)
    assert all(unescape(b["text"]["text"]).strip("&<>") == "" for b in body)
    assert "".join(unescape(b["text"]["text"]) for b in body) == symbols


def test_a_long_parent_message_keeps_its_end() -> None:
    paragraphs = [
        f"Paragraph {n}: he had a hard week <and> needs a quiet start." for n in range(160)
    ]
    text = "\n".join(paragraphs)  # about 10,000 characters
    blocks = _posted_sections(OutgoingMessage(f"Message from a parent\n{text}"))
    body = [b for b in blocks if b["type"] == "section"]
    assert len(body) > 3
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in body)
    shown = "\n".join(unescape(b["text"]["text"]) for b in body).replace("*", "")
    assert shown == text
    assert len({b["block_id"] for b in body}) == len(body)


def test_a_long_narrative_reads_in_full_in_the_details_modal() -> None:
    narrative = ("A & B " * 333).strip()  # 1,997 characters; 3,327 once escaped
    details = ConcernDetails(
        concern_id=7,
        pupil_name="Amir Khan",
        year_group=3,
        raised_by="Hannah Price",
        raised_at=NOW,
        area="cognition_learning",
        source="staff",
        status="open",
        narrative=narrative,
        safeguarding=False,
        immediate_danger=False,
        acknowledged_at=None,
        acknowledged_by=None,
    )
    view = details_modal(details, "Europe/London")
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "text" in b]
    assert all(len(t) <= SECTION_LIMIT for t in texts)
    shown = " ".join(unescape(t) for t in texts).removeprefix("*What happened*\n")
    assert shown == narrative


def test_a_modal_message_too_long_for_slack_says_where_it_was_cut() -> None:
    view = message_modal("Saved", "& " * 60000)  # 360,000 characters once escaped
    assert len(view["blocks"]) <= 100
    last = view["blocks"][-1]["text"]["text"]
    assert last.endswith("_(cut here: the rest is too long to show in Slack)_")


def test_a_first_line_too_long_for_a_header_is_shown_whole_in_the_body() -> None:
    first = "Mrs Nowak asked about " + "the trip, " * 20  # past a header's 150 characters
    blocks = _posted_sections(OutgoingMessage(f"{first.strip()}\nThank you."))
    assert all(b["type"] != "header" for b in blocks)
    assert unescape(blocks[0]["text"]["text"]) == f"{first.strip()}\nThank you."


def test_the_details_show_the_whole_account_addenda_and_photos_within_slacks_limits() -> None:
    from sendbot.services.concern_record import Addendum, AttachmentInfo

    words = "& < > " * 166  # 996 characters; about 4,300 once escaped
    details = ConcernDetails(
        concern_id=9,
        pupil_name="Amir Khan",
        year_group=3,
        raised_by="Hannah Price",
        raised_at=NOW,
        area="semh",
        source="pupil",
        status="open",
        narrative=("A & B " * 333).strip(),
        safeguarding=True,
        immediate_danger=True,
        acknowledged_at=None,
        acknowledged_by=None,
        occurred_at=NOW,
        occurred_time_known=False,
        location=words[:200],
        child_words=words,
        action_taken=words,
        told=words,
        category="physical_abuse",
        addenda=tuple(Addendum("Dana Shah", NOW, "& " * 1000) for _ in range(7)),
        attachments=(AttachmentInfo(1, "image/png", 120_000, "ab" * 32, "Hannah Price", NOW),),
    )
    view = details_modal(details, "Europe/London")
    assert len(view["blocks"]) <= 100
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "text" in b]
    assert all(len(t) <= SECTION_LIMIT for t in texts)
    page = unescape(" ".join(texts))
    assert (
        "*The child's words*" in page
        and "*When it happened*\nTue 24 Nov 2026 (time not known)" in page
    )
    assert page.count("*Addendum by Dana Shah") == 5
    fields = " ".join(f["text"] for f in view["blocks"][0]["fields"])
    assert "*Category*\nPhysical abuse" in fields
    notes = " ".join(
        e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]
    )
    assert "Photos kept with this concern: Photo (PNG, 117 KB)" in notes
    assert "2 more addenda are in the chronology." in notes
