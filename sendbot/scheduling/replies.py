"""Sending the replies the chat router saved (`services.chat_replies`): at once, and again.

The process that handled an update sends its replies straight after the commit
(`send_claimed`), so a person is answered as fast as before. A reply the platform would not
take now (429 with `retry_after`, a 5xx, the network) stays saved with its wait, and the
scheduler's delivery job (`sweep`, every few seconds, in every process) sends it when the
wait is over, as it does for a reply whose process died before sending. The outbox worker
is not involved: replies go to the chat that asked, at once, outside quiet hours' rules.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock
from sendbot.delivery.contract import OutgoingMessage, Recipient, Sender, SendOutcome
from sendbot.scheduling.worker import default_worker_id
from sendbot.services import chat_replies
from sendbot.services.chat_replies import Reply

log = logging.getLogger(__name__)


class ReplyCourier:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        worker_id: str | None = None,
        concurrency: int = 20,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.senders = senders
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = concurrency

    async def send_claimed(
        self, platform: str, chat_key: str, ids: list[int], messages: list[OutgoingMessage]
    ) -> int:
        """Send replies the router saved already claimed for us; returns how many went."""
        replies = [Reply(i, platform, chat_key, m) for i, m in zip(ids, messages, strict=True)]
        return await self._send_in_order(replies)

    async def send_chat(self, platform: str, chat_key: str) -> int:
        """Send every due reply of one chat, oldest first; returns how many went."""
        if platform not in self.senders:
            return 0
        total = 0
        while True:
            replies = await asyncio.to_thread(self._claim, platform, chat_key)
            if not replies:
                return total
            went = await self._send_in_order(replies)
            total += went
            if went < len(replies):
                return total  # the rest wait for the platform

    async def sweep(self) -> int:
        """Send the replies that are due in every chat; returns how many went."""
        chats = await asyncio.to_thread(self._due_chats)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(platform: str, chat_key: str) -> int:
            async with gate:
                try:
                    return await self.send_chat(platform, chat_key)
                except Exception:  # one chat's trouble must not hold up the others
                    log.exception("replies to a %s chat could not be sent", platform)
                    return 0

        return sum(await asyncio.gather(*(one(p, c) for p, c in chats)))

    async def _send_in_order(self, replies: list[Reply]) -> int:
        """Stop at the first reply the platform will not take now: the rest wait behind it.
        The replies done with (sent, or refused for good) are let go in one transaction."""
        sent: list[int] = []
        refused: list[int] = []
        try:
            for n, reply in enumerate(replies):
                outcome = await self._send(reply)
                if outcome.status == "retry":
                    rest = [r.id for r in replies[n:]]
                    await asyncio.to_thread(self._retry, rest, outcome)
                    break
                if outcome.status != "sent":
                    log.warning(
                        "a reply to a %s chat was refused: %s", reply.platform, outcome.detail
                    )
                (sent if outcome.status == "sent" else refused).append(reply.id)
        finally:
            if sent or refused:
                await asyncio.to_thread(self._done, [*sent, *refused])
        return len(sent)

    async def _send(self, reply: Reply) -> SendOutcome:
        sender = self.senders.get(reply.platform)
        if sender is None:
            return SendOutcome.retry(None, f"no sender for {reply.platform}")
        try:
            return await sender.send(Recipient(reply.platform, reply.chat_key), reply.message)
        except Exception as exc:  # a sender must not raise, but a bug in one must not lose a reply
            log.exception("sender %s raised", reply.platform)
            return SendOutcome.retry(None, f"sender error: {exc}"[:500])

    # database steps, each its own short transaction (run in a thread)

    def _claim(self, platform: str, chat_key: str) -> list[Reply]:
        with self.sessions() as session, session.begin():
            return chat_replies.claim_chat(
                session, platform, chat_key, self.clock.now(), self.worker_id
            )

    def _due_chats(self) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return chat_replies.due_chats(session, self.clock.now(), sorted(self.senders))

    def _retry(self, ids: list[int], outcome: SendOutcome) -> None:
        with self.sessions() as session, session.begin():
            chat_replies.retry(
                session,
                ids,
                self.clock.now(),
                outcome.retry_after_seconds,
                outcome.detail or "retry",
                outcome.parts,
            )

    def _done(self, reply_ids: list[int]) -> None:
        with self.sessions() as session, session.begin():
            chat_replies.done(session, reply_ids)
