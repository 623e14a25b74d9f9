"""Delivering outbox messages through GOV.UK Notify, reporting what happened as a `SendOutcome`.

One `NotifySender` a platform: "sms" (the school's text message template, whose content is
`((body))`) and "email" (its email template: subject `((subject))`, message `((body))`).
Both send the one rendered message, laid out (`delivery.sms.sms_text`, `layout.email_parts`),
with the outbox row's id as Notify's `reference`.

Notify's answers (its API documentation, "Error codes"):

- 201: sent, with Notify's notification id (the delivery receipt names it).
- 429 `RateLimitError` (requests a minute) or `TooManyRequestsError` (the day's limit):
  retry, after a minute or an hour; 5xx and network trouble: retry with the worker's backoff.
- 400 `ValidationError`/`BadRequestError` about the phone number or email address: blocked,
  so the worker marks that account inactive and tries the guardian's next channel.
- 400 for a team-only or test key, or a service still in trial mode: failed, explained.
- 403 `AuthError`: failed; the detail says to check the key and the clock, never the key.

The client is synchronous and not thread-safe: each worker thread keeps its own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.delivery.sms import sms_text
from sendbot.handlers.notify.layout import email_parts

log = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"
RATE_LIMIT_WAIT = 60.0  # Notify counts requests a minute
DAILY_LIMIT_WAIT = 3600.0

# Words in Notify's 400 answers that mean this phone number or address can never work.
_BAD_RECIPIENT = (
    "not a valid",
    "not a uk mobile",
    "too many digits",
    "not enough digits",
    "must not contain letters",
    "invalid phone",
    "invalid email",
)
_RECIPIENT_FIELDS = ("phone_number", "email_address")


def _problems(error: APIError) -> list[tuple[str, str]]:
    """(error, message) pairs from Notify's error body; its `errors` list when it has one."""
    said = error.message
    if isinstance(said, list):
        return [
            (str(item.get("error", "")), str(item.get("message", "")))
            for item in said
            if isinstance(item, dict)
        ]
    return [("", str(said))]


def outcome_for(error: APIError, key: str = "") -> SendOutcome:
    status = error.status_code
    problems = _problems(error)
    said = "; ".join(f"{name}: {text}" if name else text for name, text in problems)
    if key:
        said = said.replace(key, "<api key>")
    said = f"notify {status}: {said}"[:500]
    names = {name for name, _ in problems}
    lowered = said.lower()
    if status == 429:
        daily = "TooManyRequestsError" in names or "send limit" in lowered
        return SendOutcome.retry(DAILY_LIMIT_WAIT if daily else RATE_LIMIT_WAIT, said)
    if status >= 500:
        return SendOutcome.retry(None, said)
    if status == 403:
        return SendOutcome.failed(
            f"{said} (Notify refused the API key: check SENDBOT_NOTIFY_API_KEY is the "
            "school's live key and this server's clock is right)"
        )
    if "team-only" in lowered or "trial mode" in lowered:
        return SendOutcome.failed(
            f"{said} (Notify sends only to the team's own numbers and addresses with this key "
            "or until the service is live: use a live key and ask Notify to go live)"
        )
    about_recipient = any(field in lowered for field in _RECIPIENT_FIELDS)
    if status == 400 and about_recipient and any(w in lowered for w in _BAD_RECIPIENT):
        return SendOutcome.blocked(said)
    return SendOutcome.failed(said)


ClientFactory = Callable[[], NotificationsAPIClient]


class NotifySender:
    """Sends on one platform ("sms" or "email") through one Notify template."""

    def __init__(
        self,
        platform: str,
        make_client: ClientFactory,
        template_id: str,
        *,
        sms_sender_id: str | None = None,
        api_key: str = "",
    ) -> None:
        assert platform in (SMS, EMAIL)
        self.platform = platform
        self._make_client = make_client
        self._template_id = template_id
        self._sms_sender_id = sms_sender_id
        self._key = api_key
        self._local = threading.local()

    def _client(self) -> NotificationsAPIClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._make_client()
        return client

    def _post(self, recipient: Recipient, message: OutgoingMessage) -> Any:
        client = self._client()
        reference = message.reference or None
        if self.platform == SMS:
            return client.send_sms_notification(
                phone_number=recipient.address,
                template_id=self._template_id,
                personalisation={"body": sms_text(message)},
                reference=reference,
                sms_sender_id=self._sms_sender_id,
            )
        subject, body = email_parts(message)
        return client.send_email_notification(
            email_address=recipient.address,
            template_id=self._template_id,
            personalisation={"subject": subject, "body": body},
            reference=reference,
        )

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        try:
            answer = await asyncio.to_thread(self._post, recipient, message)
        except InvalidResponse:  # accepted (2xx) but not JSON: it went; never send it again
            log.warning("notify: accepted a %s but its answer was not JSON", self.platform)
            return SendOutcome.sent(None)
        except APIError as error:
            outcome = outcome_for(error, self._key)
            log.warning("notify: %s: %s", outcome.status, outcome.detail)
            return outcome
        except Exception as error:  # the client's own surprises: retry, never lose the message
            return SendOutcome.retry(None, f"notify: {type(error).__name__}")
        notification_id = answer.get("id") if isinstance(answer, dict) else None
        return SendOutcome.sent(str(notification_id) if notification_id else None)


def client_factory(api_key: str, base_url: str, timeout: float = 30.0) -> ClientFactory:
    def make() -> NotificationsAPIClient:
        return NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)

    return make
