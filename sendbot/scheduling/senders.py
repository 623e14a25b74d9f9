"""Senders that belong to no chat platform: the console transcript and a JSON webhook.

The console sender is what `sendbot tick` and the demo deliver through: it writes each
message to a transcript (and a stream), so a user can watch what would be sent. The webhook
sender posts each message as JSON to a URL; the multi-process delivery tests use it against
a local fake platform, and a school can use it to bridge to a system sendbot does not know.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import IO, Any

import aiohttp

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.delivery.sms import sms_text


@dataclass
class ConsoleSender:
    """Writes messages instead of sending them; keeps them for tests and the transcript."""

    platform: str = "console"
    stream: IO[str] | None = None
    names: dict[str, str] = field(default_factory=dict)  # address -> display name
    sent: list[tuple[Recipient, OutgoingMessage]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        self.sent.append((recipient, message))
        if self.stream is not None:
            self.stream.write(format_message(recipient, message, self.names.get(recipient.address)))
            self.stream.flush()
        return SendOutcome.sent(f"{self.platform}-{next(self._ids)}")


def format_message(recipient: Recipient, message: OutgoingMessage, name: str | None = None) -> str:
    """A message as its recipient would read it; a text message as the phone shows it (the
    layout the SMS sender sends: no buttons, the one-tap link last)."""
    who = name or recipient.address
    head = f"--> {who} [{recipient.platform}]" + (" URGENT" if message.urgent else "")
    if recipient.platform == "sms":
        return (
            "\n".join([head, *("    " + line for line in sms_text(message).splitlines())]) + "\n\n"
        )
    lines = [head, *("    " + line for line in message.text.splitlines())]
    if message.link:  # the button to the parent's page, in an email
        lines.append(f"    (link: {message.link})")
    if message.buttons and recipient.platform != "email":  # an email has no buttons to tap
        lines.append("    " + "  ".join(f"[{b.label}]" for b in message.buttons))
    for attachment in message.attachments:
        lines.append(f"    (attached: {attachment.filename}, {len(attachment.content):,} bytes)")
    return "\n".join(lines) + "\n\n"


class WebhookSender:
    """POST {recipient, text, buttons} to `url`; reads the reply like a
    chat platform's: 200 {"ok": true, "message_id"}, 429 with `retry_after`, 403 blocked,
    5xx or a network error to retry, any other 4xx failed."""

    def __init__(self, url: str, platform: str = "webhook", timeout: float = 10.0) -> None:
        self.url = url
        self.platform = platform
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        body: dict[str, Any] = {
            "platform": recipient.platform,
            "address": recipient.address,
            "team_id": recipient.team_id,
            "text": message.text,
            "buttons": [{"id": b.action_id, "label": b.label} for b in message.buttons],
            "urgent": message.urgent,
        }
        try:
            client = await self._client()
            async with client.post(self.url, json=body) as response:
                data: dict[str, Any] = {}
                try:
                    data = await response.json(content_type=None) or {}
                except (ValueError, aiohttp.ContentTypeError):
                    data = {}
                if response.status == 200 and data.get("ok", True):
                    return SendOutcome.sent(str(data.get("message_id", "")) or None)
                if response.status == 429:
                    after = data.get("retry_after") or response.headers.get("Retry-After") or 1
                    return SendOutcome.retry(float(after), "429 too many requests")
                if response.status == 403:
                    return SendOutcome.blocked(f"403 {data.get('description', 'blocked')}")
                if response.status >= 500:
                    return SendOutcome.retry(None, f"{response.status} server error")
                return SendOutcome.failed(
                    f"{response.status} {data.get('description', '')}".strip()
                )
        except (TimeoutError, aiohttp.ClientError) as exc:
            return SendOutcome.retry(None, f"network: {type(exc).__name__}")
