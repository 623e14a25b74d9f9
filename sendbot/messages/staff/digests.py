"""The daily digest of each role, built from the database when it is sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import OutgoingMessage
from sendbot.messages.staff.wording import now_of
from sendbot.services import digests, school_settings
from sendbot.store.models import School


def digest(params: Mapping[str, Any], language: str, session: Session) -> OutgoingMessage | None:
    school_id = int(params["school_id"])
    day = date.fromisoformat(str(params["date"]))
    built = digests.build(session, school_id, str(params["role"]), day, now_of(params))
    school = session.get(School, school_id)
    if built.empty and school is not None and school_settings.of(school).empty_digest == "none":
        return None  # the school asked for no digest on an empty day
    return digests.to_message(built)
