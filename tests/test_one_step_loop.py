"""The engine steps the parents' flows with the same loop as the staff flows; only the voice
differs (the parent's language, buttons for choices, the parents' words for send and skip)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import Engine
from sendbot.conversations.fields import SAVE, Accept, Reject
from sendbot.conversations.parent_message import PARENT_MESSAGE
from sendbot.conversations.parent_turn import ParentTurn, writer_for
from sendbot.conversations.parent_views import PARENT_VIEWS, VIEWS_QUESTIONS, views_subject
from sendbot.conversations.parent_voice import ParentVoice
from sendbot.conversations.registry import REGISTRY
from sendbot.conversations.voice import Working
from sendbot.i18n.languages import ENGLISH
from sendbot.i18n.writer import Writer
from sendbot.services import parents
from tests.factories import NOW, build_small_school
from tests.telegram.harness import add_guardian

CHAT = "7301"


def _turn(session: Session, guardian_id: int, tapped: bool = False) -> ParentTurn:
    w = writer_for(session, guardian_id)
    return ParentTurn(session, guardian_id, w, NOW, "telegram", CHAT, tapped=tapped)


def test_a_parents_message_is_stepped_and_saved_by_the_engines_loop(sessions: Any) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "nadia", "Nadia", "Nowak", ["kacper", "zoe"])
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    with sessions() as session, session.begin():
        out = engine.begin_parent(
            _turn(session, family.guardian_id), PARENT_MESSAGE, {"text": "Is PE on Thursday?"}
        )
        assert [r.text for r in out.replies] == ["Which child is this message about?"]
        assert len(out.replies[0].buttons) == 3  # two children and Cancel
    with sessions() as session, session.begin():
        state = engine.parent_state(session, "telegram", CHAT)
        assert state is not None
        assert (state.flow, state.step, state.history) == ("parent.message", "child", ["text"])
        # 'send' is not an answer to a question (only to a summary): the question stands.
        again = engine.answer_parent(_turn(session, family.guardian_id), state, "send")
        assert [r.text for r in again.replies] == ["Which child is this message about?"]
    with sessions() as session, session.begin():
        state = engine.parent_state(session, "telegram", CHAT)
        assert state is not None
        zoe = str(school.pupils["zoe"])
        sent = engine.answer_parent(_turn(session, family.guardian_id, tapped=True), state, zoe)
        assert "Your message about Zo" in sent.replies[0].text
    with sessions() as session:
        assert engine.parent_state(session, "telegram", CHAT) is None


def test_a_choice_with_one_button_is_settled_without_asking(sessions: Any) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "nadia", "Nadia", "Nowak", ["zoe"])
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    with sessions() as session, session.begin():
        out = engine.begin_parent(
            _turn(session, family.guardian_id), PARENT_MESSAGE, {"text": "Swimming?"}
        )
        assert "Your message about Zo" in out.replies[0].text
        assert engine.parent_state(session, "telegram", CHAT) is None


def test_a_message_too_long_is_refused_in_the_parents_words_and_nothing_is_kept(
    sessions: Any,
) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "nadia", "Nadia", "Nowak", ["kacper", "zoe"])
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW))
    with sessions() as session, session.begin():
        text = "x" * (parents.MESSAGE_LIMIT + 1)
        out = engine.begin_parent(
            _turn(session, family.guardian_id), PARENT_MESSAGE, {"text": text}
        )
        assert [r.text for r in out.replies] == [
            "That message is too long. Please send it in parts of up to 3,000 characters."
        ]
        assert engine.parent_state(session, "telegram", CHAT) is None


def test_the_parents_voice_reads_send_and_skip_as_the_parents_words() -> None:
    voice = ParentVoice()
    turn = ParentTurn(None, 1, Writer(ENGLISH), NOW, "telegram", CHAT)  # type: ignore[arg-type]
    working = Working(PARENT_VIEWS, {}, [])
    confirm = PARENT_VIEWS.fields[-1]
    assert voice.read(turn, working, confirm, "send") == Accept(SAVE)
    assert voice.read(turn, working, confirm, "yes") == Reject("")
    question = VIEWS_QUESTIONS[0]
    assert voice.read(turn, working, question, "send") == Reject("")
    assert voice.read(turn, working, question, "skip") == Accept(None)
    assert voice.read(turn, working, question, "Reading") == Accept("Reading")
    assert voice.cancels(turn, "Cancel") and not voice.cancels(turn, "stop")
    assert voice.back_words == () and voice.help_words == ()


def test_what_a_flow_is_about_is_declared_on_the_flow() -> None:
    assert PARENT_VIEWS.subject is views_subject
    assert PARENT_MESSAGE.subject is None
