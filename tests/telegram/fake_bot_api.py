"""A fake Telegram Bot API on 127.0.0.1 that records every call python-telegram-bot makes.

It runs on its own thread and event loop, so the Application under test (in the test's loop
or in a `sendbot serve` subprocess) reaches it over real HTTP. It answers the methods sendbot
uses with the shapes the Bot API documents (`{"ok": true, "result": ...}`), and can be told
to fail a method next: 429 with `parameters.retry_after`, 403 "bot was blocked by the user".
It can also keep a flood limit (`flood`): more sends a second than allowed get Telegram's
429, and it serves updates to `getUpdates` (`push_update`), confirming them by `offset`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-for-a-fake-server"
BOT_ID = 123456
BOT_USERNAME = "oakfield_send_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # when it arrived, on this machine

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of each inline button, in order."""
        markup = self.params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


# The Bot API refuses text over 4,096 characters, counted in UTF-16 code units (as its
# entity offsets are), after entities are parsed.
TEXT_LIMIT = 4096
TOO_LONG = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._ids = itertools.count(1000)
        self._flood: tuple[int, int, Callable[[], float]] | None = None
        self._accepted: list[float] = []
        self.updates: list[dict[str, Any]] = []
        # Files a user sent, by file_id: getFile describes them and /file/bot<token>/<path>
        # serves them, as the Bot API does.
        self.files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- set-up ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, method: str, status: int, body: dict[str, Any]) -> None:
        self.failures.setdefault(method, []).append((status, body))

    def flood(
        self, per_second: int | None, retry_after: int = 1, clock: Callable[[], float] | None = None
    ) -> None:
        """Allow `per_second` sends (messages and documents) in any second of `clock`; answer
        the rest 429 with `parameters.retry_after`, as Telegram's flood control does."""
        with self._lock:
            self._accepted.clear()
            self._flood = (
                None if per_second is None else (per_second, retry_after, clock or time.monotonic)
            )

    def push_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self.updates.append(update)

    def start(self) -> FakeBotApi:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application(client_max_size=20_000_000)
            app.router.add_post("/bot{token}/{method}", self._api)
            app.router.add_get("/file/bot{token}/{path:.+}", self._file)
            self._runner = web.AppRunner(app)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-bot-api", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # --- reading what happened ------------------------------------------------------------

    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c for c in calls if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        """What the chat was sent: the messages Telegram accepted."""
        return [c.params["text"] for c in self.of("sendMessage", chat_id) if c.status == 200]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.updates.clear()
            self._flood = None
            self._accepted.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.of(method))} times, wanted {count}")

    # --- the API --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name or ""] = (part.filename, bytes(await part.read()))
                else:
                    params[part.name or ""] = _decode(await part.text())
        else:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        if method == "getUpdates":
            return await self._get_updates(params)
        with self._lock:
            call = Call(method, params, files)
            self.calls.append(call)
            scripted = self.failures.get(method)
            failure = scripted.pop(0) if scripted else None
            if failure is None:
                failure = self._flooded(method)
            if failure is not None:
                call.status = failure[0]
        if failure is not None:
            status, body = failure
            return web.json_response(body, status=status)
        if method == "sendMessage" and _utf16_len(str(params.get("text", ""))) > TEXT_LIMIT:
            return web.json_response(TOO_LONG, status=400)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        with self._lock:
            self.calls.append(Call("file", {"path": path}, {}))
            data = self.files.get(path.rsplit("/", 1)[-1].split(".", 1)[0])
        return web.Response(status=404) if data is None else web.Response(body=data)

    def _flooded(self, method: str) -> tuple[int, dict[str, Any]] | None:
        """Called under the lock: Telegram's answer when this send is over the limit."""
        if self._flood is None or method not in ("sendMessage", "sendDocument"):
            return None
        per_second, retry_after, clock = self._flood
        now = clock()
        self._accepted = [t for t in self._accepted if t > now - 1.0]
        if len(self._accepted) < per_second:
            self._accepted.append(now)
            return None
        return 429, {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        """Updates from `offset` on (the ones before it are confirmed and forgotten), waiting
        a little for one when there are none, as a long poll does."""
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
        with self._lock:
            self.calls.append(Call("getUpdates", params, {}))
        while True:
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = list(self.updates)
            if ready or time.monotonic() >= deadline:
                return web.json_response({"ok": True, "result": ready})
            await asyncio.sleep(0.05)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Oakfield sendbot",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("sendMessage", "sendDocument"):
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Oakfield sendbot"},
                "chat": {"id": chat_id, "type": "private", "first_name": "Parent"},
                "date": int(time.time()),
            }
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            else:
                message["document"] = {
                    "file_id": f"doc{message['message_id']}",
                    "file_unique_id": f"u{message['message_id']}",
                    "file_name": "meeting.ics",
                }
            return message
        if method == "getFile":  # the File object: file_path is where to download it
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"photos/{file_id}.jpg",
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "editMessageText":  # the edited Message, as for a message the bot sent
            return {
                "message_id": int(params["message_id"]),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Oakfield sendbot"},
                "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "Staff"},
                "date": int(time.time()),
                "edit_date": int(time.time()),
                "text": params.get("text", ""),
            }
        return True


# --- payloads shaped like the Bot API's --------------------------------------------------

_update_ids = itertools.count(500_000)
_message_ids = itertools.count(1)


def person(
    user_id: int, first_name: str = "Anna", language_code: str | None = "pl"
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _message(user: dict[str, Any], text: str, chat_type: str = "private") -> dict[str, Any]:
    chat: dict[str, Any] = {"id": user["id"], "type": chat_type, "first_name": user["first_name"]}
    if chat_type != "private":
        chat = {"id": -1001234567890, "type": chat_type, "title": "Year 3 parents"}
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": user,
        "chat": chat,
        "date": 1795000000,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return message


def photo_update(
    user: dict[str, Any], file_id: str, size: int, caption: str | None = None
) -> dict[str, Any]:
    """A photo as Telegram sends it: several sizes (PhotoSize), the largest last."""
    message = _message(user, "")
    del message["text"]
    message["photo"] = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 67,
         "file_size": min(size, 1200)},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960,
         "file_size": size},
    ]  # fmt: skip
    if caption:
        message["caption"] = caption
    return {"update_id": next(_update_ids), "message": message}


def document_update(
    user: dict[str, Any], file_id: str, size: int, name: str, mime: str
) -> dict[str, Any]:
    """A file sent as a document (Document), with the name and type the phone gave it."""
    message = _message(user, "")
    del message["text"]
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": name,
        "mime_type": mime,
        "file_size": size,
    }
    return {"update_id": next(_update_ids), "message": message}


def text_update(user: dict[str, Any], text: str, chat_type: str = "private") -> dict[str, Any]:
    return {"update_id": next(_update_ids), "message": _message(user, text, chat_type)}


def edited_update(user: dict[str, Any], text: str) -> dict[str, Any]:
    message = _message(user, text)
    message["edit_date"] = message["date"] + 30
    return {"update_id": next(_update_ids), "edited_message": message}


def tap_update(
    user: dict[str, Any],
    data: str,
    message_text: str = "…",
    reply_markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A tap on a button; `reply_markup` is the tapped message's keyboard, as Telegram sends
    it with the tap."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Oakfield sendbot"},
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
        "date": 1795000000,
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user,
            "message": message,
            "chat_instance": "-4242424242",
            "data": data,
        },
    }
