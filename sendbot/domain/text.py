"""Text as every database can keep it.

A chat app can hand over text that no database stores: PostgreSQL refuses a NUL character
in any text value, and a lone UTF-16 surrogate (half of an emoji, from a client that cut a
message in the middle of one) cannot be written as UTF-8 at all, so the statement fails
and the person's message with it. Such text is cleaned where it comes in, not refused:
a NUL carries no meaning and is dropped; a lone surrogate becomes U+FFFD, the character
every reader shows as "something was here", so what the person wrote around it is kept.
"""

from __future__ import annotations

import re
from typing import Any

NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without NUL, with each lone surrogate replaced by U+FFFD (a pair is joined)."""
    if NUL in text:
        text = text.replace(NUL, "")
    if _SURROGATE.search(text) is None:
        return text
    # Through UTF-16: a high and low surrogate side by side are one character again, and
    # what is left alone cannot be decoded, so the decoder's own replacement marks it.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def storable_values(values: dict[str, Any]) -> dict[str, Any]:
    """A form's answers (text, or lists of text) made storable; other values unchanged."""
    return {name: _storable_value(value) for name, value in values.items()}


def _storable_value(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [_storable_value(item) for item in value]
    return value
