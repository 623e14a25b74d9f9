"""Delivering outbox messages on Slack: a DM by chat.postMessage, files by files_upload_v2,
and an update of a message sent before (an acknowledged alert) by chat.update.

The outbox worker decides when to try again; this sender only says what happened. A 429
carries Slack's Retry-After, which is passed on; server errors and network failures are
worth retrying; a closed or unknown account is blocked (the worker marks it inactive); any
other API error is a failure a person must look at.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.delivery.contract import Attachment, OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.slack.blocks import NOTIFICATION_LIMIT, escape, fit, message_blocks

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
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)
TEXT_PART = "text"


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
    """The `Sender` for Slack identities (addresses are Slack user ids).

    A message goes in parts: the text (`TEXT_PART`, one chat.postMessage), then each
    attachment (`file.1`, `file.2`, ... by files_upload_v2, in the text's thread). A part
    already delivered is never sent again, and a file that failed for a reason worth
    retrying is retried alone.
    """

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        if message.replaces:
            return await self._update(message.replaces, message)
        return await self._send_parts(recipient, message)

    async def _send_parts(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        done = dict(message.delivered)
        fresh: dict[str, str] = {}
        if TEXT_PART not in done:
            try:
                fresh[TEXT_PART] = await self._post(recipient, message)
            except SlackApiError as error:
                outcome = outcome_for(error)
                log.warning("slack delivery to %s: %s", recipient.address, outcome.detail)
                return outcome
            except NETWORK_ERRORS as error:
                return SendOutcome.retry(None, f"slack: network: {type(error).__name__}")
        message_id = done.get(TEXT_PART) or fresh[TEXT_PART]
        channel, _, ts = message_id.partition(":")
        retry: SendOutcome | None = None
        lost: list[str] = []
        for number, attachment in enumerate(message.attachments, start=1):
            part = f"file.{number}"
            if part in done:
                continue
            outcome = await self._upload(channel, ts, attachment)
            if outcome.status == "sent":
                fresh[part] = outcome.platform_message_id or ""
            elif outcome.status == "retry":
                retry = retry or outcome
            else:  # a refusal that will not change: the text arrived, the file cannot
                lost.append(attachment.filename)
        if retry is not None:
            return replace(retry, platform_message_id=message_id, parts=tuple(fresh.items()))
        if lost:
            # The message itself arrived: retrying would not bring the file, so report it
            # sent and say which files did not follow.
            detail = f"slack: not uploaded: {', '.join(lost)}"
            return SendOutcome("sent", platform_message_id=message_id, detail=detail)
        return SendOutcome.sent(message_id)

    async def _post(self, recipient: Recipient, message: OutgoingMessage) -> str:
        """Post the text; its id is "channel:ts", where the files follow in its thread."""
        posted = await self.client.chat_postMessage(
            channel=recipient.address,
            # The notification text is mrkdwn too: escaped like the blocks.
            text=fit(escape(message.text), NOTIFICATION_LIMIT),
            blocks=message_blocks(message),
            unfurl_links=False,
            unfurl_media=False,
        )
        channel = str(posted.get("channel") or recipient.address)
        ts = str(posted.get("ts") or "")
        return f"{channel}:{ts}" if ts else channel

    async def _upload(self, channel: str, ts: str, attachment: Attachment) -> SendOutcome:
        """One file; sent with the file's id, or why not (a 5xx or a 429 is worth retrying)."""
        try:
            uploaded = await self.client.files_upload_v2(
                channel=channel,
                filename=attachment.filename,
                content=attachment.content,
                title=attachment.title or attachment.filename,
                thread_ts=ts or None,
            )
        except SlackApiError as error:
            outcome = outcome_for(error)
        except SlackClientError as error:  # the upload URL itself answered an error
            outcome = SendOutcome.retry(None, f"slack: upload: {type(error).__name__}")
        except NETWORK_ERRORS as error:
            outcome = SendOutcome.retry(None, f"slack: network: {type(error).__name__}")
        else:
            file = uploaded.get("file") or {}
            return SendOutcome.sent(str(file.get("id") or attachment.filename))
        log.warning("slack file upload %s: %s", attachment.filename, outcome.detail)
        return outcome

    async def _update(self, message_id: str, message: OutgoingMessage) -> SendOutcome:
        """The copy sent before (`channel:ts`, as `send` recorded it), changed in place."""
        channel, _, ts = message_id.partition(":")
        if not ts:  # a copy sent on another platform: nothing to change here
            return SendOutcome("sent", platform_message_id=message_id, detail="not a Slack copy")
        try:
            await self.client.chat_update(
                channel=channel,
                ts=ts,
                text=fit(escape(message.text), NOTIFICATION_LIMIT),
                blocks=message_blocks(message),
            )
        except SlackApiError as error:
            data = getattr(error.response, "data", None)
            code = str(data.get("error", "")) if isinstance(data, dict) else ""
            if code in GONE_ERRORS:  # done: there is no copy left to mislead anyone
                return SendOutcome("sent", platform_message_id=message_id, detail=f"slack: {code}")
            return outcome_for(error)
        except NETWORK_ERRORS as error:
            return SendOutcome.retry(None, f"slack: network: {type(error).__name__}")
        return SendOutcome.sent(message_id)
