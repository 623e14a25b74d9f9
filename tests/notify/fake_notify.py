"""GOV.UK Notify on 127.0.0.1, in the shapes its API documentation gives.

`POST /v2/notifications/sms` and `/v2/notifications/email` check the Authorization header
the real client builds (a JWT signed with the key's secret, `iss` the service id, issued
within 30 seconds) and answer 201 with the documented body. Answers can be scripted: the
next few requests get a given status and error (`answer_next`), and a phone number or
address can always be refused as invalid (`invalid`). Every request is recorded.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"sendbot_test-{SERVICE_ID}-{SECRET}"
SMS_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_TEMPLATE = "a1b2c3d4-2a88-4f6e-b855-c550268ce08b"

RATE_LIMITED = (
    429,
    "RateLimitError",
    "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
)
INVALID_NUMBER = (400, "ValidationError", "phone_number Not a UK mobile number")
TEAM_ONLY = (400, "BadRequestError", "Can't send to this recipient using a team-only API key")
BAD_KEY = (403, "AuthError", "Invalid token: API key not found")
OUTAGE = (500, "Exception", "Internal server error")


@dataclass
class Request:
    kind: str  # sms | email
    body: dict[str, Any]
    status: int
    notification_id: str | None = None


@dataclass
class FakeNotify:
    delay: float = 0.0
    invalid: set[str] = field(default_factory=set)
    log: list[Request] = field(default_factory=list)
    scripted: list[tuple[int, str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, answer: tuple[int, str, str], times: int = 1) -> None:
        with self._lock:
            self.scripted.extend([answer] * times)

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        token = header[len("Bearer ") :]
        try:
            return get_token_issuer(token) == SERVICE_ID and decode_jwt_token(token, SECRET)
        except TokenError:
            return False

    async def handle(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        to = body.get("phone_number") if kind == "sms" else body.get("email_address")
        with self._lock:
            answer: tuple[int, str, str] | None = None
            if not self._authorised(request):
                answer = (403, "AuthError", "Invalid token: signature, api token not found")
            elif self.scripted:
                answer = self.scripted.pop(0)
            elif to in self.invalid:
                answer = INVALID_NUMBER
            if answer is not None:
                self.log.append(Request(kind, body, answer[0]))
                status, error, message = answer
                return web.json_response(
                    {"status_code": status, "errors": [{"error": error, "message": message}]},
                    status=status,
                )
            created = _created(kind, body)
            self.log.append(Request(kind, body, 201, created["id"]))
        return web.json_response(created, status=201)

    @property
    def delivered(self) -> list[Request]:
        with self._lock:
            return [r for r in self.log if r.status == 201]

    def references(self) -> Counter[str]:
        return Counter(str(r.body.get("reference")) for r in self.delivered)

    def start(self) -> str:
        ready = threading.Event()
        holder: dict[str, Any] = {}

        def serve() -> None:
            loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/v2/notifications/{kind:sms|email}", self.handle)
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
        return f"http://127.0.0.1:{holder['port']}"

    def stop(self) -> None:
        loop = self._holder["loop"]
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)


def _created(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The 201 body of Notify's "Send a text message" / "Send an email" responses."""
    notification_id = str(uuid.uuid4())
    template_id = body["template_id"]
    personalisation = body.get("personalisation") or {}
    template = {
        "id": template_id,
        "version": 1,
        "uri": f"https://api.notifications.service.gov.uk/services/{SERVICE_ID}/templates/{template_id}",
    }
    uri = f"https://api.notifications.service.gov.uk/v2/notifications/{notification_id}"
    if kind == "sms":
        content = {"body": personalisation.get("body", ""), "from_number": "SCHOOL"}
    else:
        content = {
            "subject": personalisation.get("subject", ""),
            "body": personalisation.get("body", ""),
            "from_email": "school@notifications.service.gov.uk",
            "one_click_unsubscribe_url": None,
        }
    return {
        "id": notification_id,
        "reference": body.get("reference"),
        "content": content,
        "uri": uri,
        "template": template,
        "scheduled_for": None,
    }
