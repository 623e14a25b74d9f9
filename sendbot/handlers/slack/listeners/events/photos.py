"""A photo shared in sendbot's direct message (a written note, a body map): kept with the
concern the person has just logged.

Slack's event names the file; `files.info` gives its size, type and private download URL,
which is fetched with the bot's token (Slack's `url_private_download`). A file over the
limit is never fetched. The service checks the bytes themselves and decides who may add to
which concern; a refusal is answered kindly in the same conversation.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.domain.safeguarding import MAX_IMAGE_BYTES, too_big
from sendbot.handlers.slack.runtime import PLATFORM, SlackApp
from sendbot.services import concern_record
from sendbot.services.actors import StaffActor

log = logging.getLogger(__name__)

MOST_FILES = 5  # one message with more is answered for the first five
HINT = (
    "To log a concern, type /send concern. To keep a photo of a written note or a body map "
    "with a concern, send it here within an hour of logging it."
)
COULD_NOT_FETCH = "Sorry, I couldn't fetch that file from Slack just now. Please send it again."


async def on_message(
    slack: SlackApp, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
) -> None:
    """Only a person's files in the direct message with sendbot; every other message is left."""
    await ack()
    event = body.get("event") or {}
    files = event.get("files")
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return
    actor: StaffActor | None = context.get("actor")
    if actor is None or event.get("subtype") not in (None, "file_share"):
        return
    if not isinstance(files, list) or not files:
        await client.chat_postMessage(channel=event["channel"], text=HINT)
        return
    for shared in files[:MOST_FILES]:
        file_id = shared.get("id") if isinstance(shared, dict) else None
        if not isinstance(file_id, str):
            continue
        text = await _keep(slack, client, actor, file_id, event.get("user", ""))
        await client.chat_postMessage(channel=event["channel"], text=text)


async def _keep(
    slack: SlackApp, client: AsyncWebClient, actor: StaffActor, file_id: str, user: str
) -> str:
    try:
        info = (await client.files_info(file=file_id)).get("file") or {}
    except SlackApiError as error:
        log.warning("files.info failed: %s", error.response.get("error"))
        return COULD_NOT_FETCH
    size = int(info.get("size") or 0)
    if size > MAX_IMAGE_BYTES:
        return too_big(size)
    url = info.get("url_private_download") or info.get("url_private")
    if not isinstance(url, str):
        return COULD_NOT_FETCH
    data = await _download(url, str(client.token))
    if data is None:
        return COULD_NOT_FETCH
    received = await slack.db(
        slack.tx,
        concern_record.receive,
        actor,
        f"{PLATFORM}:{user}",
        data,
        PLATFORM,
        slack.now(),
        False,
    )
    return str(received.message)


async def _download(url: str, token: str) -> bytes | None:
    """The file's bytes (at most one past the limit, which the service then refuses)."""
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, headers=headers) as response,
        ):
            if response.status != 200:
                log.warning("a shared file's download answered %s", response.status)
                return None
            return await response.content.read(MAX_IMAGE_BYTES + 1)
    except aiohttp.ClientError:
        log.warning("a shared file could not be downloaded", exc_info=True)
        return None
