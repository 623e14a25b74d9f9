"""A parent's message as a text message: the same rendered message, short and plain.

A text message is the rendered `OutgoingMessage`'s text, its typographic punctuation made
plain (`domain.sms_length.plain`), then the message's one-tap link on a line of its own. Buttons
cannot be tapped in a text message and are left out: the link's page offers the same answers.
A message that would cost more than `MAX_FRAGMENTS` text messages is cut at a word and ends
"...", then the link, so the parent reads the rest on the page. What is cut is the body: a
translated message's machine-translation notice (`OutgoingMessage.notice`, its last
paragraph) stays, in its short form from the catalog, before the link. The sender and the cost
estimate (`services/sms_cost.py`) both use this, so the estimate counts what is sent.
"""

from __future__ import annotations

from sendbot.delivery.contract import OutgoingMessage
from sendbot.domain.sms_length import SmsLength, measure, plain

# Five, not three: a message in Polish, Urdu or any language with letters outside the GSM
# alphabet is charged 67 characters a part, and three parts held only the greeting and the
# title once the notice and the link were kept; five carry the date, time and place too.
MAX_FRAGMENTS = 5
ELLIPSIS = "..."


def _parts(message: OutgoingMessage) -> tuple[str, str, str]:
    """(body, notice, short notice) in plain characters; the notice only when it is the
    text's last paragraph, as `messages/parents/honest.py` puts it."""
    text = plain(message.text).strip()
    notice = plain(message.notice).strip()
    if notice and text.endswith("\n\n" + notice):
        body = text[: -len(notice)].rstrip()
        return body, notice, plain(message.short_notice).strip() or notice
    return text, "", ""


def sms_text(message: OutgoingMessage, max_fragments: int = MAX_FRAGMENTS) -> str:
    """What the parent's phone shows: the text, cut if need be, then the link. A cut text
    keeps its notice (the machine-translation notice, in its short form): the body is cut."""
    body, notice, short = _parts(message)
    link = f"\n\n{message.link}" if message.link else ""
    whole = body + (f"\n\n{notice}" if notice else "") + link
    if measure(whole).fragments <= max_fragments:
        return whole
    return _cut(body, (f"\n\n{short}" if short else "") + link, max_fragments)


def _cut(body: str, tail: str, max_fragments: int) -> str:
    """`body` cut at a word to fit with "..." and `tail` in `max_fragments`."""

    def fits(n: int) -> bool:
        kept = body[:n].rstrip()
        return measure(kept + ELLIPSIS + _closed(kept) + tail).fragments <= max_fragments

    low, high = 0, len(body)  # fits(low) unless even the tail is too long; not fits(high)
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
    return kept + ELLIPSIS + _closed(kept) + tail


_OPENS, _CLOSE = ("\u2066", "\u2067", "\u2068"), "\u2069"


def _closed(kept: str) -> str:
    """The isolates a cut left open (a name or staff's English in Urdu text), closed, so the
    notice after them is laid out right to left again."""
    return _CLOSE * max(0, sum(kept.count(o) for o in _OPENS) - kept.count(_CLOSE))


def sms_length(message: OutgoingMessage) -> SmsLength:
    """What `message` costs as a text message, as `sms_text` lays it out."""
    return measure(sms_text(message))
