"""Laying out an `OutgoingMessage` in Telegram: text in pieces of at most 4,096 characters
(counted as Telegram counts them, after defusing), buttons, files."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)

from sendbot.delivery.contract import Attachment, Button, OutgoingMessage
from sendbot.delivery.text import split, utf16_len

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes of callback data Telegram accepts
# Telegram turns "@name" in plain text into a link to that account, and tg:// into a link
# that can open a profile. A word joiner after the '@' (and in "tg:") leaves the words
# readable and links no one; an email address (a letter before the '@') is left alone.
_MENTION = re.compile(r"(?<![\w.])@(?=\w)")
_TG_LINK = re.compile(r"tg:(?=//)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters as Telegram counts them (UTF-16 code units, so
    an emoji counts twice), broken at a paragraph, line or sentence end where one is near,
    else between words; nothing but the break itself is lost."""
    return split(text, limit, size=utf16_len)


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


@dataclass(frozen=True)
class Part:
    """One Bot API call of a message: a piece of its text, or one attachment."""

    name: str  # "text.1", "text.2", ... then "file.1", "file.2", ...
    text: str | None = None
    markup: InlineKeyboardMarkup | None = None
    attachment: Attachment | None = None


def parts(message: OutgoingMessage) -> list[Part]:
    """The calls that send a message: its text in pieces (buttons under the last), then
    each attachment as a document. Raises ValueError for a message that cannot be laid out."""
    chunks = split_text(defuse(message.text)) if message.text else []
    markup = keyboard(message.buttons)
    laid = [
        Part(f"text.{n}", text=chunk, markup=markup if n == len(chunks) else None)
        for n, chunk in enumerate(chunks, start=1)
    ]
    laid += [Part(f"file.{n}", attachment=a) for n, a in enumerate(message.attachments, start=1)]
    if not laid:
        raise ValueError("nothing to send")
    return laid


async def send_part(bot: Bot, chat_id: int | str, part: Part) -> Message:
    """Make one part's call. Raises python-telegram-bot's errors."""
    if part.attachment is None:
        return await bot.send_message(
            chat_id=chat_id,
            text=part.text or "",
            reply_markup=part.markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    attachment = part.attachment
    return await bot.send_document(
        chat_id=chat_id,
        document=InputFile(io.BytesIO(attachment.content), filename=attachment.filename),
        caption=(attachment.title or None) and attachment.title[:1024],
    )


async def deliver(bot: Bot, chat_id: int | str, message: OutgoingMessage) -> Message:
    """Send the text (buttons under its last part), then each attachment as a document;
    returns the first message sent.

    Raises python-telegram-bot's errors; callers decide what they mean.
    """
    sent = [await send_part(bot, chat_id, part) for part in parts(message)]
    return sent[0]
