"""Block Kit's composition objects: plain text and options, cut to Slack's length limits."""

from __future__ import annotations

from typing import Any

PLAIN_LIMITS = {"title": 24, "button": 24, "option": 75, "header": 150, "placeholder": 150}


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, PLAIN_LIMITS["option"]), "value": value}
