"""What a bulk send will cost in text messages, before it is sent.

Given the rendered messages that would go by text message (each in its guardian's
language), count them as `delivery.sms` lays them out: messages, fragments (each charged
as one text message by GOV.UK Notify) and, per language, how many went UCS-2 (Polish,
Urdu, Arabic... fit 70 characters a message, not 160). `sendbot invite` in bulk and any
other bulk command show `summary(...)` and ask before sending. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.sms import sms_length
from sendbot.domain.sms_length import UCS2


@dataclass
class LanguageCost:
    messages: int = 0
    fragments: int = 0
    unicode: int = 0  # messages sent as UCS-2


@dataclass
class SmsCost:
    messages: int = 0
    fragments: int = 0
    by_language: dict[str, LanguageCost] = field(default_factory=dict)


LINK_TOKEN_LENGTH = 22  # a parent's link is <web url>/p/<about 22 characters>


def sample_link(web_url: str) -> str:
    """A link as long as the real ones, for counting before the links are made."""
    return f"{web_url.rstrip('/')}/p/{'x' * LINK_TOKEN_LENGTH}"


def estimate(messages: Iterable[OutgoingMessage]) -> SmsCost:
    """Count the text messages `messages` cost, overall and per language."""
    cost = SmsCost()
    for message in messages:
        length = sms_length(message)
        per = cost.by_language.setdefault(message.language, LanguageCost())
        for counted in (cost, per):
            counted.messages += 1
            counted.fragments += length.fragments
        if length.encoding == UCS2:
            per.unicode += 1
    return cost


def summary(cost: SmsCost) -> list[str]:
    """Lines to show staff before they confirm a bulk send (English: staff text)."""
    if not cost.messages:
        return ["No text messages will be sent."]
    lines = [
        f"{cost.messages} text message{'s' if cost.messages != 1 else ''} to send, "
        f"charged as {cost.fragments} (a long message counts as several)."
    ]
    for language in sorted(cost.by_language):
        per = cost.by_language[language]
        note = (
            f"; {per.unicode} use characters that fit only 70 to a message" if per.unicode else ""
        )
        lines.append(f"  {language}: {per.messages} messages, charged as {per.fragments}{note}")
    return lines
