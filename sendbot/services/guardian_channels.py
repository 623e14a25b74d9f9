"""How a parent or carer is reached: their channels, the one they chose, and the order tried.

A guardian's channels are their active accounts (`Identity` rows): a Telegram chat they
linked, and the email address and mobile number from the school's roster (platform
"email", the address lower-cased; platform "sms", the number in E.164). Each message goes
by the channel the guardian chose first, then by the others in the school's order:
Telegram, email, text message. Text messages come last because they cost the school money.
When one channel fails for good (a blocked chat, a bounced address) the outbox worker
tries the next. Parents choose their channel themselves (Telegram's /channel, the web
page); both call `set_preferred_channel`.

A channel counts only where the school can send by it: Telegram with a bot token, email
with an email route (SMTP, Notify or .eml files), text messages with Notify's key and
template (`sending`). A guardian whose only address is on a channel the school has not
switched on has no channel: booking tells the SENCO to write or call, and nothing
undeliverable is queued. The console (`sendbot tick`, the demo) prints every channel, so
it says so with `send_by`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.config import Settings, get_settings
from sendbot.services import audit
from sendbot.services.actors import StaffActor
from sendbot.store.models import Guardian, Identity

TELEGRAM = "telegram"
EMAIL = "email"
SMS = "sms"
# The school's order when the guardian chose none; the chosen channel goes first.
ORDER: tuple[str, ...] = (TELEGRAM, EMAIL, SMS)
CHANNELS = frozenset(ORDER)

# Who changed a guardian's channel: the guardian (chat or web page), the admin's command
# line, or a member of staff.
Actor = Literal["guardian", "cli"] | StaffActor


def fallback_order(preferred: str | None) -> tuple[str, ...]:
    """Every channel in the order to try: the guardian's choice, then the school's order."""
    if preferred not in CHANNELS:
        return ORDER
    return (preferred, *(c for c in ORDER if c != preferred))


def configured(settings: Settings) -> frozenset[str]:
    """The channels the settings switch on."""
    found = set()
    if settings.telegram_bot_token is not None:
        found.add(TELEGRAM)
    route = settings.email_route()
    if route is not None and (route != "notify" or settings.notify_email_configured()):
        found.add(EMAIL)
    if settings.notify_sms_configured():
        found.add(SMS)
    return frozenset(found)


# Set by a process whose senders are not the settings' (the console prints every channel).
_sending_by: frozenset[str] | None = None


def send_by(platforms: Iterable[str] | None) -> None:
    """This process sends by these channels whatever the settings say; None: the settings."""
    global _sending_by
    _sending_by = None if platforms is None else frozenset(platforms) & CHANNELS


def sending() -> frozenset[str]:
    """The channels the school can send by now."""
    return _sending_by if _sending_by is not None else configured(get_settings())


@dataclass(frozen=True)
class Channel:
    platform: str  # telegram | email | sms
    identity_id: int
    address: str  # the chat id, the email address, the number


def _ordered(identities: list[Identity], preferred: str | None) -> list[Channel]:
    on = sending()
    rank = {p: n for n, p in enumerate(fallback_order(preferred)) if p in on}
    usable = [i for i in identities if i.active and i.platform in rank]
    # The newest account of a kind first (a parent's new phone before the old one).
    usable.sort(key=lambda i: (rank[i.platform], -i.id))
    return [Channel(i.platform, i.id, i.external_id) for i in usable]


def channels_of(session: Session, guardian_id: int) -> list[Channel]:
    """The guardian's usable channels, in the order a message tries them: their active
    accounts on the channels the school can send by."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        return []
    found = list(
        session.scalars(
            select(Identity).where(Identity.guardian_id == guardian_id, Identity.active)
        )
    )
    return _ordered(found, guardian.preferred_channel)


def first_channel(session: Session, guardian_id: int) -> str | None:
    """The channel a message to this guardian goes by first; None: no channel at all."""
    found = channels_of(session, guardian_id)
    return found[0].platform if found else None


@dataclass(frozen=True)
class ChannelChange:
    """What `set_preferred_channel` did. `status` is one of: changed, same (already the
    choice), no_address (the guardian has no working account on that channel), unknown
    (not a channel we offer)."""

    status: str
    channel: str | None = None
    available: tuple[str, ...] = ()  # the channels that would work, in the order tried

    @property
    def ok(self) -> bool:
        return self.status in ("changed", "same")


def _actor_of(actor: Actor, guardian: Guardian) -> tuple[str, int | None]:
    if actor == "guardian":
        return "guardian", guardian.id
    if actor == "cli":
        return "cli", None
    assert isinstance(actor, StaffActor)
    return "staff", actor.staff_id


