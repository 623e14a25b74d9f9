"""Reaching a chat platform at start-up without letting it take the rest of the server down.

`sendbot serve` runs Slack, Telegram, the health check and the clock in one process. If
one platform cannot be reached when it starts (a network outage, the platform answering
502), the others, the web pages and the scheduler keep going: the failure is said in one
log line, and the platform is tried again in the background, waiting longer each time up
to a limit, until it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[None]]
Describe = Callable[[BaseException], str]


@dataclass(frozen=True)
class Backoff:
    """How long to wait between tries: `first`, doubling up to `most` (seconds)."""

    first: float = 5.0
    most: float = 300.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.most)


DEFAULT = Backoff()  # 5 s, 10 s, 20 s ... then every 5 minutes


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def keep_connecting(
    app: web.Application,
    name: str,
    connect: Connect,
    *,
    describe: Describe = _one_line,
) -> None:
    """At start-up, `connect()` once; if it fails, say so and keep trying in the background.

    `connect` must be safe to call again after a failure part-way. `describe` turns its
    error into one line fit for the log (without secrets). The waits are `DEFAULT`'s.
    Register this before the platform's own clean-up, so the retrying stops before the
    platform is shut down.
    """
    waits = DEFAULT
    tasks: list[asyncio.Task[None]] = []

    async def retry() -> None:
        for attempt, delay in enumerate(waits.delays(), start=2):
            await asyncio.sleep(delay)
            try:
                await connect()
            except Exception as error:  # still unreachable: wait longer, then try again
                log.info("%s: still unreachable (%s)", name, describe(error))
                continue
            log.warning("%s: reached at try %d; serving it too now", name, attempt)
            return

    async def first_try(_: web.Application) -> None:
        try:
            await connect()
        except Exception as error:  # anything: this platform must not stop the others
            log.warning(
                "%s: cannot be reached at start-up (%s); serving everything else and "
                "trying again in the background",
                name,
                describe(error),
            )
            tasks.append(asyncio.create_task(retry()))

    async def stop_trying(_: web.Application) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(first_try)
    app.on_cleanup.append(stop_trying)
