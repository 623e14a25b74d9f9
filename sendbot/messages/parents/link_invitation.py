"""The invitation a class's or year group's parents get by email or text message
(`sendbot invite guardians`): link Telegram, or confirm that this email address is theirs.

One message for every channel: the email and the text message lay it out, and the worker
adds the guardian's one-tap link (email and text messages only), which does what it asks.
No invite code is in the message's stored parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sendbot.delivery.contract import OutgoingMessage
from sendbot.i18n.translate import Translator
from sendbot.i18n.writer import Writer

CONFIRM_EMAIL = "confirm_email"


def link_invitation(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    school = str(params.get("school_name", ""))
    lines = [
        w._("Hello {name},", name=str(params.get("first_name", ""))),
        w._(
            "{school} sends messages about your child's support and invitations to meetings.",
            school=school,
        ),
    ]
    if params.get("purpose") == CONFIRM_EMAIL:
        lines.append(
            w._(
                "Please open the link to confirm that this email address is yours. There you "
                "can also choose your language, or get messages in Telegram instead."
            )
        )
    else:
        lines.append(
            w._(
                "You can get them in the free Telegram app. Open the link to connect, or to "
                "choose your language or another way to get messages."
            )
        )
    lines.append(w._("If you did not expect this message, please tell the school."))
    return OutgoingMessage(text="\n\n".join(lines), language=w.language.code)
