"""Delivering outbox messages on Teams, reporting what happened as a `SendOutcome`.

A member of staff is addressed by their Entra object id; the personal chat to post in is
the conversation reference kept from their latest activity (`services.teams_accounts`).
New messages are POSTed to `{serviceUrl}/v3/conversations/{id}/activities` and a message
that replaces an earlier copy (an alert once acknowledged) is PUT over it, both through the
SDK's connector client. 429 carries Teams' `Retry-After`, passed on so the worker waits that
long; 5xx and network trouble are retried; 403 means the person removed the app or left
the tenant (blocked); a 401 drops the cached token and is tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp

from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.teams import connector
from sendbot.handlers.teams.cards import activity_for
from sendbot.services.teams_accounts import TEAMS, ConversationRef

log = logging.getLogger(__name__)

Lookup = Callable[[str, str], ConversationRef | None]  # (aad object id, tenant) -> reference


def _retry_after(headers: object) -> float | None:
    value = getattr(headers, "get", lambda _k: None)("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except (TypeError, ValueError):
        return None


def outcome_for(error: aiohttp.ClientResponseError) -> SendOutcome:
    status = error.status
    if status == 429:
        return SendOutcome.retry(_retry_after(error.headers), "teams: throttled (429)")
    if status >= 500:
        return SendOutcome.retry(_retry_after(error.headers), f"teams: {status}")
    if status == 403:
        return SendOutcome.blocked("teams: the app was removed or the account cannot be reached")
    if status == 401:
        return SendOutcome.retry(None, "teams: the bot's token was refused")
    return SendOutcome.failed(f"teams: {status}")


class TeamsSender:
    """The `Sender` for Teams identities (addresses are Entra object ids)."""

    platform = TEAMS

    def __init__(
        self,
        clients: connector.Clients,
        lookup: Lookup,
        on_blocked: Callable[[str], None] = lambda _address: None,
        peek: Callable[[str, str], ConversationRef | None] = lambda _address, _tenant: None,
    ) -> None:
        self.clients = clients
        self.tokens = clients.tokens
        self.lookup = lookup
        self.on_blocked = on_blocked
        self.peek = peek  # a reference this process holds already: no thread, no query

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        ref = self.peek(recipient.address, recipient.team_id)
        if ref is None:
            ref = await asyncio.to_thread(self.lookup, recipient.address, recipient.team_id)
        if ref is None:
            return SendOutcome.failed(
                "teams: no personal chat with this person yet (they have not opened sendbot)"
            )
        activity = activity_for(message)
        try:
            client = await self.clients.client(ref.service_url)
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
            return SendOutcome.retry(None, f"teams: no token ({type(error).__name__})")
        try:
            conversations = client.conversations
            if message.replaces:
                activity.id = message.replaces
                await conversations.update_activity(ref.conversation_id, message.replaces, activity)
                return SendOutcome.sent(message.replaces)
            sent = await conversations.send_to_conversation(ref.conversation_id, activity)
            return SendOutcome.sent(sent.id or None)
        except aiohttp.ClientResponseError as error:
            if error.status == 401:
                self.tokens.forget()
            if error.status == 404 and message.replaces:  # the copy is gone: nothing to mislead
                return SendOutcome("sent", platform_message_id=message.replaces, detail="gone")
            outcome = outcome_for(error)
            log.warning("teams delivery: %s", outcome.detail)
            if outcome.status == "blocked":
                self.on_blocked(recipient.address)
            return outcome
        except (aiohttp.ClientError, TimeoutError) as error:
            return SendOutcome.retry(None, f"teams: {type(error).__name__}")
