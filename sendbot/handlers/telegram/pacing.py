"""Pacing every Bot API call the bot makes, through python-telegram-bot's rate-limiter hook.

Telegram's limit (about 30 a second per bot) counts what reaches its API, not the messages
we think in: an invitation is two calls (its text and its .ics), a long text one call per
part, and a tap's answer and a language menu are calls too. So the pace is kept here, under
every call the Application's bot makes (outbox deliveries, replies, taps, menus), not per
message in the worker. A 429 pauses every call for Telegram's `retry_after`, then the error
goes on to the caller, which keeps the message to send again. `getUpdates` is never paced
(the library's rule).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

DEFAULT_CALLS_PER_SECOND = 30.0


def seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class CallPacer(BaseRateLimiter[None]):
    """At most `per_second` calls a second across this process's bot, none during a 429's
    wait. Several processes on one token each keep their own pace (docs/deploy.md)."""

    def __init__(self, per_second: float | None = DEFAULT_CALLS_PER_SECOND) -> None:
        self._gap = 1.0 / per_second if per_second else 0.0
        self._last = float("-inf")
        self._paused_until = 0.0
        self._queue = asyncio.Lock()  # first come, first served

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def pause(self, wait_seconds: float) -> None:
        until = time.monotonic() + max(0.0, wait_seconds)
        self._paused_until = max(self._paused_until, until)

    async def _turn(self) -> None:
        """Wait until `_gap` after the previous call went (and any 429's wait is over).

        Measured from when the previous call really went, so a busy moment that delays some
        calls never lets them go together afterwards."""
        if not self._gap and self._paused_until <= time.monotonic():
            return
        async with self._queue:
            while True:
                now = time.monotonic()
                ready = max(self._paused_until, self._last + self._gap)
                if ready <= now:
                    self._last = now
                    return
                await asyncio.sleep(ready - now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        await self._turn()
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            self.pause(seconds(error.retry_after))
            raise
