"""A parent's message as a text message: the same rendered message, short and plain.

A text message is the rendered `OutgoingMessage`'s text, its typographic punctuation made
plain (`domain.sms_length.plain`), then the message's one-tap link on a line of its own. Buttons
cannot be tapped in a text message and are left out: the link's page offers the same answers.
A message that would cost more than `MAX_FRAGMENTS` text messages is cut at a word and ends
"...", then the link, so the parent reads the rest on the page. The sender and the cost
estimate (`services/sms_cost.py`) both use this, so the estimate counts what is sent.
"""

from __future__ import annotations

from sendbot.delivery.contract import OutgoingMessage
from sendbot.domain.sms_length import SmsLength, measure, plain

MAX_FRAGMENTS = 3
ELLIPSIS = "..."


def sms_text(message: OutgoingMessage, max_fragments: int = MAX_FRAGMENTS) -> str:
    """What the parent's phone shows: the text, cut if need be, then the link."""
    body = plain(message.text).strip()
    tail = f"\n\n{message.link}" if message.link else ""
    whole = body + tail
    if measure(whole).fragments <= max_fragments:
        return whole

    def fits(n: int) -> bool:
        return measure(body[:n].rstrip() + ELLIPSIS + tail).fragments <= max_fragments

    low, high = 0, len(body)  # fits(low) unless even the link is too long; not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    kept = body[:low]
    at = max(kept.rfind(" "), kept.rfind("\n"))
    if at > len(kept) // 2:
        kept = kept[:at]
    kept = kept.rstrip()
    if not kept:
        return tail.strip() or body[: low or 1]
    return kept + ELLIPSIS + tail


def sms_length(message: OutgoingMessage) -> SmsLength:
    """What `message` costs as a text message, as `sms_text` lays it out."""
    return measure(sms_text(message))
