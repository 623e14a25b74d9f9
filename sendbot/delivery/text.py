"""Fitting text into a platform's length limit without losing any of it.

Platforms limit text after their own escaping (Slack's `&amp;` for `&`), and some count in
UTF-16 code units (Telegram), so the limit is measured on the text as the platform will
see it: callers split the escaped text, with the platform's way of counting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?\u06d4\u0964\u3002])\s+")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: a character outside the BMP (most emoji) counts twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cut(window: str) -> tuple[int, int]:
    """Where to break a too-long text: (end of this chunk, start of the next)."""
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at > len(window) // 4:
            return at, at + len(separator)
    ends = [m for m in _SENTENCE_END.finditer(window) if m.start() > len(window) // 4]
    if ends:
        return ends[-1].start(), ends[-1].end()
    at = window.rfind(" ")
    if at > len(window) // 4:
        return at, at + 1
    return len(window), len(window)


def _fitting(text: str, limit: int, size: Callable[[str], int]) -> int:
    """How many characters from the start of `text` fit in `limit` as `size` counts."""
    if size is len:
        return min(len(text), limit)
    total = 0
    for index, ch in enumerate(text):
        total += size(ch)
        if total > limit:
            return index
    return len(text)


def _outside_atom(text: str, end: int, atoms: re.Pattern[str] | None) -> int:
    """Move a hard cut back to before an escape sequence it would break (`&am|p;`)."""
    if atoms is None:
        return end
    for match in atoms.finditer(text, max(0, end - 16), end + 16):
        if match.start() < end < match.end():
            return match.start()
    return end


def split(
    text: str,
    limit: int,
    *,
    size: Callable[[str], int] = len,
    atoms: re.Pattern[str] | None = None,
) -> list[str]:
    """Chunks each at most `limit` long (as `size` counts), broken at a paragraph, line or
    sentence end where one is near, else between words, else anywhere but inside one of
    `atoms`; nothing but the break itself is lost."""
    chunks: list[str] = []
    rest = text
    while size(rest) > limit:
        fit = max(1, _fitting(rest, limit, size))
        end, start = _cut(rest[: fit + 1])
        if end > fit:  # no place to break: cut hard, but never inside an escape sequence
            end = start = _outside_atom(rest, fit, atoms) or fit
        chunks.append(rest[:end])
        rest = rest[max(start, end) :]
    chunks.append(rest)
    return [c for c in chunks if c.strip()] or [text[: _fitting(text, limit, size)]]
