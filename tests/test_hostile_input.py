"""Hostile input: every flow driven with random sequences of nasty text.

Very long text, control characters, right-to-left marks, emoji, SQL and Markdown fragments,
Slack and Telegram formatting and mention tricks. For every flow and every message: no
crash, exactly one non-empty reply, no record written unless the flow was completed (no
half-written records), and nothing that, rendered for Slack or Telegram, could mention or
link anyone. Hypothesis settings come from the profile in tests/conftest.py: a fixed,
small budget in CI, `--hypothesis-profile=release` for the long run before a release.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine, Reply
from sendbot.conversations.flow import Flow
from sendbot.conversations.registry import REGISTRY
from sendbot.delivery.contract import OutgoingMessage
from sendbot.handlers.slack import blocks
from sendbot.handlers.telegram.layout import defuse
from sendbot.services import rate_limit
from sendbot.services.actors import StaffActor, staff_actor_by_id
from sendbot.store import models as m
from tests.factories import NOW, SmallSchool

HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U024BE7LH>",
    "<#C024BE7LR>",
    "<https://evil.example|click me>",
    "@everyone",
    "@here",
    "@channel",
    "@some_user",
    "tg://user?id=123456",
    "[click](https://evil.example)",
    "*bold* _italic_ ~strike~ `code` ```block```",
    "<b>bold</b><script>alert(1)</script>",
    "'; DROP TABLE pupil; --",
    "' OR '1'='1",
    "%_\\%",
    "\u202eevil\u202c",
    "\u200f\u200e\u2066\u2069",
    "\x00\x01\x07\x1b[31m\x7f",
    "\r\n\t",
    "😀👨‍👩‍👧‍👦🏳️‍🌈",
    "مرحبا שלום",
    "back",
    "cancel",
    "help",
    "menu",
    "1",
    "2",
    "3",
    "yes",
    "no",
    "ok",
    "skip",
    "save",
    "change",
    "today",
    "Amelia",
    "Zoë",
    "Khan",
    "",
    " ",
]
RECORD_TABLES = (
    m.Concern,
    m.ConcernAction,
    m.InterventionSession,
    m.SessionAttendance,
    m.TargetProgress,
    m.SupportPlan,
    m.Target,
    m.PlanReview,
    m.Meeting,
    m.Invitation,
    m.Intervention,
    m.InterventionPupil,
    m.SenStatusChange,
    m.Invite,
    m.ParentMessage,
    m.EhcCase,
    m.Exemption,
)
_LIVE_SLACK = re.compile(r"<[!@#]|<https?:|<mailto:|(?<![\w.])@(channel|here|everyone)\b", re.I)
_LIVE_TELEGRAM = re.compile(r"(?<![\w.])@\w|tg://", re.I)

pieces = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "😀", "\u202e", "<", "*"]),
              st.integers(1990, 6000)),
)  # fmt: skip
messages = st.lists(pieces, min_size=1, max_size=3).map("".join)
sequences = st.lists(messages, min_size=1, max_size=8)
_chats = itertools.count()


def _actor_for(sessions, school: SmallSchool, flow: Flow) -> StaffActor:  # type: ignore[no-untyped-def]
    with sessions() as session:
        for who in ("teacher", "senco", "dsl", "head"):
            actor = staff_actor_by_id(session, school.staff[who])
            if actor is not None and flow.may_start(actor):
                return actor
    raise AssertionError(f"nobody may start {flow.name}")


def _records(sessions) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in RECORD_TABLES]
    with sessions() as session:
        return tuple(session.execute(select(*counts)).one())


def _texts(value: Any) -> list[str]:
    """Every mrkdwn text in a Slack payload (plain_text is never parsed for mentions)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            return [value["text"]]
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def assert_safe_to_render(reply: Reply) -> None:
    slack = _texts(blocks.message_modal("sendbot", reply.text))
    slack += _texts(blocks.message_blocks(OutgoingMessage(reply.text)))
    slack.append(blocks.escape(reply.text))
    for text in slack:
        assert not _LIVE_SLACK.search(text), text[:200]
    assert not _LIVE_TELEGRAM.search(defuse(reply.text))


