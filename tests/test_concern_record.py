"""A record a court would accept: the whole account kept, added to by addenda with author and
time, never edited; photos of a note or a body map kept encrypted, only images, only for
those who may read the concern."""

from __future__ import annotations

import ast
import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from sendbot.handlers.console.chat import attach, run
from sendbot.services import concern_record, safeguarding
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import (
    AuditEvent,
    Concern,
    ConcernAction,
    ConcernAttachment,
    RecordWrittenOnce,
)
from tests.staff_dialogs import count, dialog_for, say_all

QUICK = ("skip", "now", "skip")
NARRATIVE = "Zoë said her step-dad pushed her into the door."


def png(size: int = 0) -> bytes:
    """A real 1x1 PNG, padded with a text chunk to about `size` bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pad = chunk(b"tEXt", b"c\x00" + b"x" * max(0, size - 70)) if size else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + pad
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def log_one(d, *, safeguarding: str = "no") -> None:
    say_all(d, ["concern", "zoe", NARRATIVE, *QUICK, "1", "3", safeguarding])
    if safeguarding == "yes":
        say_all(d, ["no", "skip"])
    say_all(d, ["skip", "skip"])
    assert d.says("save").text.startswith("Saved as")


def the_concern(sessions) -> Concern:
    with sessions() as session:
        return session.scalars(select(Concern)).one()


# --- the questions --------------------------------------------------------------------------


def test_a_time_in_the_future_or_not_a_time_is_refused_kindly_and_asked_again(
    sessions, clock, school
):
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe", NARRATIVE, "skip"])
    future = d.says("tomorrow 9am")
    assert future.text.startswith("That is in the future. Please say when it happened")
    assert future.text.endswith(
        "When did it happen? Type 'now', or a day and time like 'today 12:30' or 'yesterday'."
    )
    later_today = d.says("today 23:30")  # NOW is 10:15 in London
    assert later_today.text.startswith("That is in the future.")
    nonsense = d.says("after lunch-ish")
    assert nonsense.text.startswith("I didn't understand 'after lunch-ish' as a day and time.")
    assert d.says("today 9am").text.startswith("Where did it happen?")


def test_the_category_is_asked_only_of_a_safeguarding_concern(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe", NARRATIVE, *QUICK, "1", "3"])
    assert d.says("no").text.startswith("What have you done about it so far")
    d.says("back")
    d.says("yes")
    assert d.says("no").text == "Which kind of concern is it closest to?"
    assert d.says("13").text.startswith("What have you done")  # Not sure: the DSL decides


def test_every_optional_question_skipped_still_saves_the_account(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    log_one(d, safeguarding="yes")
    concern = the_concern(sessions)
    assert concern.category is None
    assert concern.child_words_text is None and concern.told_text is None
    assert concern.occurred_at == clock.now().replace(second=0, microsecond=0)
    assert concern.occurred_time_known is True


# --- addenda, never edits --------------------------------------------------------------------


def test_the_reporter_adds_an_addendum_and_the_concern_stays_as_written(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    log_one(d)
    concern = the_concern(sessions)
    clock.advance(timedelta(hours=2))
    reply = d.says("addendum")
    assert reply.text.endswith("Which concern? Choose one, or type its number (for example #12).")
    assert [o.label for o in reply.options] == [
        f"#{concern.id} Zoë Nowak, concern logged Tue 24 Nov 10:15"
    ]
    d.says(f"#{concern.id}")
    summary = d.says("She told me later it was her brother, not her step-dad.").text
    assert "- Addendum: She told me later it was her brother" in summary
    done = d.says("add").text
    assert done.startswith(f"Added to #{concern.id} Zoë Nowak")
    with sessions() as session:
        kept = session.get(Concern, concern.id)
        assert kept.narrative_text == NARRATIVE
        action = session.scalars(select(ConcernAction)).one()
        assert (action.kind, action.actor_id) == ("addendum", school.staff["teacher"])
        assert action.at == clock.now()
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "concern.addendum")
        ).all() == ["concern.addendum"]


def test_the_dsl_adds_an_addendum_and_reads_it_in_the_details(sessions, clock, school):
    log_one(dialog_for(sessions, clock, school, "teacher"), safeguarding="yes")
    concern = the_concern(sessions)
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        concern_record.add_addendum(session, dsl, concern.id, "Spoke to mum at 15:30.", clock.now())
    with sessions() as session, session.begin():
        details = safeguarding.view_details(session, dsl, concern.id, clock.now()).details
    assert details is not None and details.narrative == NARRATIVE
    assert [(a.author, a.note) for a in details.addenda] == [(dsl.name, "Spoke to mum at 15:30.")]


@pytest.mark.parametrize("who", ["ta", "senco", "head"])
def test_anyone_else_is_refused_an_addendum_and_the_attempt_is_audited(
    sessions, clock, school, who
):
    log_one(dialog_for(sessions, clock, school, "teacher"), safeguarding="yes")
    concern = the_concern(sessions)
    with sessions() as session, session.begin():
        other = staff_actor_by_id(session, school.staff[who])
        with pytest.raises(concern_record.AdditionRefused, match="Only the person who logged"):
            concern_record.add_addendum(session, other, concern.id, "Changed my mind.", clock.now())
    with sessions() as session:
        assert count(sessions, ConcernAction) == 0
        assert session.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.action == "concern.addendum_refused")
        ).all() == [school.staff[who]]


def test_a_saved_concerns_account_cannot_be_changed_through_the_models(sessions, clock, school):
    log_one(dialog_for(sessions, clock, school, "teacher"))
    concern_id = the_concern(sessions).id
    for name, value in (
        ("narrative_text", "Something else"),
        ("child_words_text", "other words"),
        ("raised_by_id", school.staff["dsl"]),
    ):
        with sessions() as session, session.begin():
            concern = session.get(Concern, concern_id)
            with pytest.raises(RecordWrittenOnce, match="add an addendum instead"):
                setattr(concern, name, value)
    assert the_concern(sessions).narrative_text == NARRATIVE


def test_no_service_writes_a_concerns_account_after_it_is_created() -> None:
    """Reading the code: the only place any service names the account's columns as a target
    is the `Concern(...)` that creates it."""
    services = Path(__file__).resolve().parents[1] / "sendbot" / "services"
    account = {
        "narrative_text", "child_words_text", "location_text", "action_taken_text",
        "told_text", "occurred_at", "raised_by_id", "raised_at",
    }  # fmt: skip
    offenders: list[str] = []
    for path in services.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in account:
                    offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("update",):
                for kw in node.keywords:
                    if kw.arg in account:
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


# --- photos -----------------------------------------------------------------------------------


def test_a_photo_sent_while_writing_the_report_is_kept_with_it_encrypted(
    sessions, clock, school, engine, tmp_path
):
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe", NARRATIVE])
    note = tmp_path / "note.jpg"
    photo = png(5000)
    note.write_bytes(photo)
    reply = attach(d.engine, d.actor, str(note))
    assert reply.text == (
        "Thank you: the photo will be kept with this concern when you save it.\n\n"
        "Did the child say anything? Write their exact words, as they said them, or type 'skip'."
    )
    say_all(d, [*QUICK, "1", "3", "no", "skip"])
    assert "- Photos: 1 to keep with it" in d.says("skip").text
    saved = d.says("save").text
    assert saved.endswith("1 photo kept with it, encrypted.")
    concern = the_concern(sessions)
    with sessions() as session:
        row = session.scalars(select(ConcernAttachment)).one()
        assert (row.concern_id, row.content_type, row.size) == (concern.id, "image/png", len(photo))
        assert row.data == photo and row.held_for is None
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM concern_attachment")).scalar_one()
    assert photo not in stored.encode() and b"IHDR" not in stored.encode()


def test_a_photo_just_after_saving_goes_with_that_concern_and_only_its_readers_see_it(
    sessions, clock, school, tmp_path
):
    d = dialog_for(sessions, clock, school, "teacher")
    log_one(d, safeguarding="yes")
    concern = the_concern(sessions)
    clock.advance(timedelta(minutes=10))
    photo = tmp_path / "bodymap.png"
    photo.write_bytes(png())
    reply = attach(d.engine, d.actor, str(photo))
    assert reply.text.startswith(f"The photo is kept with concern #{concern.id}, encrypted.")
    with sessions() as session, session.begin():
        attachment_id = session.scalars(select(ConcernAttachment.id)).one()
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        opened = concern_record.open_attachment(session, dsl, attachment_id, clock.now())
        assert opened is not None and opened.data == png()
        assert concern_record.open_attachment(session, teacher, attachment_id, clock.now()) is None
        assert concern_record.attachments_of(session, teacher, concern.id) == []
        assert [a.describe for a in concern_record.attachments_of(session, dsl, concern.id)] == [
            "Photo (PNG, 1 KB)"
        ]


def test_a_file_that_is_not_an_image_or_too_big_is_refused_kindly_and_the_report_kept(
    sessions, clock, school, tmp_path
):
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe", NARRATIVE])
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.7 not a photo at all")
    refused = attach(d.engine, d.actor, str(fake))
    assert refused.text.startswith("That file is not a photo I can keep.")
    assert refused.text.endswith("or type 'skip'.")
    big = tmp_path / "big.png"
    big.write_bytes(png(10 * 1024 * 1024 + 10))
    assert attach(d.engine, d.actor, str(big)).text.startswith(
        "That file is 10.0 MB; the limit is 10.0 MB. Please send a smaller photo"
    )
    assert attach(d.engine, d.actor, str(tmp_path / "missing.png")).text.startswith(
        "I couldn't open"
    )
    assert count(sessions, ConcernAttachment) == 0
    assert d.says("skip").text.startswith("When did it happen?")


def test_cancelling_the_report_drops_the_photos_held_for_it(sessions, clock, school, tmp_path):
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe"])
    photo = tmp_path / "n.png"
    photo.write_bytes(png())
    attach(d.engine, d.actor, str(photo))
    assert count(sessions, ConcernAttachment) == 1
    d.says("cancel")
    assert count(sessions, ConcernAttachment) == 0


def test_the_console_reads_attach_and_a_path(sessions, clock, school, tmp_path):
    d = dialog_for(sessions, clock, school, "teacher")
    photo = tmp_path / "n.png"
    photo.write_bytes(png())
    out = io.StringIO()
    run(d.engine, d.actor, [f"attach {photo}\n"], out, echo=False)
    assert "I can keep a photo of a written note or a body map with a concern." in out.getvalue()


def test_when_is_the_schools_time_across_the_clocks_going_back(sessions, clock, school):
    """00:30 on Sunday 25 October 2026 in London is 23:30 on the 24th in UTC (BST)."""
    from datetime import UTC, datetime

    clock.set(datetime(2026, 10, 24, 23, 30, tzinfo=UTC))
    d = dialog_for(sessions, clock, school, "teacher")
    say_all(d, ["concern", "zoe", NARRATIVE, "skip"])
    assert d.says("today 00:40").text.startswith("That is in the future.")
    say_all(d, ["today 00:10", "skip", "1", "3", "no", "skip", "skip", "save"])
    assert the_concern(sessions).occurred_at == datetime(2026, 10, 24, 23, 10, tzinfo=UTC)


def test_someone_else_typing_the_concerns_number_is_told_who_may_add(sessions, clock, school):
    log_one(dialog_for(sessions, clock, school, "teacher"))
    concern = the_concern(sessions)
    ta = dialog_for(sessions, clock, school, "ta")
    assert ta.says("addendum").options == ()  # nothing of theirs to add to
    refused = ta.says(f"#{concern.id}")
    assert refused.text.startswith(
        f"I can't find a concern '#{concern.id}' that you may add to. Only the person who "
        "logged it, the DSL and deputies can add to a concern."
    )
    assert count(sessions, ConcernAction) == 0
