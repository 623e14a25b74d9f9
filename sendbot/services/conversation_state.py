"""Half-finished conversations, one row per chat: load, save and clear, with one expiry.

Every flow keeps its state here, staff and parent alike, so a restart or a second worker
never loses a half-typed answer. The row has a version column: two workers answering the
same chat at the same moment make the later one fail with StaleDataError, and its whole
transaction is run again (`again_if_stale`).

A `ChatState` is plain data with a handle on its row, so saving what was loaded in the same
transaction updates that row without reading it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sendbot.store.models import ConversationState

T = TypeVar("T")
DEFAULT_TTL = timedelta(hours=24)


class StoreUnavailable(Exception):
    """The database could not be reached; nothing of the turn was saved."""


def again_if_stale(once: Callable[[], T]) -> T:
    """Run a whole transaction again, once, if another worker changed the same conversation
    meanwhile (the version column raised StaleDataError and the first try rolled back)."""
    try:
        return once()
    except StaleDataError:
        return once()


def unavailable_as_ours(once: Callable[[], T]) -> T:
    """The database's own 'cannot reach it' error as ours, so a conversation can answer
    'try again in a minute' without knowing which database it runs on."""
    try:
        return once()
    except OperationalError as exc:
        raise StoreUnavailable(str(exc)) from exc


@dataclass
class ChatState:
    """Where one chat is in one flow: the step it is on, the answers so far, the answers in
    the order given (for 'back'), and what the step needs to read the next message."""

    flow: str
    step: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    scratch: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    _row: ConversationState | None = field(default=None, repr=False, compare=False)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class ConversationStore:
    """The one place conversation state is read and written; `ttl` is the one expiry."""

    def __init__(self, ttl: timedelta = DEFAULT_TTL) -> None:
        self.ttl = ttl

    def load(self, session: Session, platform: str, chat_key: str) -> ChatState | None:
        """The chat's state, expired or not: the caller decides what an expiry means."""
        row = _row(session, platform, chat_key)
        if row is None:
            return None
        return ChatState(
            flow=row.flow,
            step=row.step,
            answers=dict(row.answers),
            history=list(row.history),
            scratch=dict(row.scratch),
            expires_at=row.expires_at,
            _row=row,
        )

    def save(
        self,
        session: Session,
        platform: str,
        chat_key: str,
        state: ChatState,
        now: datetime,
        *,
        known_absent: bool = False,
        flush: bool = False,
    ) -> ChatState:
        """Write the state (over whatever flow the chat was in) and push its expiry on.

        `known_absent`: the caller loaded the chat in this transaction and found nothing,
        so the row is created without being looked for again. `flush` writes it now rather
        than at commit."""
        row = state._row
        if row is None and not known_absent:
            row = _row(session, platform, chat_key)
        if row is None:
            row = ConversationState(platform=platform, chat_key=chat_key)
            session.add(row)
        row.flow = state.flow
        row.step = state.step
        row.answers = dict(state.answers)
        row.history = list(state.history)
        row.scratch = dict(state.scratch)
        row.updated_at = now
        row.expires_at = now + self.ttl
        state.expires_at = row.expires_at
        state._row = row
        if flush:
            session.flush()
        return state

    def clear(self, session: Session, state: ChatState, *, flush: bool = True) -> None:
        """Forget the state; flushed unless told not to, so a new state for the chat can
        follow at once."""
        row = state._row
        if row is None:
            return
        session.delete(row)
        if flush:
            session.flush()
        state._row = None


def _row(session: Session, platform: str, chat_key: str) -> ConversationState | None:
    return session.scalar(
        select(ConversationState).where(
            ConversationState.platform == platform,
            ConversationState.chat_key == chat_key,
        )
    )
