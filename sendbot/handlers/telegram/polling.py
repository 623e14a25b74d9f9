"""Long polling that never lets go of an update it could not store.

Telegram forgets an update once a `getUpdates` call asks for a later `offset`. The library's
`Updater` asks for the next offset as soon as it has fetched a batch, so an update that then
failed for want of the database was gone: a parent's message lost while the webhook path,
answering 503, would have had it again. Here the offset moves past an update only once it
was handled (or was a repeat, or failed for a reason a retry would not cure, as the webhook
answers 200 then too). An update that failed for want of the database stops the batch: after
a back-off (doubling, up to `max_backoff` seconds) the same updates are fetched again, in the
same order, and the chat router's claim skips any that had been handled after all.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError

from sendbot.handlers.telegram.bot import TelegramBot

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self,
        bot: TelegramBot,
        allowed_updates: list[str],
        *,
        timeout_seconds: int = 30,
        first_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.bot = bot
        self.allowed_updates = allowed_updates
        self.timeout_seconds = timeout_seconds
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.offset: int | None = None
        self._failures = 0

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            updates = await self._fetch()
            if updates is None or not await self._handle(updates):
                await self._back_off()
            else:
                self._failures = 0

    async def _fetch(self) -> list[Update] | None:
        try:
            return list(
                await self.bot.application.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout_seconds,
                    allowed_updates=self.allowed_updates,
                )
            )
        except TelegramError as error:  # the network, Telegram, another poller on the token
            log.warning("telegram: getUpdates failed: %s", error.message)
            return None

    async def _handle(self, updates: list[Update]) -> bool:
        """Handle a batch in order; False at the first update to be fetched again."""
        for update in updates:
            await self.bot.application.process_update(update)
            if self.bot.should_retry(update):
                log.warning("telegram: update %s will be fetched again", update.update_id)
                return False
            self.offset = update.update_id + 1
        return True

    async def _back_off(self) -> None:
        self._failures += 1
        wait = min(self.max_backoff, self.first_backoff * 2 ** (self._failures - 1))
        await asyncio.sleep(wait)
