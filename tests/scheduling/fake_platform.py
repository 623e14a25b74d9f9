"""A chat platform on 127.0.0.1 for delivery tests: records every message, gives each
distinct message one id (so a duplicate is visible), and can slow down, throttle with 429
and `retry_after`, fail with 500 for a while, or report a user as having blocked the bot."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    at: float
    text: str
    address: str
    status: int


@dataclass
class FakePlatform:
    delay: float = 0.0
    storm_seconds: float = 0.0  # answer everything with 429 for this long after the first
    retry_after: float = 1.0
    outage_seconds: float = 0.0  # answer everything with 500 for this long after the first
    blocked: set[str] = field(default_factory=set)
    log: list[Received] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        text, address = body["text"], body["address"]
        with self._lock:
            now = time.monotonic()
            self._first = getattr(self, "_first", None) or now
            if now - self._first < self.outage_seconds:
                self.log.append(Received(time.monotonic(), text, address, 500))
                return web.json_response({"ok": False, "description": "oops"}, status=500)
            if now - self._first < self.storm_seconds:
                self.log.append(Received(time.monotonic(), text, address, 429))
                return web.json_response({"ok": False, "retry_after": self.retry_after}, status=429)
            if address in self.blocked:
                self.log.append(Received(time.monotonic(), text, address, 403))
                return web.json_response(
                    {"ok": False, "description": "bot was blocked"}, status=403
                )
            message_id = self.ids.setdefault(text, len(self.ids) + 1)
            self.log.append(Received(time.monotonic(), text, address, 200))
        return web.json_response({"ok": True, "message_id": message_id})

    @property
    def delivered(self) -> Counter[str]:
        with self._lock:
            return Counter(r.text for r in self.log if r.status == 200)

    def start(self) -> str:
        ready = threading.Event()
        holder: dict[str, object] = {}

        def serve() -> None:
            loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/send", self.handle)
            runner = web.AppRunner(app)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            holder["port"] = runner.addresses[0][1]
            holder["loop"], holder["runner"] = loop, runner
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        self._holder = holder
        return f"http://127.0.0.1:{holder['port']}/send"

    def stop(self) -> None:
        loop = self._holder["loop"]
        loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]
        self._thread.join(10)