@pytest.mark.parametrize("flow", REGISTRY.flows, ids=lambda f: f.name)
def test_random_input_never_crashes_a_flow_or_half_writes_a_record(
    sessions, school, flow: Flow
) -> None:
    actor = _actor_for(sessions, school, flow)
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW), limit=None)

    @given(sequences)
    def run(said: list[str]) -> None:
        chat = ChatRef("console", f"hostile:{flow.name}:{next(_chats)}")
        first = engine.start(chat, actor, flow.name)
        assert first.text.strip()
        for text in said:
            before = _records(sessions)
            reply = engine.handle(chat, actor, text)
            assert isinstance(reply, Reply) and reply.text.strip()
            assert "can't reach the school's records" not in reply.text  # no hidden crash
            if not reply.done:
                assert _records(sessions) == before, f"written before the flow was done: {text!r}"
            assert_safe_to_render(reply)

    run()


def test_an_over_long_narrative_gets_a_clear_error_and_nothing_is_saved(sessions, school) -> None:
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    chat = ChatRef("console", "long")
    engine.handle(chat, teacher, "log a concern")
    engine.handle(chat, teacher, "Zoë")
    reply = engine.handle(chat, teacher, "x" * 50_000)
    assert "2,000" in reply.text and not reply.done
    assert _records(sessions)[0] == 0


# --- renderers ----------------------------------------------------------------------------


def test_slack_renderers_escape_mentions_links_and_broadcasts() -> None:
    typed = "Title\nSaid <!channel> and <@U123> then @everyone, see <https://x.example|this>"
    payload = blocks.message_blocks(OutgoingMessage(typed))
    body = _texts(payload)[0]
    assert "&lt;!channel&gt;" in body and "&lt;@U123&gt;" in body
    assert "@\u2060everyone" in body and not _LIVE_SLACK.search(body)
    modal = json.dumps(blocks.message_modal("sendbot", typed))
    assert "<!channel>" not in modal and "<@U123>" not in modal
    # An email address keeps its '@'.
    assert blocks.escape("office@oakfield.example") == "office@oakfield.example"


def test_slack_sender_escapes_the_notification_text_too() -> None:
    """chat.postMessage's `text` is what the phone notification shows; Slack parses it."""
    import asyncio

    from sendbot.delivery.contract import Recipient
    from sendbot.handlers.slack.sender import SlackSender

    sent: dict[str, Any] = {}

    class Client:
        async def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802
            sent.update(kwargs)
            return {"channel": "D1", "ts": "1.2"}

    recipient = Recipient(platform="slack", address="U9")
    asyncio.run(SlackSender(Client()).send(recipient, OutgoingMessage("A note: <!here> @here")))  # type: ignore[arg-type]
    assert "<!here>" not in sent["text"] and not _LIVE_SLACK.search(sent["text"])


def test_telegram_layout_sends_plain_text_that_mentions_and_links_no_one() -> None:
    import asyncio

    from sendbot.handlers.telegram.layout import deliver

    sent: list[dict[str, Any]] = []

    class Bot:
        async def send_message(self, **kwargs: Any) -> object:
            sent.append(kwargs)
            return object()

    text = "Hi @everyone and @admin_user, *bold* <b>x</b> tg://user?id=1 office@school.example"
    asyncio.run(deliver(Bot(), 42, OutgoingMessage(text)))  # type: ignore[arg-type]
    out = sent[0]
    assert "parse_mode" not in out  # Markdown and HTML shown as typed, never interpreted
    assert not _LIVE_TELEGRAM.search(out["text"])
    assert "*bold* <b>x</b>" in out["text"] and "office@school.example" in out["text"]


# --- rate limit -----------------------------------------------------------------------------


