"""A fake Telegram Bot API on 127.0.0.1 that enforces the platform's flood limit.

Like `tests.telegram.fake_bot_api` it answers over real HTTP, but in its own process (as
Telegram's servers are not in ours: the fake must not take the benchmarked process's CPU or
its GIL), and it keeps counts instead of every call: accepted messages per chat (to find
duplicates and losses) and the 429s it answered, read back from `GET /stats`. More than `per_second` messages in any one-second
window gets `429 Too Many Requests` with `retry_after`, as Telegram does.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from aiohttp import web

from sendbot.services.rate_limit import SLOW_DOWN

TOKEN = "123456:BENCH-token-for-a-fake-server"
BOT = {"id": 123456, "is_bot": True, "first_name": "sendbot", "username": "bench_send_bot"}


class RateLimitedBotApi:
    def __init__(self, per_second: int = 30, retry_after: int = 1) -> None:
        self.per_second = per_second
        self.retry_after = retry_after
        self.accepted: collections.Counter[int] = collections.Counter()
        self.throttled = 0
        self.slowed = 0  # replies that were the inbound rate limit's "please slow down"
        self.calls = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._window: collections.deque[float] = collections.deque()
        self._ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RateLimitedBotApi:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application()
            app.router.add_post("/bot{token}/{method}", self._api)
            app.router.add_get("/stats", self._stats)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="bench-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.accepted.values() if n > 1)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "accepted": {str(k): v for k, v in self.accepted.items()},
                "throttled": self.throttled,
                "slowed": self.slowed,
            }
        )

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params: dict[str, Any] = await request.json()
        else:
            params = {k: _decode(str(v)) for k, v in (await request.post()).items()}
        self.calls += 1
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT})
        if method not in ("sendMessage", "sendDocument"):
            return web.json_response({"ok": True, "result": True})
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.per_second:
            self.throttled += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.retry_after}",
                    "parameters": {"retry_after": self.retry_after},
                },
                status=429,
            )
        self._window.append(now)
        chat_id = int(params["chat_id"])
        self.accepted[chat_id] += 1
        self.slowed += SLOW_DOWN[:40] in str(params.get("text", ""))
        self.first_at = self.first_at or now
        self.last_at = now
        return web.json_response(
            {
                "ok": True,
                "result": {
                    "message_id": next(self._ids),
                    "from": BOT,
                    "chat": {"id": chat_id, "type": "private", "first_name": "Parent"},
                    "date": int(time.time()),
                    "text": str(params.get("text", "")),
                },
            }
        )


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotApiProcess:
    """`RateLimitedBotApi` in a child process on 127.0.0.1; counts come back from /stats."""

    def __init__(self, per_second: int = 30, retry_after: int = 1) -> None:
        self.per_second = per_second
        self.retry_after = retry_after
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotApiProcess:
        root = Path(__file__).resolve().parents[1]
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.fakes",
                "--per-second",
                str(self.per_second),
                "--retry-after",
                str(self.retry_after),
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError("the fake Bot API process did not start")
        self.port = int(line)
        return self

    def stats(self) -> tuple[collections.Counter[int], int, int]:
        """Messages accepted per chat, 429s answered, and "please slow down" replies seen."""
        with urllib.request.urlopen(f"{self.url}/stats", timeout=10) as response:
            data = json.loads(response.read())
        accepted = collections.Counter({int(k): int(v) for k, v in data["accepted"].items()})
        return accepted, int(data["throttled"]), int(data["slowed"])

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-second", type=int, default=30)
    parser.add_argument("--retry-after", type=int, default=1)
    args = parser.parse_args()
    api = RateLimitedBotApi(args.per_second, args.retry_after).start()
    print(api.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()


if __name__ == "__main__":
    main()
