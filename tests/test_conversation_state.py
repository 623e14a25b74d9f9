"""One conversation-state store for every flow: load, save, clear, one expiry setting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import Engine
from sendbot.conversations.parent_chat import ChatRouter
from sendbot.conversations.registry import REGISTRY
from sendbot.services.conversation_state import ChatState, ConversationStore
from sendbot.store.models import ConversationState
from tests.factories import NOW


def test_save_load_and_clear_one_chats_state(sessions: Any) -> None:
    store = ConversationStore(timedelta(hours=2))
    with sessions() as session, session.begin():
        assert store.load(session, "telegram", "42") is None
        store.save(
            session,
            "telegram",
            "42",
            ChatState("parent.views", "worries", {"going_well": "Football"}, ["going_well"]),
            NOW,
        )
    with sessions() as session, session.begin():
        state = store.load(session, "telegram", "42")
        assert state is not None
        assert (state.flow, state.step, state.answers, state.history) == (
            "parent.views",
            "worries",
            {"going_well": "Football"},
            ["going_well"],
        )
        assert state.expires_at == NOW + timedelta(hours=2)
        assert not state.expired(NOW + timedelta(hours=1))
        assert state.expired(NOW + timedelta(hours=2))
        state.step = "hopes"
        store.save(session, "telegram", "42", state, NOW + timedelta(hours=1))
        assert len(session.scalars(select(ConversationState)).all()) == 1  # the same row
    with sessions() as session, session.begin():
        state = store.load(session, "telegram", "42")
        assert state is not None and state.step == "hopes"
        assert state.expires_at == NOW + timedelta(hours=3)
        store.clear(session, state)
    with sessions() as session:
        assert store.load(session, "telegram", "42") is None


def test_saving_a_new_flow_replaces_the_chats_old_one(sessions: Any) -> None:
    store = ConversationStore()
    with sessions() as session, session.begin():
        store.save(session, "console", "7", ChatState("log_concern", "pupil"), NOW)
        store.save(session, "console", "7", ChatState("parent.message", "child"), NOW)
    with sessions() as session:
        rows = session.scalars(select(ConversationState)).all()
        assert [(r.flow, r.step) for r in rows] == [("parent.message", "child")]


def test_staff_and_parent_flows_share_one_store_and_one_expiry(sessions: Any) -> None:
    engine = Engine(sessions, REGISTRY, FrozenClock(NOW), ttl=timedelta(hours=3))
    router = ChatRouter(sessions, FrozenClock(NOW), engine)
    assert router.engine is engine  # the parents' flows are stepped by the same engine
    assert engine.states.ttl == timedelta(hours=3)
