"""Helpers for the staff flows' dialog tests: a small school with provision, any member of
staff in a chat, the answers kept so far."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import ConversationState
from tests.dialog import Dialog
from tests.factories import SmallSchool


def dialog_for(
    sessions: sessionmaker[Session], clock: FrozenClock, school: SmallSchool, who: str
) -> Dialog:
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff[who])
    assert actor is not None
    engine = Engine(sessions, REGISTRY, clock)
    return Dialog(engine, actor, ChatRef("console", f"staff:{actor.staff_id}"))


def restarted(sessions: sessionmaker[Session], clock: FrozenClock, d: Dialog) -> Dialog:
    """The same chat through a new engine, as after a restart."""
    return Dialog(Engine(sessions, REGISTRY, clock), d.actor, d.chat)


def state_answers(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        return session.scalars(select(ConversationState)).one().answers


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def say_all(d: Dialog, lines: list[str]) -> None:
    for line in lines:
        d.says(line)
