"""What a field or flow may use while handling one message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from sendbot.services.actors import StaffActor


@dataclass(frozen=True)
class Turn:
    session: Session
    actor: StaffActor
    now: datetime
    today: date
