"""Every inbound message, on every channel, passes the same gate before any reply is made.

The gate is one function, `admit`, called in the transaction that handles the message: the
event id is claimed so a retried or raced update counts once (and so is every other key the
request names: a signed Slack request's signature, a modal's submitted version, so the
same bytes replayed inside the signature's five minutes are done once), the sender is
identified from the accounts on record, and the message is counted against the sender's
inbound rate limit.
It answers with an `Admission` the adapter turns into its own reply (a Slack refusal, a
Telegram message, an HTTP status). A refusal the gate decides (an unknown sender, a sender
slowed down) is logged here, once for every channel, without the sender's platform key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sendbot.services import events, identities, invites, rate_limit, teams_accounts
from sendbot.services.actors import StaffActor
from sendbot.services.rate_limit import RateLimit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sender:
    """The person behind a platform account: a member of staff or a parent or carer.

    `active` is False for a parent's account that stopped receiving; `resumable` says
    whether they may start again with /start (only after blocking the bot) or need a new
    invite (after /stop, a newer redemption or the school unlinking them)."""

    staff: StaffActor | None = None
    guardian_id: int | None = None
    identity_id: int | None = None
    active: bool = True
    resumable: bool = False


@dataclass(frozen=True)
class Duplicate:
    """Handled before: a platform's retry, or another worker with the same update."""


@dataclass(frozen=True)
class SlowedDown:
    """Over the inbound rate limit; nothing else is done. `sender` is who it is, if known,
    so the refusal can be said in their language."""

    sender: Sender | None


@dataclass(frozen=True)
class Unknown:
    """Nobody on record for this account (a stranger, or staff not linked yet)."""


@dataclass(frozen=True)
class Admitted:
    sender: Sender


Admission = Duplicate | SlowedDown | Unknown | Admitted


def admit(
    session: Session,
    platform: str,
    event_id: str | None,
    sender_key: str,
    now: datetime,
    *,
    workspace: str = "",
    counted: bool = True,
    limit: RateLimit = rate_limit.DEFAULT,
    once: Sequence[str] = (),
) -> Admission:
    """Dedupe, identify, rate-limit, in the caller's transaction.

    `once` are further keys the request counts once by (`interactive_keys`): a request that
    repeats any of them is a Duplicate, like a repeated event id.

    `workspace` is the team a platform's user ids belong to (a Slack workspace, a Teams
    tenant): such an account is only recognised as staff of a school that uses that workspace. `counted`
    False leaves the message out of the rate limit (Slack's type-ahead suggestions, one a
    keystroke). An unknown sender is counted too, so a stranger cannot flood either."""
    if not all_first_time(session, platform, [*([event_id] if event_id else []), *once], now):
        return Duplicate()
    sender = identify(session, platform, sender_key, now, workspace=workspace)
    if counted and not rate_limit.admit(session, rate_scope(platform), sender_key, now, limit):
        log.info("inbound: slowed down a %s sender on %s", _who(sender), platform)
        return SlowedDown(sender)
    if sender is None:
        log.info(
            "inbound: unknown sender on %s%s", platform, f" ({workspace})" if workspace else ""
        )
        return Unknown()
    return Admitted(sender)


def first_time(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """The dedupe step alone, for an update that names no sender."""
    return events.claim_in(session, platform, event_id, now)


def all_first_time(session: Session, platform: str, keys: Sequence[str], now: datetime) -> bool:
    """Claim every key; False as soon as one was claimed before (the request is a repeat)."""
    return all(first_time(session, platform, key, now) for key in keys)


# A signed request's signature: the same bytes again are a replay, whatever they ask for.
SIGNATURE = "sig:"
# One version of a modal (its view id and hash) submitted: it saves once.
SUBMISSION = "view:"


def interactive_keys(
    kind: str, signature: str | None, view_id: str | None = None, view_hash: str | None = None
) -> tuple[str, ...]:
    """The keys an interactive request (a button, a form, a command, a shortcut, a search)
    counts once by. A platform event is counted by its own event id instead, since the
    platform retries it with a fresh signature on purpose.

    A form's submission also counts once per version of the form: a second press of the
    same version is not saved again, whoever signs it. Nothing saved by the first (a
    question to fix, the database away) lets it go again (`release_submission`)."""
    if kind == "event_callback":
        return ()
    keys = [f"{SIGNATURE}{signature}"] if signature else []
    if kind == "view_submission" and view_id and view_hash:
        keys.append(submission_key(view_id, view_hash))
    return tuple(keys)


def submission_key(view_id: str, view_hash: str) -> str:
    return f"{SUBMISSION}{view_id}:{view_hash}"


def release_submission(sessions: sessionmaker[Session], platform: str, keys: Sequence[str]) -> None:
    """A submission that saved nothing may be sent again, as it was: its claim is let go.
    Best effort: when the database is away the claim was never written, or it stays, and
    the form the person is shown is then a new version anyway."""
    for key in keys:
        if key.startswith(SUBMISSION):
            try:
                events.release(sessions, platform, key)
            except SQLAlchemyError:
                log.warning("inbound: could not let a form submission go again")


def identify(
    session: Session, platform: str, sender_key: str, now: datetime, *, workspace: str = ""
) -> Sender | None:
    """Who this account speaks for, re-read on every message; None for nobody on record."""
    if platform == identities.SLACK:
        staff = identities.slack_staff(session, workspace, sender_key, now)
        return Sender(staff=staff) if staff is not None else None
    if platform == teams_accounts.TEAMS:
        staff = teams_accounts.teams_staff(session, workspace, sender_key, now)
        return Sender(staff=staff) if staff is not None else None
    owner = invites.owner_of(session, platform, sender_key, now)
    if owner is None:
        return None
    return Sender(
        staff=owner.staff,
        guardian_id=owner.guardian_id,
        identity_id=owner.identity_id,
        active=owner.active,
        resumable=owner.resumable,
    )


def rate_scope(platform: str) -> str:
    """Each platform counts its own senders: the same key on two platforms is two people."""
    return f"{platform}:sender"


def _who(sender: Sender | None) -> str:
    if sender is None:
        return "unknown"
    return "staff" if sender.staff is not None else "parent"
