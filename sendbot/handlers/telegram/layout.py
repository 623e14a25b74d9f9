"""Laying out an `OutgoingMessage` in Telegram: text under 4,096 characters, buttons, files."""

from __future__ import annotations

import io
import re

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)

from sendbot.delivery.contract import Button, OutgoingMessage

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes of callback data Telegram accepts
# Telegram turns "@name" in plain text into a link to that account, and tg:// into a link
# that can open a profile. A word joiner after the '@' (and in "tg:") leaves the words
# readable and links no one; an email address (a letter before the '@') is left alone.
_MENTION = re.compile(r"(?<![\w.])@(?=\w)")
_TG_LINK = re.compile(r"tg:(?=//)", re.IGNORECASE)
WORD_JOINER = "\u2060"
_SENTENCE_END = re.compile(r"(?<=[.!?\u06d4\u0964\u3002])\s+")


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


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, broken at a paragraph, line or sentence end
    where one is near, else between words; nothing but the break itself is lost."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        end, start = _cut(rest[: limit + 1])
        end = min(end, limit)
        chunks.append(rest[:end])
        rest = rest[max(start, end) :]
    chunks.append(rest)
    return [c for c in chunks if c.strip()] or [text[:limit]]


def defuse(text: str) -> str:
    """Text that can mention or link nobody. Messages go without parse_mode, so Markdown and
    HTML a person typed are shown as typed, never interpreted."""
    return _TG_LINK.sub("tg:" + WORD_JOINER, _MENTION.sub("@" + WORD_JOINER, text))


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button a row (two when there are many short ones, like the language list)."""
    if not buttons:
        return None
    for button in buttons:
        if len(button.action_id.encode("utf-8")) > CALLBACK_LIMIT:
            raise ValueError(f"button id longer than {CALLBACK_LIMIT} bytes: {button.label!r}")
    keys = [InlineKeyboardButton(b.label, callback_data=b.action_id) for b in buttons]
    width = 2 if len(keys) > 6 else 1
    return InlineKeyboardMarkup([keys[i : i + width] for i in range(0, len(keys), width)])


async def deliver(bot: Bot, chat_id: int | str, message: OutgoingMessage) -> Message:
    """Send the text (buttons under its last part), then each attachment as a document.

    Raises python-telegram-bot's errors; callers decide what they mean.
    """
    chunks = split_text(defuse(message.text)) if message.text else []
    markup = keyboard(message.buttons)
    first: Message | None = None
    for number, chunk in enumerate(chunks, start=1):
        sent = await bot.send_message(
            chat_id=chat_id,
            text=chunk,
            reply_markup=markup if number == len(chunks) else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        first = first or sent
    for attachment in message.attachments:
        sent = await bot.send_document(
            chat_id=chat_id,
            document=InputFile(io.BytesIO(attachment.content), filename=attachment.filename),
            caption=(attachment.title or None) and attachment.title[:1024],
        )
        first = first or sent
    if first is None:
        raise ValueError("nothing to send")
    return first
