"""A real SMTP server on a free local port (aiosmtpd), standing in for a school's relay.

It records every message it accepts, as the bytes it was given, and can be told to refuse
an address at RCPT (550), to put a message off at DATA (451) a number of times, or to take
its time before it answers DATA (so a test can kill a worker while the relay holds a
message it has been given in full but not yet said 250 to).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    to: list[str]
    data: bytes
    at: float

    def email(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RelayHandler:
    refuse: dict[str, str] = field(default_factory=dict)  # address -> RCPT reply
    put_off: dict[str, int] = field(default_factory=dict)  # address -> 451s still to give
    data_delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        to = list(envelope.rcpt_tos)
        if any(self.put_off.get(a, 0) > 0 for a in to):
            for address in to:
                self.put_off[address] = self.put_off.get(address, 0) - 1
            return "451 4.3.0 Please try again later"
        with self.lock:  # given in full: from here on the relay has it
            self.received.append(Received(envelope.mail_from, to, envelope.content, time.time()))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.snapshot() if address in r.to]


class Relay:
    def __init__(
        self,
        port: int | None = None,
        *,
        authenticator: Any = None,
        auth_require_tls: bool = True,
        **options: Any,
    ) -> None:
        self.port = port or free_port()
        self.handler = RelayHandler(**options)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=True,
            authenticator=authenticator,
            auth_require_tls=auth_require_tls,
        )

    def start(self) -> Relay:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
