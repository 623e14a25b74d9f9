"""A fake of Microsoft's side of a Teams bot on 127.0.0.1: the Bot Connector service, the
token endpoint, and the channel's OpenID metadata with the key set that signs its requests.

It runs on its own thread and event loop and answers the documented REST shapes:
`POST /v3/conversations/{id}/activities` (a new message, answered with its id),
`PUT /v3/conversations/{id}/activities/{activityId}` (an update in place),
`GET /v3/conversations/{id}/members/{userId}` (a member with email and user principal name),
`POST /token` (client credentials), `GET /openid` and `GET /keys`. Connector calls must
carry the token it issued. It can be told to answer the next POSTs with 429 and Retry-After, or another status.
`sign` makes the bearer token the channel would send with an activity (RS256, the
channel's issuer, our app id as audience); `sign(..., key=other)` one from an impostor.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-4000-8000-0000000000a1"
TENANT = "00000000-0000-4000-8000-0000000000b2"
OTHER_TENANT = "00000000-0000-4000-8000-0000000000c3"
SECRET = "test-client-secret"
ISSUED_TOKEN = "fake-bot-connector-token"
BOT_ID = f"28:{APP_ID}"
KID = "test-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    status: int

    @property
    def conversation(self) -> str:
        return self.path.split("/")[3]

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    @property
    def text(self) -> str:
        """The message's words: its text, or its card's text blocks."""
        if self.body.get("text"):
            return str(self.body["text"])
        card = self.card or {}
        return "\n".join(b["text"] for b in card.get("body", []) if b["type"] == "TextBlock")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        card = self.card or {}
        return [(a["title"], a["data"]["sendbot"]) for a in card.get("actions", [])]

    @property
    def images(self) -> list[str]:
        card = self.card or {}
        return [b["url"] for b in card.get("body", []) if b["type"] == "Image"]


class FakeMicrosoft:
    def __init__(self) -> None:
        self.key = new_key()
        self.calls: list[Call] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.throttle: list[int] = []  # Retry-After seconds for the next POSTs
        self.refuse: list[int] = []  # statuses for the next POSTs (403: the app was removed)
        self.tokens_issued = 0
        self.graph_users: list[dict[str, Any]] = []  # Microsoft Graph's /users, two a page
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.url}/"

    # --- what the channel would send -------------------------------------------------------

    def sign(
        self,
        *,
        key: rsa.RSAPrivateKey | None = None,
        audience: str = APP_ID,
        expires_in: int = 3600,
        service_url: str | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://api.botframework.com",
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "serviceurl": service_url or self.service_url,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KID})

    def member(self, user_id: str, aad: str, email: str, role: str = "user") -> None:
        self.members[user_id] = {
            "id": user_id,
            "aadObjectId": aad,
            "email": email,
            "userPrincipalName": email,
            "name": email.split("@")[0],
            "userRole": role,
            "tenantId": TENANT,
        }

    # --- what was sent ----------------------------------------------------------------------

    def posts(self, conversation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == "POST" and (conversation is None or c.conversation == conversation)
        ]

    def puts(self, conversation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == "PUT" and (conversation is None or c.conversation == conversation)
        ]

    def texts(self, conversation: str) -> list[str]:
        return [c.text for c in self.posts(conversation) if c.status == 201]

    # --- the server -------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {ISSUED_TOKEN}"

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"issuer": "https://api.botframework.com", "jwks_uri": f"{self.url}/keys"}
        )

    async def _keys(self, request: web.Request) -> web.Response:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update(kid=KID, use="sig", alg="RS256")
        return web.json_response({"keys": [public]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != APP_ID or form.get("client_secret") != SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        self.tokens_issued += 1
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": ISSUED_TOKEN}
        )

    async def _post(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        body = await request.json()
        if self.throttle:
            wait = self.throttle.pop(0)
            self.calls.append(Call("POST", request.path, body, 429))
            return web.json_response(
                {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": str(wait)}
            )
        if self.refuse:
            status = self.refuse.pop(0)
            self.calls.append(Call("POST", request.path, body, status))
            return web.json_response({"error": {"code": "Refused"}}, status=status)
        self.calls.append(Call("POST", request.path, body, 201))
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        body = await request.json()
        self.calls.append(Call("PUT", request.path, body, 200))
        return web.json_response({"id": request.match_info["activity"]})

    async def _graph_users(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        start = int(request.query.get("skip", "0"))
        page: dict[str, Any] = {"value": self.graph_users[start : start + 2]}
        if start + 2 < len(self.graph_users):
            page["@odata.nextLink"] = f"{self.url}/graph/users?skip={start + 2}"
        return web.json_response(page)

    async def _get_member(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        found = self.members.get(request.match_info["user"])
        if found is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(found)

    def start(self) -> FakeMicrosoft:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_get("/openid", self._openid)
            app.router.add_get("/keys", self._keys)
            app.router.add_get("/graph/users", self._graph_users)
            app.router.add_post("/token", self._token)
            app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
            app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
            app.router.add_get("/v3/conversations/{conversation}/members/{user}", self._get_member)
            self._runner = web.AppRunner(app)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def down() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(down(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)


def activity(
    fake: FakeMicrosoft,
    user_id: str,
    aad: str,
    text: str = "",
    *,
    value: dict[str, Any] | None = None,
    conversation_type: str = "personal",
    tenant: str = TENANT,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """A message activity as Teams posts it to the bot's messaging endpoint."""
    body: dict[str, Any] = {
        "type": "message",
        "id": activity_id or f"in-{next(_inbound)}",
        "channelId": "msteams",
        "serviceUrl": fake.service_url,
        "from": {"id": user_id, "aadObjectId": aad, "name": user_id},
        "recipient": {"id": BOT_ID, "name": "sendbot"},
        "conversation": {
            "id": conversation_of(user_id),
            "conversationType": conversation_type,
            "tenantId": tenant,
        },
        "channelData": {"tenant": {"id": tenant}},
        "text": text,
    }
    if value is not None:
        body["value"] = value
        body["text"] = ""
    return body


_inbound = itertools.count(1)


def conversation_of(user_id: str) -> str:
    return f"a:personal-{user_id.split(':')[-1]}"


def inputs(card: dict[str, Any]) -> list[str]:
    """The ids of a card's inputs, in order (a searched question's second box left out)."""
    return [
        b["id"]
        for b in card.get("body", [])
        if b["type"].startswith("Input.") and not b["id"].endswith("~again")
    ]


def value_of(card: dict[str, Any], input_id: str) -> Any:
    return next(b.get("value") for b in card["body"] if b.get("id") == input_id)


def choices_of(card: dict[str, Any], input_id: str) -> list[tuple[str, str]]:
    element = next(b for b in card["body"] if b.get("id") == input_id)
    return [(c["value"], c["title"]) for c in element.get("choices", [])]


def submit(
    fake: FakeMicrosoft,
    user: tuple[str, str],
    card: dict[str, Any],
    answers: dict[str, Any],
    *,
    reply_to: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The activity Teams posts when a card's first button (Action.Submit) is pressed: the
    button's data and the inputs' values together in `value`."""
    button = data if data is not None else card["actions"][0]["data"]
    body = activity(fake, *user, value={**answers, **button})
    if reply_to:
        body["replyToId"] = reply_to
    return body
