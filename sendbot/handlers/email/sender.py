"""Delivering outbox messages by email: to the school's SMTP relay, or into a folder.

`SmtpEmailSender` hands each email to the relay with aiosmtplib and reports what happened as
a `SendOutcome`, never raising:

- 250: sent, with the email's Message-ID as the platform id.
- 4xx at any step, a time-out, a refused or dropped connection: retry, with the worker's
  back-off (nothing is lost while the relay is down).
- 5xx refusing the recipient (550, 551, 553...): blocked; the worker marks that address
  inactive, tells the school and tries the guardian's next channel. 552 (mailbox full) is
  retried: it can clear.
- 5xx for the whole message, a refused from address, a refused user name or password, or a
  relay without the TLS asked for: failed, with a detail saying what to check.

Details never hold the address or the message (the relay's own words are kept, with any
email address blanked), and nothing here logs either.

`FileEmailSender` writes the same email as a `.eml` file into a folder, for the demo and for
a school trying sendbot before it has a relay.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import aiosmtplib

from sendbot.clock import Clock
from sendbot.delivery.contract import OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.email.compose import From, compose
from sendbot.serving.logs import redact
from sendbot.store.private_files import write_private

PLATFORM = "email"
# 552 to RCPT is "mailbox full" in practice (RFC 5321 4.5.3.1.10): it may clear, so retried.
_TEMPORARY_5XX = frozenset({552})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | tls | none
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0


def _said(error: aiosmtplib.SMTPResponseException) -> str:
    """The relay's code and words, one line, short, with any address blanked."""
    words = redact(" ".join(str(error.message).split()))
    return f"{error.code} {words}"[:200]


def _recipient_outcome(code: int, said: str) -> SendOutcome:
    if 400 <= code < 500 or code in _TEMPORARY_5XX:
        return SendOutcome.retry(None, f"email: the relay put off this address for now ({said})")
    return SendOutcome.blocked(f"email: the address was refused ({said})")


def outcome_for(error: Exception) -> SendOutcome:
    """What an exception from aiosmtplib (or the network under it) means for the outbox."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        refused = error.recipients[0]
        return _recipient_outcome(refused.code, _said(refused))
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return _recipient_outcome(error.code, _said(error))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        said = _said(error)
        if 400 <= error.code < 500:
            return SendOutcome.retry(None, f"email: the relay said try later ({said})")
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return SendOutcome.failed(
                f"email: the relay refused the user name or password ({said}); check "
                "SENDBOT_SMTP_USERNAME and SENDBOT_SMTP_PASSWORD"
            )
        if isinstance(error, aiosmtplib.SMTPSenderRefused):
            return SendOutcome.failed(
                f"email: the relay refused the from address ({said}); check "
                "SENDBOT_SMTP_FROM_ADDRESS"
            )
        return SendOutcome.failed(f"email: the relay refused the message ({said})")
    if isinstance(error, aiosmtplib.SMTPException) and not isinstance(
        error, (ConnectionError, TimeoutError)
    ):  # no STARTTLS, no AUTH, no SMTPUTF8 on this relay: settings, not the moment
        return SendOutcome.failed(
            f"email: the relay cannot do what was asked ({redact(str(error))[:200]}); check "
            "SENDBOT_SMTP_SECURITY and SENDBOT_SMTP_PORT"
        )
    # Time-outs, a refused or dropped connection, TLS trouble, anything else: try again.
    return SendOutcome.retry(None, f"email: {type(error).__name__}: {redact(str(error))[:200]}")


def _platform_id(email: EmailMessage) -> str:
    return str(email["Message-ID"])


class SmtpEmailSender:
    """The `Sender` for email identities (addresses), through the school's SMTP relay."""

    platform = PLATFORM

    def __init__(self, smtp: SmtpSettings, sender: From, clock: Clock) -> None:
        self.smtp = smtp
        self.sender = sender
        self.clock = clock

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        try:
            email = compose(recipient.address, message, self.sender, self.clock.now())
        except Exception as error:  # an address or header that cannot be written
            return SendOutcome.failed(
                f"email: could not be written as an email ({type(error).__name__})"
            )
        try:
            # No queue of our own: a send that waited here could outlive the worker's lease
            # on its row. The worker's concurrency and its pacing for "email" bound the
            # connections to the relay, before it checks the lease.
            await self._deliver(email, recipient.address)
        except Exception as error:  # never raises: every failure is an outcome
            return outcome_for(error)
        return SendOutcome.sent(_platform_id(email))

    async def _deliver(self, email: EmailMessage, to: str) -> None:
        smtp = self.smtp
        await aiosmtplib.send(
            email,
            sender=self.sender.address,
            recipients=[to],
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds,
        )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileEmailSender:
    """The same emails written as `.eml` files into a folder (the demo, a trial run).

    Each file is readable by its owner only: an email to a parent names their child.
    """

    platform = PLATFORM

    def __init__(self, directory: Path, sender: From, clock: Clock) -> None:
        self.directory = directory
        self.sender = sender
        self.clock = clock

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        now = self.clock.now()
        try:
            email = compose(recipient.address, message, self.sender, now)
        except Exception as error:
            return SendOutcome.failed(
                f"email: could not be written as an email ({type(error).__name__})"
            )
        message_id = _platform_id(email)
        name = f"{now:%Y%m%dT%H%M%S}-{_UNSAFE.sub('_', message_id.strip('<>'))}.eml"
        try:
            await asyncio.to_thread(self._write, self.directory / name, email)
        except OSError as error:
            return SendOutcome.retry(None, f"email: could not write the file ({error.strerror})")
        return SendOutcome.sent(message_id)

    @staticmethod
    def _write(path: Path, email: EmailMessage) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, email.as_bytes(policy=SMTP))
