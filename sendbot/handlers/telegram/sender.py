"""Delivering outbox messages on Telegram, reporting what happened as a `SendOutcome`.

429 carries Telegram's `retry_after`, passed on so the worker waits exactly that long; 403
means the person blocked the bot (or deleted their account): blocked, and the worker marks
the identity inactive and tells the school once (`services.parents.mark_blocked`). Network
trouble and time-outs are worth retrying; any other API error is a failure to look at.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.telegram.layout import parts, send_part
from sendbot.handlers.telegram.pacing import seconds

log = logging.getLogger(__name__)


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
