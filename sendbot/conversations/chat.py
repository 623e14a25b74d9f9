"""What a chat adapter hands the chat router, and what it gets back to send."""

from __future__ import annotations

from dataclasses import dataclass, field

from sendbot.delivery.contract import OutgoingMessage
from sendbot.domain.text import storable


@dataclass(frozen=True)
class Incoming:
    platform: str
    chat_key: str  # the platform's id of this private chat
    kind: str  # command | text | tap | edited | photo
    text: str = ""  # the command's name, the text typed, or the tapped id
    args: str = ""  # what follows a command
    client_language: str | None = None  # the app's language, for people we do not know yet
    private: bool = True
    event_id: str | None = None  # the platform's id for this update: handled once only
    workspace: str = ""  # the team the sender's id belongs to (a Teams tenant), if any
    # A photo a member of staff sent (downloaded by the adapter), or None with the size the
    # platform declared when it was too big to fetch.
    photo: bytes | None = None
    photo_size: int = 0

    def __post_init__(self) -> None:
        # What a person typed is made storable here, where it enters, so a NUL or half an
        # emoji never fails the transaction (and the platform's retries) further in.
        object.__setattr__(self, "text", storable(self.text))
        object.__setattr__(self, "args", storable(self.args))


@dataclass
class Outcome:
    replies: list[OutgoingMessage] = field(default_factory=list)
    toast: str | None = None  # a short note shown on the tapped button
    language: str | None = None  # the language the parent now uses, for the command menu
    linked: str | None = None  # "guardian" | "staff" when this message linked an account
    clear_buttons: bool = False  # the tapped message's buttons have done their job
    # Only the tapped button has: the others on its message stand for other things.
    clear_only_tapped: bool = False
    duplicate: bool = False  # this update was handled before (a retry, or another worker)
    # The saved replies' ids when they were claimed for the caller to send at once; empty when
    # they wait behind an earlier unsent reply to the chat (the sweep sends them in turn).
    reply_ids: list[int] = field(default_factory=list)


def say(text: str, *more: OutgoingMessage, toast: bool | str = False) -> Outcome:
    """One reply (and any more); `toast` also shows the first line on the tapped button."""
    note = None
    if toast:
        note = toast if isinstance(toast, str) else text.split("\n")[0][:190]
    return Outcome([OutgoingMessage(text), *more], toast=note)
