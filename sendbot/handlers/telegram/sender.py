"""Delivering outbox messages on Telegram, reporting what happened as a `SendOutcome`.

429 carries Telegram's `retry_after`, passed on so the worker waits exactly that long; 403
means the person blocked the bot (or deleted their account): blocked, and the worker marks
the identity inactive and tells the school once (`services.parents.mark_blocked`). Network
trouble and time-outs are worth retrying; any other API error is a failure to look at.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.telegram.layout import defuse, keyboard, parts, send_part
from sendbot.handlers.telegram.pacing import seconds

log = logging.getLogger(__name__)

# Telegram's answers when a message cannot be edited because there is nothing to change.
GONE = re.compile(
    r"message to edit not found|message is not modified|message can't be edited", re.I
)


def outcome_for(error: TelegramError) -> SendOutcome:
    if isinstance(error, RetryAfter):
        return SendOutcome.retry(seconds(error.retry_after), "telegram: flood control")
    if isinstance(error, Forbidden):
        return SendOutcome.blocked(f"telegram: {error.message}")
    if isinstance(error, BadRequest):
        return SendOutcome.failed(f"telegram: {error.message}")
    if isinstance(error, (TimedOut, NetworkError)):
        return SendOutcome.retry(None, f"telegram: {type(error).__name__}: {error.message}")
    return SendOutcome.failed(f"telegram: {error.message}")


class TelegramSender:
    """The `Sender` for Telegram identities (addresses are private chat ids).

    A message goes part by part (`layout.parts`: text pieces, then documents); a part
    already delivered is skipped, so a retry after a failed document resends nothing else.
    """

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        if message.replaces:
            return await self._update(recipient, message.replaces, message)
        return await self._send_parts(recipient, message)

    async def _update(
        self, recipient: Recipient, message_id: str, message: OutgoingMessage
    ) -> SendOutcome:
        """The copy sent before (its message id, as `send` recorded it), changed in place."""
        if not message_id.isdigit():  # a copy sent on another platform: nothing to change here
            return SendOutcome("sent", platform_message_id=message_id, detail="not a Telegram copy")
        try:
            await self.bot.edit_message_text(
                chat_id=int(recipient.address),
                message_id=int(message_id),
                text=defuse(message.text),
                reply_markup=keyboard(message.buttons),
            )
        except BadRequest as error:  # gone, or already saying this: no copy left to mislead
            if GONE.search(error.message):
                return SendOutcome("sent", platform_message_id=message_id, detail=error.message)
            return outcome_for(error)
        except TelegramError as error:
            return outcome_for(error)
        return SendOutcome.sent(message_id)

    async def _send_parts(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        done = dict(message.delivered)
        fresh: dict[str, str] = {}
        try:
            planned = parts(message)
            for part in planned:
                if part.name not in done:
                    sent = await send_part(self.bot, int(recipient.address), part)
                    fresh[part.name] = str(sent.message_id)
        except TelegramError as error:
            outcome = outcome_for(error)
            log.warning("telegram delivery to %s: %s", recipient.address, outcome.detail)
            return replace(outcome, parts=tuple(fresh.items()))
        except ValueError as error:  # a message we cannot lay out: a bug, not worth retrying
            return SendOutcome.failed(f"telegram: {error}")
        return SendOutcome.sent({**done, **fresh}[planned[0].name])
