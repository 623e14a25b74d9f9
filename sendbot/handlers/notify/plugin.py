"""GOV.UK Notify inside `sendbot serve`: the outbox senders and the delivery-receipt route.

Registers the "sms" sender when a key and a text message template are configured, and the
"email" sender when the school chose Notify for email (`SENDBOT_EMAIL_VIA=notify`) and gave
its email template. Notify posts each delivery receipt to `POST /notify/status` with
`Authorization: Bearer <the token the school gave Notify>`: a request without that token
(compared in constant time) gets 401 and is not read; a body that is not a receipt in
Notify's documented shape gets 400; a receipt is applied once (`services.delivery_status`),
so Notify's retries change nothing; 503 asks Notify to try again later (the database could
not be reached, or the worker has not yet recorded the send the receipt is about).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sendbot.config import Settings
from sendbot.handlers.notify.sender import EMAIL, SMS, NotifySender, client_factory
from sendbot.services import delivery_status
from sendbot.services.delivery_status import Receipt
from sendbot.serving.app import Plugin
from sendbot.serving.core import Core

log = logging.getLogger(__name__)

STATUS_PATH = "/notify/status"
MAX_BODY = 64_000
# {key name}-{service id}-{secret}: both ids are UUIDs (Notify's "API keys" documentation).
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
KEY_SHAPE = re.compile(rf"^.+-{_UUID}-{_UUID}$")
_TEXT_FIELDS = ("id", "status", "to")


def token_ok(request: web.Request, token: str | None) -> bool:
    given = request.headers.get("Authorization", "")
    if not token or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given[len("Bearer ") :].encode(), token.encode())


def receipt_of(data: Any) -> Receipt | str:
    """The receipt, or what is wrong with the body (a field's name, never its value)."""
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 320:
            return f"{name} is missing or not text"
    reference = data.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 200):
        return "reference is not text"
    kind = data.get("notification_type", SMS if not data["to"].count("@") else EMAIL)
    if kind not in (SMS, EMAIL):
        return "notification_type is neither sms nor email"
    return Receipt(
        notification_id=data["id"].strip(),
        reference=reference,
        to=data["to"],
        status=data["status"].strip(),
        notification_type=kind,
    )


def _status_handler(
    core: Core, token: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    def apply(receipt: Receipt) -> str:
        with core.sessions() as session, session.begin():
            return delivery_status.apply(session, receipt, core.clock.now())

    async def status(request: web.Request) -> web.Response:
        if not token_ok(request, token):
            return web.Response(status=401, text="unauthorised")
        if request.content_length and request.content_length > MAX_BODY:
            return web.Response(status=413)
        raw = await request.read()
        try:
            receipt = receipt_of(json.loads(raw)) if len(raw) <= MAX_BODY else "too long"
        except (ValueError, RecursionError):
            receipt = "the body is not JSON"
        if isinstance(receipt, str):
            log.warning("notify: refused a malformed receipt: %s", receipt)
            return web.Response(status=400, text="not a delivery receipt")
        try:
            done = await asyncio.to_thread(apply, receipt)
        except Exception:  # the database: Notify tries again later
            log.exception("notify: a receipt could not be recorded")
            return web.Response(status=503, text="try again")
        log.info("notify: receipt %s: %s", receipt.status, done)
        if done == delivery_status.EARLY:
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    return status


def senders_of(settings: Settings) -> dict[str, NotifySender]:
    """The Notify senders the settings ask for; a key in the wrong shape stops start-up."""
    if settings.email_route() == "notify" and not settings.notify_email_configured():
        raise ValueError(
            "SENDBOT_EMAIL_VIA=notify needs SENDBOT_NOTIFY_API_KEY and "
            "SENDBOT_NOTIFY_EMAIL_TEMPLATE_ID (docs/parents.md)"
        )
    if settings.notify_api_key is None:
        return {}
    key = settings.notify_api_key.get_secret_value().strip()
    if not KEY_SHAPE.match(key):
        raise ValueError(
            "SENDBOT_NOTIFY_API_KEY is not in the shape Notify gives (key name, then two ids): "
            "copy the whole key from Notify's API integration page"
        )
    make = client_factory(key, settings.notify_base_url.rstrip("/"))
    senders = {}
    if settings.notify_sms_configured():
        assert settings.notify_sms_template_id
        senders[SMS] = NotifySender(
            SMS,
            make,
            settings.notify_sms_template_id,
            sms_sender_id=settings.notify_sms_sender_id,
            api_key=key,
        )
    if settings.notify_email_configured():
        assert settings.notify_email_template_id
        senders[EMAIL] = NotifySender(EMAIL, make, settings.notify_email_template_id, api_key=key)
    return senders


def notify_plugin(settings: Settings) -> Plugin:
    """The plugin for `build_app`; call when Notify is configured for text or email."""
    senders = senders_of(settings)
    secret = settings.notify_callback_token
    token = secret.get_secret_value() if secret else None
    if token is not None and len(token) < 10:
        raise ValueError(
            "SENDBOT_NOTIFY_CALLBACK_TOKEN must be at least 10 characters (Notify's rule)"
        )

    def register(app: web.Application, core: Core) -> None:
        core.senders.update(senders)

        async def stop(app: web.Application) -> None:
            for platform in senders:
                core.senders.pop(platform, None)

        app.router.add_post(STATUS_PATH, _status_handler(core, token))
        app.on_cleanup.append(stop)

    return register
