"""What every part of the serving process shares, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock, SystemClock
from sendbot.config import Settings
from sendbot.conversations.engine import Engine as ConversationEngine
from sendbot.conversations.registry import REGISTRY
from sendbot.delivery.contract import Sender
from sendbot.services import SESSION_HOOKS
from sendbot.store.db import make_engine, session_factory


@dataclass
class Core:
    settings: Settings
    db: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    conversations: ConversationEngine
    senders: dict[str, Sender] = field(default_factory=dict)


def build_core(settings: Settings, clock: Clock | None = None) -> Core:
    clock = clock or SystemClock()
    db = make_engine(settings.require_database_url())
    sessions = session_factory(db, *SESSION_HOOKS)
    conversations = ConversationEngine(
        sessions,
        REGISTRY,
        clock,
        ttl=timedelta(hours=settings.conversation_ttl_hours),
        web_url=settings.web_url,
    )
    return Core(settings, db, sessions, clock, conversations)