def test_inbound_messages_are_rate_limited_per_user_across_workers(sessions, school) -> None:
    """Two engines (two workers) share the count; a refusal changes nothing; it passes."""
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        ta = staff_actor_by_id(session, school.staff["ta"])
    assert teacher and ta
    clock = FrozenClock(NOW)
    limit = rate_limit.RateLimit(messages=4, window=timedelta(minutes=1))
    workers = [Engine(sessions, REGISTRY, clock, limit=limit) for _ in range(2)]
    chat = ChatRef("console", "rate:teacher")
    replies = [workers[i % 2].handle(chat, teacher, said)
               for i, said in enumerate(["log a concern", "Zoë", "help", "help"])]  # fmt: skip
    assert all(r.text != rate_limit.SLOW_DOWN for r in replies)
    with sessions() as session:
        state = session.scalar(
            select(m.ConversationState).where(m.ConversationState.chat_key == chat.chat_key)
        )
        kept = (state.step, dict(state.answers)) if state else None  # fmt: skip
    refused = workers[0].handle(chat, teacher, "Zoë")
    assert refused.text == rate_limit.SLOW_DOWN
    with sessions() as session:
        state = session.scalar(
            select(m.ConversationState).where(m.ConversationState.chat_key == chat.chat_key)
        )
        assert state is not None and (state.step, dict(state.answers)) == kept  # fmt: skip
    # Someone else is not slowed down by it.
    other = workers[1].handle(ChatRef("console", "rate:ta"), ta, "menu")
    assert other.text != rate_limit.SLOW_DOWN
    # A minute later the teacher carries on where they were.
    clock.advance(timedelta(minutes=1))
    assert workers[1].handle(chat, teacher, "help").text != rate_limit.SLOW_DOWN


def test_the_parent_chat_is_rate_limited_too(sessions, school) -> None:
    """Telegram's entry for parents (and anyone unknown) counts before anything else."""
    from sendbot.conversations.parent_chat import ChatRouter, Incoming

    router = ChatRouter(sessions, FrozenClock(NOW))
    said = Incoming(platform="telegram", chat_key="9001", kind="text", text="hello")
    answers = [router.handle(said) for _ in range(rate_limit.DEFAULT.messages + 1)]
    assert all(rate_limit.SLOW_DOWN not in a.replies[0].text for a in answers[:-1])
    assert answers[-1].replies[0].text == rate_limit.SLOW_DOWN
    other = router.handle(Incoming(platform="telegram", chat_key="9002", kind="text", text="hi"))
    assert rate_limit.SLOW_DOWN not in other.replies[0].text


def test_the_parent_chat_says_slow_down_in_the_parents_language(sessions, school) -> None:
    from babel.messages.pofile import read_po

    from sendbot.conversations.parent_chat import ChatRouter, Incoming
    from sendbot.i18n.catalogs import po_path

    router = ChatRouter(sessions, FrozenClock(NOW))
    said = Incoming(
        platform="telegram", chat_key="9003", kind="text", text="cześć", client_language="pl"
    )
    answers = [router.handle(said) for _ in range(rate_limit.DEFAULT.messages + 1)]
    with po_path("pl").open("rb") as f:
        polish = read_po(f, locale="pl")[rate_limit.SLOW_DOWN].string
    assert polish and answers[-1].replies[0].text == polish


def test_digits_that_are_not_plain_numbers_are_read_as_text(sessions, school) -> None:
    """Found by the release run: '²' passed isdigit() and then crashed int(). An
    Arabic-Indic '٢' is a real digit and picks the second option."""
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    chat = ChatRef("console", "digits")
    for said in ("²", "log a concern", "²", "Zoë", "a note", "١"):
        assert engine.handle(chat, teacher, said).text.strip()


def test_staff_are_shown_their_reply_as_the_parent_will_read_it() -> None:
    from sendbot.services.parents import reply_sent_note

    assert reply_sent_note("The EP and the SENCO will call you.") == (
        "Sent. The parent will get your reply in Telegram. They will read:\n"
        "The educational psychologist (EP) and the special educational needs co-ordinator "
        "(SENCO) will call you."
    )
