"""How many text messages a text costs: GSM 03.38 or UCS-2, and its fragments.

A text message is sent in one of two encodings. GSM 03.38's 7-bit alphabet (the basic table
below) fits 160 characters in one message; its extension table (`^{}\\[~]|€` and the form
feed) costs two characters each, since each is sent as an escape and a code. A single
character outside both tables (a Polish "ł", Urdu, an emoji, a bidirectional isolate) makes
the whole message UCS-2, which fits 70. A longer message is split into fragments that each
lose room to a header: 153 GSM characters or 67 UCS-2 characters a fragment. Every fragment
is charged as one message: GOV.UK Notify's pricing page lists 160, 306 and 459 characters
as 1, 2 and 3 text messages, the double-counted signs, and the accented letters (those of
the basic table) that do not change the price.

Notify refuses a text message longer than 918 characters (`NOTIFY_MAX_CHARACTERS`).

Typographic punctuation that staff type without noticing ("smart" quotes, dashes, the
ellipsis, a no-break space) would turn an English message into UCS-2 and more than double
its cost; `plain` swaps them for their GSM twins first, as Notify does before sending.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (3GPP TS 23.038, section 6.2.1), in table order;
# the escape (0x1B) is not a character of its own.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table (section 6.2.1.1): each is sent as escape + code, so counts 2.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
NOTIFY_MAX_CHARACTERS = 918

GSM = "GSM"
UCS2 = "UCS-2"

_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\u200b": None,
        "\u200d": None,
        "\ufeff": None,
    }
)


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # GSM | UCS-2
    characters: int  # as the encoding counts them (an extension character is 2 in GSM)
    fragments: int  # text messages charged

    @property
    def too_long(self) -> bool:
        return self.characters > NOTIFY_MAX_CHARACTERS


def plain(text: str) -> str:
    """The text with typographic punctuation swapped for the GSM characters it looks like."""
    return text.translate(_PLAIN)


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def measure(text: str) -> SmsLength:
    """The encoding, length and fragments of `text` exactly as given (see `plain`)."""
    if is_gsm(text):
        size = sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
        return SmsLength(GSM, size, fragments_for(size, GSM_SINGLE, GSM_PART))
    # UCS-2 counts UTF-16 code units: a character outside the BMP (most emoji) is two.
    size = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return SmsLength(UCS2, size, fragments_for(size, UCS2_SINGLE, UCS2_PART))


def fragments_for(size: int, single: int, part: int) -> int:
    """Messages charged for `size` characters: one up to `single`, else one per `part`."""
    if size <= single:
        return 1
    return -(-size // part)


def capacity(fragments: int, encoding: str) -> int:
    """The most characters `fragments` messages hold in `encoding`."""
    single, part = (GSM_SINGLE, GSM_PART) if encoding == GSM else (UCS2_SINGLE, UCS2_PART)
    return single if fragments <= 1 else part * fragments