def set_preferred_channel(
    session: Session, guardian_id: int, channel: str, now: datetime, actor: Actor
) -> ChannelChange:
    """Make `channel` the guardian's first channel. Refused, kindly, for a channel they have
    no working account on (the answer lists the ones that would work). Audited."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        raise LookupError("There is no parent or carer with that number.")
    available = tuple(dict.fromkeys(c.platform for c in channels_of(session, guardian_id)))
    if channel not in CHANNELS:
        return ChannelChange("unknown", guardian.preferred_channel, available)
    if channel not in available:
        return ChannelChange("no_address", guardian.preferred_channel, available)
    if guardian.preferred_channel == channel:
        return ChannelChange("same", channel, available)
    previous = guardian.preferred_channel
    guardian.preferred_channel = channel
    kind, actor_id = _actor_of(actor, guardian)
    audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=actor_id,
        action="guardian.channel",
        object_type="guardian",
        object_id=guardian.id,
        school_id=guardian.school_id,
        details={"from": previous, "to": channel},
    )
    return ChannelChange("changed", channel, available)


def confirm_email(session: Session, guardian_id: int, now: datetime) -> int:
    """The guardian confirmed, by the link sent there, that their email address is theirs:
    each active email account of theirs not confirmed yet is marked (audited). Returns how
    many were marked; a second confirmation marks none."""
    found = session.scalars(
        select(Identity).where(
            Identity.guardian_id == guardian_id,
            Identity.platform == EMAIL,
            Identity.active,
            Identity.confirmed_at.is_(None),
        )
    ).all()
    marked = 0
    for identity in found:
        identity.confirmed_at = now
        marked += 1
        guardian = session.get(Guardian, guardian_id)
        audit.record(
            session,
            at=now,
            actor_kind="guardian",
            actor_id=guardian_id,
            action="identity.confirm",
            object_type="identity",
            object_id=identity.id,
            school_id=guardian.school_id if guardian else None,
            details={"platform": EMAIL},
        )
    return marked


def email_confirmed(session: Session, guardian_id: int) -> bool:
    """Whether the guardian's active email address is confirmed."""
    found = session.scalar(
        select(Identity.id).where(
            Identity.guardian_id == guardian_id,
            Identity.platform == EMAIL,
            Identity.active,
            Identity.confirmed_at.is_not(None),
        )
    )
    return found is not None


# --- from the school's roster -----------------------------------------------------------------

# Why a roster address went inactive: the roster no longer gives it (removed or changed).
# Set beside identities.BLOCKED (it bounced, or the number is invalid), STOPPED and UNLINKED.
ROSTER = "roster"


def roster_team(guardian_id: int) -> str:
    """An email or text account belongs to one guardian: two parents who share a family
    address or phone each have their own account on it (and their own links)."""
    return f"guardian:{guardian_id}"


@dataclass
class AddressSync:
    created: int = 0
    revived: int = 0
    unchanged: int = 0
    deactivated: int = 0
    # The roster repeats an address that stopped working (it bounced, the parent stopped
    # messages there, or the school unlinked them): left off until the school changes it.
    kept_off: list[str] = field(default_factory=list)


def sync_roster_address(
    session: Session,
    guardian: Guardian,
    platform: str,
    address: str | None,
    changed: bool,
    now: datetime,
    done: AddressSync,
) -> None:
    """Make the roster's `address` the guardian's one active account on `platform`.

    Another address of theirs on that platform goes inactive (reason "roster"). The same
    address, inactive, comes back only when the roster changed to it (`changed`: it differs
    from the last import's) or when it was the roster that turned it off: an address that
    bounced, or that the parent or the school stopped, is not switched on again by importing
    the same export once more.
    """
    rows = list(
        session.scalars(
            select(Identity).where(
                Identity.guardian_id == guardian.id, Identity.platform == platform
            )
        )
    )
    same = next((r for r in rows if r.external_id == address), None)
    for row in rows:
        if row is not same and row.active:
            row.active, row.inactive_reason = False, ROSTER
            done.deactivated += 1
    if address is None:
        return
    if same is None:
        session.add(
            Identity(
                platform=platform,
                team_id=roster_team(guardian.id),
                external_id=address,
                guardian_id=guardian.id,
                active=True,
                created_at=now,
            )
        )
        done.created += 1
    elif same.active:
        done.unchanged += 1
    elif changed or same.inactive_reason == ROSTER:
        same.active, same.inactive_reason = True, None
        done.revived += 1
    else:
        done.kept_off.append(f"{guardian.external_id} {platform} ({same.inactive_reason})")
