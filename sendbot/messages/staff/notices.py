"""Plain notices to staff: a message that could not be delivered, a blocked account, and
free text a job words itself (term start, annual-review look-ahead)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import OutgoingMessage


def delivery_failed(
    params: Mapping[str, Any], language: str, session: Session | None
) -> OutgoingMessage:
    return OutgoingMessage(
        text=(
            f"A message could not be delivered to {params.get('person')} ({params.get('template')}).\n"
            f"Last error: {params.get('error') or 'unknown'}\n"
            "Please contact them another way, and check their chat account in sendbot."
        )
    )


def identity_blocked(
    params: Mapping[str, Any], language: str, session: Session | None
) -> OutgoingMessage:
    return OutgoingMessage(
        text=(
            f"{params.get('person')} can no longer be reached on {str(params.get('platform')).title()} "
            "(they blocked sendbot or closed the account). Their messages will go to another account "
            "if they have one. Please contact them another way."
        )
    )


def staff_notice(
    params: Mapping[str, Any], language: str, session: Session | None
) -> OutgoingMessage:
    """A plain text notice to a member of staff (the text is in the params)."""
    return OutgoingMessage(
        text=str(params.get("text", ""))[:3000], urgent=bool(params.get("urgent"))
    )
