"""What a field or flow may use while handling one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sendbot.services.actors import StaffActor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Turn:
    session: Session
    actor: StaffActor
    now: datetime
    today: date
    # The school's time zone: 'today', a meeting's time and an alert's time are the school's.
    tz: ZoneInfo = LONDON
    # The flow's answers so far, so a question can depend on earlier ones (which pupils
    # are enrolled depends on the intervention chosen).
    answers: dict[str, Any] = field(default_factory=dict)
    # What the flow keeps between answers besides them (an unfinished report's id), saved
    # with the chat's state (`Flow.on_answer`).
    kept: dict[str, Any] = field(default_factory=dict)
    # Worked out once per message and shared by copies of this turn: the menu is read up to
    # three times in one turn (matching a number, the reply, the help text).
    # Which chat the message came in ('console:staff:1'); empty for a form (a Slack modal).
    chat: str = ""
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Where the conversation happens ("console", "telegram"; empty when not known, as in a
    # Slack modal). What a concern says is shown only on the console, never in a chat app.
    platform: str = ""
