"""Opaque ids for buttons: what a tap means, sealed so nobody can read or forge one.

Every button the bot puts on a message uses this one scheme: a parent's RSVP and views,
the Reply on a parent's message, a deadline's Done, a referral chase's answers, "look at
them together", an alert's Acknowledge and View details, a staff question's options (option
N of the question whose tag is the stamp), a parent's language (its place in the list of
languages) and a parent's Cancel, Skip and Send. None of them puts readable text on the wire.

A button's id travels through the platform (Telegram allows 64 bytes of callback data) and
comes back on a tap. It says which record and which answer, encrypted as one AES block under
a key derived from the database's encryption keys, so it needs no table and survives a
restart or a second worker. An id that does not decrypt to a well-formed action is refused.
Sealing is not permission: every tap is still re-authorised against the person tapping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy.orm import Session

from sendbot.store.crypto import keyring_of

PREFIX = "x"
_MAGIC = 0xA7
_CONTEXT = b"sendbot opaque action ids v1"

# The staff message buttons, by the names the audit log and the adapters know them by.
DEADLINE_DONE = "deadline.done"
LA_REPLIED = "referral.la_response"
REFERRAL_CHASED = "referral.chased"
REVIEW_PUPIL = "concerns.review_pupil"
CONCERN_ACK = "safeguarding.ack"
CONCERN_VIEW = "concern.view"
# A staff reminder's Held / Not held buttons on a review meeting.
MEETING_OUTCOME = "meeting.outcome"
# A leaving pupil's child protection file: sent today, receipt confirmed today.
CP_FILE_SENT = "cp_file.sent"
CP_FILE_RECEIVED = "cp_file.received"
# The buttons of a conversation: a staff question's option, a language, a parent's word.
OPTION = "option"
LANGUAGE = "language"
WORD = "word"
# A parent's channel button (/channel): Telegram, email or text message.
CHANNEL = "channel"

# Kinds and values are stored as one byte each; append only, never renumber.
KINDS: tuple[str, ...] = (
    "",
    "rsvp",
    "views",
    "child",
    "reply",
    "views_skip",
    DEADLINE_DONE,
    LA_REPLIED,
    REFERRAL_CHASED,
    REVIEW_PUPIL,
    CONCERN_ACK,
    CONCERN_VIEW,
    OPTION,
    LANGUAGE,
    WORD,
    MEETING_OUTCOME,
    CP_FILE_SENT,
    CP_FILE_RECEIVED,
    CHANNEL,
)
VALUES: tuple[str, ...] = (
    "",
    "yes",
    "no",
    "other_time",
    "interpreter",
    "mychild",
    "message",
    "cancel",
    "skip",
    "send",
    "held",
    "not_held_family",
    "not_held_school",
    "not_held_other",
)


@dataclass(frozen=True)
class Action:
    kind: str
    subject_id: int
    value: str = ""
    # Anything that makes an old button stale when it changes (e.g. a meeting's start).
    stamp: int = 0


def _keys(session: Session) -> list[bytes]:
    ring = keyring_of(session.get_bind().dialect)
    return [hmac.new(key.encode(), _CONTEXT, hashlib.sha256).digest()[:16] for key in ring.keys]


def _cipher(key: bytes) -> Cipher[modes.ECB]:
    # One block, fixed layout with 24 check bits and a magic byte: ECB is a plain PRP here.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def encode(session: Session, action: Action) -> str:
    block = bytes([_MAGIC, KINDS.index(action.kind), VALUES.index(action.value)])
    block += action.subject_id.to_bytes(6, "big") + (action.stamp & 0xFFFFFFFF).to_bytes(4, "big")
    block += b"\0\0\0"
    encryptor = _cipher(_keys(session)[0]).encryptor()
    sealed = encryptor.update(block) + encryptor.finalize()
    return PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def seal(session: Session, kind: str, subject_id: int) -> str:
    """The id of a button that names one record and no answer (a Done, an Acknowledge)."""
    return encode(session, Action(kind, subject_id))


def decode(session: Session, token: str) -> Action | None:
    """The action behind an id, or None for anything forged, truncated or from another key."""
    if not token.startswith(PREFIX) or len(token) != 23:
        return None
    try:
        sealed = base64.urlsafe_b64decode(token[1:] + "==")
    except (binascii.Error, ValueError):
        return None
    if len(sealed) != 16:
        return None
    for key in _keys(session):
        decryptor = _cipher(key).decryptor()
        block = decryptor.update(sealed) + decryptor.finalize()
        if block[0] != _MAGIC or block[13:] != b"\0\0\0":
            continue
        if block[1] >= len(KINDS) or block[2] >= len(VALUES) or block[1] == 0:
            continue
        return Action(
            kind=KINDS[block[1]],
            subject_id=int.from_bytes(block[3:9], "big"),
            value=VALUES[block[2]],
            stamp=int.from_bytes(block[9:13], "big"),
        )
    return None


def minutes(value: datetime) -> int:
    """A datetime as whole minutes since 1970, the stamp of a meeting's time."""
    return int(value.timestamp() // 60) & 0xFFFFFFFF
