"""A local LibreTranslate stand-in: its /translate and /detect API on 127.0.0.1, any port.

Behaviour is switched per test with `mode`: "ok" translates by a fixed table (or tags the
text), "slow" answers after the client's time-out, "error" answers 400/500 with LibreTranslate's
JSON error shape, "html" and "nonsense" answer with things that are not a translation.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeLibreTranslate:
    mode: str = "ok"
    api_key: str | None = None
    table: dict[tuple[str, str], str] = field(default_factory=dict)
    detect_as: tuple[str, float] = ("pl", 90.0)
    slow_seconds: float = 2.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        app.router.add_post("/detect", self._detect)
        return app

    async def _guard(
        self, request: web.Request
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        body = await request.json()
        self.requests.append({"path": request.path, **body})
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return None, web.json_response({"error": "Invalid API key"}, status=403)
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.mode == "error":
            return None, web.json_response({"error": "Internal error"}, status=500)
        if self.mode == "html":
            return None, web.Response(text="<html>Bad gateway</html>", content_type="text/html")
        return body, None

    async def _translate(self, request: web.Request) -> web.Response:
        body, failure = await self._guard(request)
        if failure is not None:
            return failure
        assert body is not None
        if self.mode == "nonsense":
            return web.json_response({"translatedText": 42, "detail": ["?"]})
        if self.mode == "empty":
            return web.json_response({"translatedText": "   "})
        if body.get("target") not in {
            "pl",
            "ro",
            "ur",
            "pa",
            "bn",
            "ar",
            "so",
            "pt",
            "es",
            "uk",
            "gu",
            "ta",
            "en",
        }:
            return web.json_response(
                {"error": f"{body.get('target')} is not supported"}, status=400
            )
        text = str(body["q"])
        translated = self.table.get((text, body["target"]), f"[{body['target']}] {text}")
        return web.json_response({"translatedText": translated})

    async def _detect(self, request: web.Request) -> web.Response:
        body, failure = await self._guard(request)
        if failure is not None:
            return failure
        if self.mode == "nonsense":
            return web.json_response({"language": "??"})
        language, confidence = self.detect_as
        return web.json_response([{"language": language, "confidence": confidence}])


@contextmanager
def running(fake: FakeLibreTranslate) -> Iterator[FakeLibreTranslate]:
    """Serve the fake on an ephemeral port in a background thread for the block's duration."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner = web.AppRunner(fake.app())

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        fake.url = f"http://127.0.0.1:{port}"
        started.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10), "fake LibreTranslate did not start"
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
