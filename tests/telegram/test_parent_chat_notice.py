"""Honest language in the parents' chat: every reply to a parent's own message (/help,
/mychild, a flow's question, its thank-you) ends with the machine-translation notice in
their language until that catalog is marked reviewed; English, and a reviewed catalog, none."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from sendbot.i18n import catalogs
from sendbot.i18n.__main__ import main as i18n_command
from sendbot.i18n.catalogs import po_path
from sendbot.i18n.languages import BY_CODE, resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.services import invites
from tests.factories import SmallSchool, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian

ENGLISH_NOTICE = MACHINE_NOTICE


async def chat_replies(h: Harness, school: SmallSchool, code: str) -> dict[str, str]:
    """A parent of Kacper and Zoë links, taps their language, then asks for help, asks about
    their child, and messages the school; the last reply to each, by what it answered."""
    who = person(7401, "Anna", language_code=code)
    family = add_guardian(h.core.sessions, school, "anna", "Anna", "Nowak", ["kacper", "zoe"])
    with h.core.sessions() as session, session.begin():
        invite = invites.create_guardian_invite(
            session, family.guardian_id, h.clock.now(), BOT_USERNAME
        )
    await h.send(text_update(who, f"/start {invite.code}"))
    greeting = h.fake.of("sendMessage", who["id"])[-1]
    choice = next(data for label, data in greeting.buttons if label == resolve(code).native_name)
    await h.send(tap_update(who, choice))
    replies = {}
    await h.send(text_update(who, "/help"))
    replies["help"] = h.fake.texts(who["id"])[-1]
    await h.send(text_update(who, "/mychild"))
    replies["my child"] = h.fake.texts(who["id"])[-1]
    await h.send(text_update(who, "Is PE on Thursday?"))
    question = h.fake.of("sendMessage", who["id"])[-1]
    replies["a flow's question"] = question.params["text"]
    await h.send(tap_update(who, question.buttons[0][1]))
    replies["its thank-you"] = h.fake.texts(who["id"])[-1]
    return replies


def replies_in(code: str, db_url: str, sessions: Any, fake_api: FakeBotApi) -> dict[str, str]:
    school = build_small_school(sessions)

    async def scenario() -> dict[str, str]:
        async with Harness(db_url, fake_api) as h:
            return await chat_replies(h, school, code)

    return asyncio.run(scenario())


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_each_chat_reply_in_an_unchecked_language_ends_with_the_notice_once(
    code: str, db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    notice = Writer(BY_CODE[code])._(MACHINE_NOTICE)
    assert notice != ENGLISH_NOTICE
    replies = replies_in(code, db_url, sessions, fake_api)
    assert list(replies) == ["help", "my child", "a flow's question", "its thank-you"]
    for said, text in replies.items():
        assert text.endswith("\n\n" + notice), said
        assert text.count(notice) == 1, said


def test_an_english_parent_is_told_nothing_about_translation(
    db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    replies = replies_in("en", db_url, sessions, fake_api)
    assert replies["a flow's question"] == "Which child is this message about?"
    for said, text in replies.items():
        assert ENGLISH_NOTICE not in text, said
        assert "A computer translated" not in text, said


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the catalogs that sendbot reads instead of its own."""
    copy = tmp_path / "locales"
    shutil.copytree(catalogs.locales_dir(), copy)
    monkeypatch.setenv("SENDBOT_LOCALES_DIR", str(copy))
    return copy


def test_once_polish_is_reviewed_its_chat_replies_say_nothing_about_a_computer(
    locales: Path, db_url: str, sessions: Any, fake_api: FakeBotApi
) -> None:
    notice = Writer(BY_CODE["pl"])._(MACHINE_NOTICE)
    assert i18n_command(["review", "pl", "--by", "school EAL co-ordinator"]) == 0
    path = po_path("pl", locales)
    stat = path.stat()  # a later modification time, however coarse the file system's clock
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    replies = replies_in("pl", db_url, sessions, fake_api)
    assert replies["a flow's question"] == Writer(BY_CODE["pl"])._(
        "Which child is this message about?"
    )
    for said, text in replies.items():
        assert notice not in text, said
