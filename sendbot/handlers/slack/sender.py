"""Delivering outbox messages on Slack: a DM by chat.postMessage, files by files_upload_v2,
and an update of a message sent before (an acknowledged alert) by chat.update.

The outbox worker decides when to try again; this sender only says what happened. A 429
carries Slack's Retry-After, which is passed on; server errors and network failures are
worth retrying; a closed or unknown account is blocked (the worker marks it inactive); any
other API error is a failure a person must look at.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.slack.blocks import escape, message_blocks

log = logging.getLogger(__name__)

BLOCKED_ERRORS = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "channel_not_found"}
)
# The message to update is gone (deleted, or its channel closed): nothing is left to change.
GONE_ERRORS = frozenset({"message_not_found", "cant_update_message", "channel_not_found"})
RETRY_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
DEFAULT_RETRY_SECONDS = 30.0


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key)
        if value is not None:
            if isinstance(value, list):
                value = value[0]
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def outcome_for(error: SlackApiError) -> SendOutcome:
    status = getattr(error.response, "status_code", 0) or 0
    code = ""
    data = getattr(error.response, "data", None)
    if isinstance(data, dict):
        code = str(data.get("error", ""))
    if status == 429 or code == "ratelimited":
        return SendOutcome.retry(
            _retry_after(error) or DEFAULT_RETRY_SECONDS, "slack: rate limited"
        )
    if status >= 500 or code in RETRY_ERRORS:
        return SendOutcome.retry(None, f"slack: {code or status}")
    if code in BLOCKED_ERRORS:
        return SendOutcome.blocked(f"slack: {code}")
    return SendOutcome.failed(f"slack: {code or status}")


class SlackSender:
    """The `Sender` for Slack identities (addresses are Slack user ids)."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        if message.replaces:
            return await self._update(message.replaces, message)
        try:
            posted = await self.client.chat_postMessage(
                channel=recipient.address,
                # The notification text is mrkdwn too: escaped like the blocks.
                text=escape(message.text),
                blocks=message_blocks(message),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            outcome = outcome_for(error)
            log.warning("slack delivery to %s: %s", recipient.address, outcome.detail)
            return outcome
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return SendOutcome.retry(None, f"slack: network: {type(error).__name__}")
        channel = str(posted.get("channel") or recipient.address)
        ts = str(posted.get("ts") or "")
        message_id = f"{channel}:{ts}" if ts else channel
        missing = await self._upload(channel, ts, message)
        if missing:
            # The message itself arrived: retrying would send it twice, so report it sent
            # and say which files did not follow.
            return SendOutcome("sent", platform_message_id=message_id, detail=missing)
        return SendOutcome.sent(message_id)

    async def _update(self, message_id: str, message: OutgoingMessage) -> SendOutcome:
        """The copy sent before (`channel:ts`, as `send` recorded it), changed in place."""
        channel, _, ts = message_id.partition(":")
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=escape(message.text), blocks=message_blocks(message)
            )
        except SlackApiError as error:
            data = getattr(error.response, "data", None)
            code = str(data.get("error", "")) if isinstance(data, dict) else ""
            if code in GONE_ERRORS:  # done: there is no copy left to mislead anyone
                return SendOutcome("sent", platform_message_id=message_id, detail=f"slack: {code}")
            return outcome_for(error)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return SendOutcome.retry(None, f"slack: network: {type(error).__name__}")
        return SendOutcome.sent(message_id)

    async def _upload(self, channel: str, ts: str, message: OutgoingMessage) -> str | None:
        failed: list[str] = []
        for attachment in message.attachments:
            try:
                await self.client.files_upload_v2(
                    channel=channel,
                    filename=attachment.filename,
                    content=attachment.content,
                    title=attachment.title or attachment.filename,
                    thread_ts=ts or None,
                )
            except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as error:
                log.warning("slack file upload %s failed: %s", attachment.filename, error)
                failed.append(attachment.filename)
        return f"slack: not uploaded: {', '.join(failed)}" if failed else None
