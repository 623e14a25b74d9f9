"""A fake Slack Web API on 127.0.0.1 that records every call the real slack_sdk makes.

It answers the methods sendbot uses with the shapes Slack documents, and can be told to
fail a method next (a 429 with Retry-After, a 500, an API error) to test how failures are
handled. `response_url`s and file upload URLs point back at it too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

TEAM_ID = "T0OAKFIELD"
BOT_USER = "U0SENDBOT"
UPLOAD = "upload"  # the file upload URL, which is not an API method


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (path, json) to response_urls
        self.uploads: list[bytes] = []
        self.shared_files: list[dict[str, Any]] = []  # files a completed upload put in a chat
        self.users: dict[str, dict[str, Any]] = {}
        self.scripted: dict[str, list[Scripted]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed: asyncio.Event | None = None
        self.socket: web.WebSocketResponse | None = None
        self.socket_replies: dict[str, dict[str, Any]] = {}
        self.latency: dict[str, float] = {}  # seconds a method takes to answer, as over a network
        # Files people shared, by id: (name, mimetype, bytes). files.info describes them and
        # their url_private_download serves them to a request with the bot's token.
        self.files: dict[str, tuple[str, str, bytes]] = {}
        self.downloads: list[tuple[str, str]] = []  # (file id, token) of each download

    # --- set-up ---------------------------------------------------------------------------

    def add_user(self, user_id: str, email: str, team_id: str = TEAM_ID, **extra: Any) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": email.split("@")[0],
            "deleted": False,
            "is_bot": False,
            "profile": {"email": email, "real_name": email.split("@")[0]},
            **extra,
        }

    def fail_next(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.scripted.setdefault(method, []).append(Scripted(status, body, headers or {}))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._changed = asyncio.Event()

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- reading what was sent --------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls of one method, once there are `count` of them (or fail after timeout)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.called(method)) < count:
            if asyncio.get_running_loop().time() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"{method} was called {len(self.called(method))} times, wanted {count}; calls: {seen}"
                )
            await asyncio.sleep(0.01)
        return self.called(method)

    async def wait_for_response(
        self, count: int = 1, timeout: float = 10.0
    ) -> list[tuple[str, dict[str, Any]]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.responses) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("no message was posted to the response_url")
            await asyncio.sleep(0.01)
        return self.responses

    # --- handlers -------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.read()
            kind = request.content_type
            if kind == "application/json":
                params.update(json.loads(raw or b"{}"))
            elif kind == "application/x-www-form-urlencoded":
                params.update(dict(parse_qsl(raw.decode())))
            elif kind.startswith("multipart/"):
                params["_multipart"] = True
        for key in ("view", "blocks", "files"):
            if isinstance(params.get(key), str):
                with suppress(json.JSONDecodeError):
                    params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call(method, params, auth.removeprefix("Bearer ") or params.get("token")))
        await asyncio.sleep(self.latency.get(method, 0.0))
        scripted = self.scripted.get(method)
        if scripted:
            answer = scripted.pop(0)
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)
        body = self._answer(method, params)
        return web.json_response(body)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://oakfield.slack.com/",
                "team": "Oakfield Primary",
                "user": "sendbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER,
                "bot_id": "B0SENDBOT",
                "is_enterprise_install": False,
            }
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            user = next(
                (u for u in self.users.values() if u["profile"]["email"].lower() == email), None
            )
            return {"ok": True, "user": user} if user else {"ok": False, "error": "users_not_found"}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = dict(params.get("view") or {})
            view.update({"id": f"V{n:08d}", "hash": f"{n}.hash", "state": {"values": {}}})
            return {"ok": True, "view": view}
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return {
                "ok": True,
                "channel": channel,
                "ts": f"1764000000.{n:06d}",
                "message": {"text": params.get("text")},
            }
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1764000000.{n:06d}"}
        if method == "files.info":
            return self._file_info(str(params.get("file")))
        if method == "files.getUploadURLExternal":
            file_id = f"F{n:08d}"
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            self.shared_files += [{**f, "channel_id": params.get("channel_id")} for f in files]
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title", "")} for f in files],
            }
        return {"ok": True}

    # --- Socket Mode ----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SENDBOT"}}
        )
        self.socket = ws
        async for message in ws:
            if message.type.name == "TEXT":
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.socket_replies[data["envelope_id"]] = data
        return ws

    async def envelope(
        self, kind: str, payload: dict[str, Any], timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send one Socket Mode envelope and wait for the app's acknowledgement."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.socket is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the app never opened the Socket Mode connection")
            await asyncio.sleep(0.02)
        envelope_id = f"env-{next(self._ids)}"
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        while envelope_id not in self.socket_replies:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the app did not acknowledge the envelope")
            await asyncio.sleep(0.02)
        return self.socket_replies[envelope_id]

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append((request.match_info["name"], await request.json()))
        return web.Response(text="ok")

    def _file_info(self, file_id: str) -> dict[str, Any]:
        """files.info's answer: the File object, with its private URLs (the bot's token reads them)."""
        if file_id not in self.files:
            return {"ok": False, "error": "file_not_found"}
        name, mimetype, data = self.files[file_id]
        base = f"http://127.0.0.1:{self.port}/files-pri/{TEAM_ID}-{file_id}"
        return {
            "ok": True,
            "file": {
                "id": file_id,
                "created": 1764000000,
                "timestamp": 1764000000,
                "name": name,
                "title": name,
                "mimetype": mimetype,
                "filetype": name.rsplit(".", 1)[-1],
                "user": "U0TEACHER",
                "size": len(data),
                "mode": "hosted",
                "is_external": False,
                "is_public": False,
                "url_private": f"{base}/{name}",
                "url_private_download": f"{base}/download/{name}",
            },
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    async def _download(self, request: web.Request) -> web.Response:
        """url_private_download: only with the bot's token, as Slack requires."""
        file_id = request.match_info["team_file"].split("-", 1)[1]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.downloads.append((file_id, token))
        if not token.startswith("xoxb-") or file_id not in self.files:
            return web.Response(status=404, text="Not found")
        return web.Response(body=self.files[file_id][2], content_type=self.files[file_id][1])

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL; `fail_next(UPLOAD, ...)` makes it answer an error instead."""
        body = await request.read()
        scripted = self.scripted.get(UPLOAD)
        if scripted:
            answer = scripted.pop(0)
            return web.Response(text="error", status=answer.status, headers=answer.headers)
        self.uploads.append(body)
        return web.Response(text="OK")


@contextmanager
def fake_slack_in_thread() -> Iterator[tuple[FakeSlack, asyncio.AbstractEventLoop]]:
    """The fake server on its own event loop, for tests that drive a subprocess."""
    fake = FakeSlack()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield fake, loop
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
