"""Platform-neutral outgoing messages, recipients and send outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Button:
    """A tap the recipient can make. `action_id` is an opaque id, re-authorised on every tap."""

    action_id: str
    label: str
    style: str | None = None  # "primary" | "danger" | None
    # Stays on the message once its step is done (View details: reading is not a step).
    stays: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str
    title: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    language: str = "en"
    urgent: bool = False
    # The platform message id of an earlier copy this message replaces in place (an alert
    # once acknowledged), where the platform can edit a message; None for a new message.
    replaces: str | None = None
    # Parts an earlier attempt delivered, (part name, platform id): a sender sends the
    # others only, so a failed upload never sends the text again.
    delivered: tuple[tuple[str, str], ...] = ()
    # The one-tap web page where a parent answers or reads this message: email and text
    # messages carry it, since they have no buttons; chat platforms show the buttons.
    link: str | None = None
    # The last paragraph of `text` that a layout keeps whatever else it cuts: the parent's
    # machine-translation notice, or the note on why a message is in English. A text message
    # too long for its fragments keeps it, in `short_notice` when that is given.
    notice: str = ""
    short_notice: str = ""
    # The outbox row this message comes from, for platforms that echo a reference back in
    # their delivery receipts (GOV.UK Notify's `reference`); None outside the outbox.
    reference: str | None = None


@dataclass(frozen=True)
class Recipient:
    platform: str  # "slack" | "telegram" | "console"
    address: str  # Slack user id, Telegram chat id, console key
    team_id: str = ""


@dataclass(frozen=True)
class SendOutcome:
    """What happened: sent, try again later (with the platform's wait), blocked, or failed."""

    status: str  # "sent" | "retry" | "blocked" | "failed"
    platform_message_id: str | None = None
    retry_after_seconds: float | None = None
    detail: str | None = None
    # Parts this attempt delivered when the message as a whole did not go, (part name,
    # platform id): the worker records them so the next attempt skips them.
    parts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def sent(cls, message_id: str | None = None) -> SendOutcome:
        return cls("sent", platform_message_id=message_id)

    @classmethod
    def retry(cls, after_seconds: float | None, detail: str) -> SendOutcome:
        return cls("retry", retry_after_seconds=after_seconds, detail=detail)

    @classmethod
    def blocked(cls, detail: str) -> SendOutcome:
        return cls("blocked", detail=detail)

    @classmethod
    def failed(cls, detail: str) -> SendOutcome:
        return cls("failed", detail=detail)


class Sender(Protocol):
    platform: str

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> SendOutcome:
        """Deliver once. Never raises for platform errors: it reports them as an outcome.

        A message that takes several platform calls (text, then each attachment) is sent
        part by part: parts in `message.delivered` are skipped, and an outcome that is not
        "sent" lists in `parts` those that did arrive this time.
        """
        ...
