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
_SENTENCE_END = re.compile(r"(?<=[.!?\u06d4\u0964\u3002])\s+")


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs, then sentences, then words, then characters: the largest that fit."""
    if len(text) <= limit:
        return [text]
    for splitter in (
        lambda t: t.split("\n\n"),
        lambda t: t.split("\n"),
        _SENTENCE_END.split,
        str.split,
    ):
        parts = [p for p in splitter(text) if p]
        if len(parts) > 1:
            return [piece for part in parts for piece in _pieces(part, limit)]
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks under `limit`, broken at paragraph or sentence ends where possible."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit - 2):
        joiner = "\n\n" if current else ""
        if len(current) + len(joiner) + len(piece) <= limit:
            current += joiner + piece
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


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
    chunks = split_text(message.text) if message.text else []
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
