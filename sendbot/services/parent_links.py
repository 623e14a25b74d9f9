"""A parent's one-tap web page: the link an email or a text message carries.

A link is `<web address>/p/<token>`. The token is 22 URL-safe characters: the first 16
bytes of an HMAC-SHA-256 of the outbox row it goes with, under a key derived from the
encryption keys (as the audit checkpoints' key is: it lives in configuration, never in the
database). So a retried send of the same row carries the same link, and only the token's
SHA-256 is stored (`parent_link`). A link names no child: it is bound to one guardian, one
purpose and one object, and it expires:

| purpose | sent with | object | works until |
|---|---|---|---|
| `invitation` | an invitation, its reminder, a moved meeting | the invitation | the meeting is over |
| `views` | "tell us your views before the review" | the invitation | the meeting is over |
| `summary` | a review summary, a term's progress, a cancelled meeting | the outbox row | 14 days |
| `message` | a reply from staff | the outbox row | 14 days |
| `link_telegram` | `sendbot invite guardians`: connect Telegram | the outbox row | 14 days |
| `confirm_email` | `sendbot invite guardians`: is this address yours? | the outbox row | 14 days |

A `link_telegram` page makes the parent's Telegram invite (`invites.create_guardian_invite`, the
one `sendbot invite guardian` makes) only when they press its button, never on opening: a
mail scanner that opens links sees no code. A `confirm_email` page marks the address
confirmed (`guardian_channels.confirm_email`) on its button, for the same reason.

Every page a link opens also lets the parent change their language (and how the school
contacts them). Nothing here decides more than the services it calls: an answer goes
through `meetings.answer` (re-authorised there, the SENCO told there), views through
`meetings.save_views`, a message through `parents.message_school`. Every open, answer and
refusal is audited.

A link that expired, or that a newer link replaced, opens nothing; its page offers "Send me
a new link", which queues the same message again, for the same guardian, by their own
channel (at most once an hour for each old link), and never shows anything to whoever
holds the old link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.i18n.languages import Language, resolve
from sendbot.services import (
    action_ids,
    audit,
    guardian_channels,
    invite_groups,
    invites,
    meetings,
    outbox,
    parents,
    policy,
)
from sendbot.store.crypto import keyring_of
from sendbot.store.models import (
    AuditEvent,
    Guardian,
    Identity,
    Invitation,
    Meeting,
    Outbox,
    ParentLink,
    ParentMessage,
)

INVITATION = "invitation"
VIEWS = "views"
SUMMARY = "summary"
MESSAGE = "message"
LINK_TELEGRAM = invite_groups.LINK_TELEGRAM
CONFIRM_EMAIL = invite_groups.CONFIRM_EMAIL
PURPOSES = (INVITATION, VIEWS, SUMMARY, MESSAGE, LINK_TELEGRAM, CONFIRM_EMAIL)
# The answers an invitation's page offers: the chat's four buttons.
ANSWERS = (*meetings.ANSWERS, "interpreter")

# Which page a message's link opens, by its outbox template.
PURPOSE_BY_TEMPLATE: dict[str, str] = {
    keys.MEETING_INVITATION: INVITATION,
    keys.MEETING_REMINDER: INVITATION,
    keys.MEETING_MOVED: INVITATION,
    keys.MEETING_VIEWS_REQUEST: VIEWS,
    keys.MEETING_CANCELLED: SUMMARY,
    keys.PARENT_REVIEW_SUMMARY: SUMMARY,
    keys.PARENT_TERM_PROGRESS: SUMMARY,
    keys.PARENT_MEETING_INVITATION: SUMMARY,
    keys.PARENT_STAFF_REPLY: MESSAGE,
}
# The platforms whose messages carry a link (they cannot show buttons).
LINKED_PLATFORMS = frozenset({"email", "sms"})
LIFETIME = timedelta(days=14)
# A meeting with no end time given is over this long after it starts.
MEETING_LENGTH = timedelta(hours=2)
RESEND_GAP = timedelta(hours=1)
# How many new links one old link may ask for, ever: never a way to message a family hourly.
RESEND_LIMIT = 3
PREFIX = "/p/"
_CONTEXT = b"sendbot parent links v1"
_FORM = b"sendbot parent link form v1|"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _keys(session: Session) -> list[bytes]:
    """The link keys, newest first, derived from the encryption keys."""
    ring = keyring_of(session.get_bind().dialect)
    return [
        hmac.new(k.strip().encode("ascii"), _CONTEXT, hashlib.sha256).digest() for k in ring.keys
    ]


def _token(key: bytes, outbox_id: int, guardian_id: int, purpose: str) -> str:
    mac = hmac.new(key, f"{outbox_id}|{guardian_id}|{purpose}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode("ascii").rstrip("=")


def url_of(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PREFIX}{token}"


def _audit(session: Session, now: datetime, link: ParentLink | None, action: str, **d: Any) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="guardian",
        actor_id=link.guardian_id if link else None,
        action=action,
        object_type="parent_link",
        object_id=link.id if link else None,
        school_id=link.school_id if link else None,
        details=d or None,
    )


# --- making links (the worker asks, when it sends by email or text message) ----------------


def _object_of(row: Outbox, purpose: str) -> int | None:
    params = row.params or {}
    if purpose in (INVITATION, VIEWS):
        found = params.get("invitation_id") or (params.get("invitation") or {}).get("invitation_id")
        return int(found) if found else None
    return row.id


def _meeting_over(session: Session, invitation_id: int) -> datetime | None:
    invitation = session.get(Invitation, invitation_id)
    meeting = session.get(Meeting, invitation.meeting_id) if invitation else None
    if meeting is None:
        return None
    return meeting.ends_at or meeting.starts_at + MEETING_LENGTH


def purpose_of(row: Outbox) -> str | None:
    """Which page the row's link opens; `sendbot invite guardians`' message says which."""
    if row.template == keys.PARENT_LINK_INVITATION:
        asked = (row.params or {}).get("purpose")
        return asked if asked in (LINK_TELEGRAM, CONFIRM_EMAIL) else None
    return PURPOSE_BY_TEMPLATE.get(row.template)


def link_for_outbox(session: Session, outbox_id: int, base_url: str, now: datetime) -> str | None:
    """The parent's link for this outbox row (the same one on every retry), or None when
    the message has no page. Made here, audited once."""
    row = session.get(Outbox, outbox_id)
    purpose = purpose_of(row) if row else None
    if row is None or purpose is None or row.recipient_guardian_id is None:
        return None
    object_id = _object_of(row, purpose)
    if object_id is None:
        return None
    ring = _keys(session)
    guardian_id = row.recipient_guardian_id
    link = session.scalar(select(ParentLink).where(ParentLink.outbox_id == row.id))
    if link is not None:
        for key in ring:
            token = _token(key, row.id, guardian_id, purpose)
            if hmac.compare_digest(digest(token), link.token_hash):
                return url_of(base_url, token)
    token = _token(ring[0], row.id, guardian_id, purpose)
    if link is not None:  # the key it was made with is gone: the newest makes it again
        link.token_hash = digest(token)
        return url_of(base_url, token)
    over = _meeting_over(session, object_id) if purpose in (INVITATION, VIEWS) else None
    link = ParentLink(
        school_id=row.school_id,
        guardian_id=guardian_id,
        purpose=purpose,
        object_id=object_id,
        outbox_id=row.id,
        token_hash=digest(token),
        created_at=now,
        expires_at=over or now + LIFETIME,
    )
    session.add(link)
    session.flush()
    _audit(session, now, link, "parent_link.issued", purpose=purpose)
    return url_of(base_url, token)


# --- opening a link ----------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """What a link opens. `status`: ok, unknown (forged or mistyped), expired, replaced.
    For a link that was real, whose it is (so the page speaks their language)."""

    status: str
    purpose: str | None = None
    guardian_id: int | None = None
    object_id: int | None = None
    outbox_id: int | None = None
    language: Language | None = None
    timezone: str = "Europe/London"
    link_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _expires(session: Session, link: ParentLink) -> datetime:
    """A meeting's link follows the meeting: moved later, its link works later too."""
    if link.purpose in (INVITATION, VIEWS):
        return _meeting_over(session, link.object_id) or link.expires_at
    return link.expires_at


def _pupil_of(session: Session, link: ParentLink) -> int | None:
    """The child a link is about: its invitation's meeting's, or the one its message names."""
    row = session.get(Outbox, link.outbox_id)
    params = (row.params if row else None) or {}
    invitation_id = link.object_id if link.purpose in (INVITATION, VIEWS) else None
    invitation_id = invitation_id or _object_of(row, INVITATION) if row else invitation_id
    if invitation_id is not None:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.guardian_id != link.guardian_id:
            return -1  # an invitation that is gone, or another's: nobody's child
        meeting = session.get(Meeting, invitation.meeting_id)
        return meeting.pupil_id if meeting else -1
    if params.get("reply_id"):
        reply = session.get(ParentMessage, int(params["reply_id"]))
        return reply.pupil_id if reply else -1
    found = params.get("pupil_id")
    return int(found) if found else None


def may_open(session: Session, link: ParentLink) -> bool:
    """The policy's answer, now: the guardian may still read the child the link is about."""
    return policy.may_open_parent_link(session, link.guardian_id, _pupil_of(session, link))


def _channel_gone(session: Session, link: ParentLink) -> bool:
    """The account the link was sent to (email, text message) was switched off since: the
    link may be in a mailbox or on a phone that is no longer the guardian's."""
    row = session.get(Outbox, link.outbox_id)
    if row is None or row.platform is None:
        return False
    return link.guardian_id not in channels_of(session, row.platform)


def channels_of(session: Session, platform: str) -> set[int]:
    found = session.scalars(
        select(Identity.guardian_id).where(Identity.platform == platform, Identity.active)
    )
    return {g for g in found if g is not None}


def _status(session: Session, link: ParentLink, now: datetime) -> str:
    if link.replaced_at is not None:
        return "replaced"
    if now >= _expires(session, link) or _channel_gone(session, link):
        return "expired"
    return "ok" if may_open(session, link) else "expired"


def open_link(session: Session, token: str, now: datetime, doing: str = "open") -> Opened:
    """The link's guardian, purpose and object, checked now (the policy asked again); audited
    either way."""
    link = session.scalar(select(ParentLink).where(ParentLink.token_hash == digest(token)))
    if link is None:
        _audit(session, now, None, "parent_link.refused", reason="unknown", doing=doing)
        return Opened("unknown")
    guardian = session.get(Guardian, link.guardian_id)
    status = _status(session, link, now)
    language, _, timezone = parents.reading(session, link.guardian_id)
    script = guardian.script if guardian else None
    if status == "ok":
        _audit(session, now, link, "parent_link.used", purpose=link.purpose, doing=doing)
    else:
        _audit(session, now, link, "parent_link.refused", reason=status, doing=doing)
    return Opened(
        status, link.purpose, link.guardian_id, link.object_id, link.outbox_id,
        resolve(language, script), timezone, link.id,
    )  # fmt: skip


def form_token(session: Session, token: str) -> str:
    """A form's token (CSRF), bound to the link: only someone who holds the link has it."""
    key = _keys(session)[0]
    return hmac.new(key, _FORM + token.encode(), hashlib.sha256).hexdigest()


def form_ok(session: Session, token: str, given: str | None) -> bool:
    """The form's token, as the browser sent it: any characters (compared as bytes, so a
    token in other characters is only wrong)."""
    if not given:
        return False
    sent = given.encode("utf-8", "surrogatepass")
    return any(
        hmac.compare_digest(
            hmac.new(k, _FORM + token.encode(), hashlib.sha256).hexdigest().encode(), sent
        )
        for k in _keys(session)
    )


# --- what the pages show and do ----------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """The message a page shows (rendered by the registry, as the chat gets it) and the
    state of the invitation it is about, if any."""

    template: str
    params: dict[str, Any]
    rsvp: str | None = None
    interpreter: bool = False
    views_given: bool = False
    meeting_gone: str | None = None  # cancelled, past


def _invitation_state(session: Session, invitation_id: int, now: datetime) -> Shown:
    invitation = session.get(Invitation, invitation_id)
    assert invitation is not None
    meeting = session.get(Meeting, invitation.meeting_id)
    assert meeting is not None
    gone = (
        "cancelled"
        if meeting.status == "cancelled"
        else "past"
        if meeting.starts_at <= now
        else None
    )
    return Shown(
        keys.MEETING_INVITATION,
        meetings.invitation_params(session, invitation),
        rsvp=invitation.rsvp,
        interpreter=bool(invitation.interpreter_requested),
        views_given=invitation.parent_views_text is not None,
        meeting_gone=gone,
    )


def shown(session: Session, opened: Opened, now: datetime) -> Shown:
    """What the link's page shows: the invitation as it is now, or the message it came with."""
    assert opened.ok and opened.object_id is not None and opened.outbox_id is not None
    if opened.purpose in (INVITATION, VIEWS):
        return _invitation_state(session, opened.object_id, now)
    row = session.get(Outbox, opened.outbox_id)
    assert row is not None
    return Shown(row.template, dict(row.params or {}))


def render_params(shown_: Shown, opened: Opened, now: datetime) -> dict[str, Any]:
    """The row's params with the context the worker adds, so the registry renders the page's
    message exactly as it rendered the one that was sent."""
    return {
        **shown_.params,
        "_now": now.isoformat(),
        "_timezone": opened.timezone,
        "_recipient_guardian_id": opened.guardian_id,
        "_outbox_id": opened.outbox_id,
    }


def answer(session: Session, token: str, choice: str, now: datetime) -> meetings.TapResult:
    """An answer to an invitation from its page: the chat's own service, sealed now with the
    meeting as it is (a second answer counts; the latest wins; the SENCO is told)."""
    opened = open_link(session, token, now, doing="answer")
    if not opened.ok or opened.purpose not in (INVITATION, VIEWS) or opened.guardian_id is None:
        return meetings.TapResult("refused")
    invitation = session.get(Invitation, opened.object_id)
    meeting = session.get(Meeting, invitation.meeting_id) if invitation else None
    if invitation is None or meeting is None:
        return meetings.TapResult("refused")
    if choice not in ANSWERS:
        return meetings.TapResult("refused")
    stamp = meetings.stamp_of(meeting)
    sealed = action_ids.encode(session, action_ids.Action("rsvp", invitation.id, choice, stamp))
    return meetings.answer(session, opened.guardian_id, sealed, now)


def save_views(
    session: Session, token: str, views: dict[str, str | None], now: datetime
) -> int | None:
    """The parent's views before the review, saved with the meeting; the child's id for the
    thank-you (a name never goes in an address), or None when the link does not allow it."""
    opened = open_link(session, token, now, doing="views")
    if not opened.ok or opened.purpose not in (INVITATION, VIEWS) or opened.guardian_id is None:
        return None
    assert opened.object_id is not None and opened.language is not None
    language = opened.language.code
    if not meetings.save_views(session, opened.guardian_id, opened.object_id, views, language, now):
        return None
    link = session.get(ParentLink, opened.link_id)
    assert link is not None
    return _pupil_of(session, link)


def children(session: Session, guardian_id: int) -> list[parents.Child]:
    return parents.children(session, guardian_id)


def message_school(
    session: Session, token: str, pupil_id: int, text: str, now: datetime
) -> parents.Sent | None:
    """A message to the school from the page; None when the link does not allow it. Raises
    ValueError for an empty or too long message, as the chat's service does."""
    opened = open_link(session, token, now, doing="message")
    if not opened.ok or opened.guardian_id is None or opened.language is None:
        return None
    try:
        return parents.message_school(
            session, opened.guardian_id, pupil_id, text, opened.language.code, now
        )
    except policy.PermissionDenied:
        return None


def set_language(session: Session, token: str, code: str, now: datetime) -> Language | None:
    opened = open_link(session, token, now, doing="language")
    if not opened.ok or opened.guardian_id is None:
        return None
    try:
        return parents.set_language(session, opened.guardian_id, code, now)
    except ValueError:
        return None


# --- channel: `guardian_channels` decides ------------------------------------------------


def channels(session: Session, guardian_id: int) -> list[str]:
    """The channels this guardian can be reached by now (their active accounts)."""
    found = session.scalars(
        select(Identity.platform).where(Identity.guardian_id == guardian_id, Identity.active)
    )
    return sorted(set(found))


def set_channel(
    session: Session, token: str, channel: str, now: datetime
) -> guardian_channels.ChannelChange | None:
    """The guardian's choice from their page, through the service the chat's /channel uses
    (changed, same, no_address, unknown: it never raises for a channel); None when the link
    does not allow it."""
    opened = open_link(session, token, now, doing="channel")
    if not opened.ok or opened.guardian_id is None:
        return None
    return guardian_channels.set_preferred_channel(
        session, opened.guardian_id, channel, now, "guardian"
    )


# --- connect Telegram, confirm an email address (`sendbot invite guardians`) --------------


def telegram_invite(
    session: Session, token: str, now: datetime, bot_username: str | None
) -> invites.CreatedInvite | str:
    """The parent's Telegram invite, made now: "no_telegram" when the school has no bot,
    "refused" when the link (or the policy) does not allow it."""
    opened = open_link(session, token, now, doing="telegram")
    if not opened.ok or opened.purpose != LINK_TELEGRAM or opened.guardian_id is None:
        return "refused"
    if not bot_username:
        return "no_telegram"
    try:
        return invites.create_guardian_invite(
            session, opened.guardian_id, now, bot_username, by_guardian=True
        )
    except invites.InviteRefused:
        return "refused"


def confirm_email(session: Session, token: str, now: datetime) -> bool:
    """The address the link came to is the parent's: marked confirmed (audited there)."""
    opened = open_link(session, token, now, doing="confirm_email")
    if not opened.ok or opened.purpose != CONFIRM_EMAIL or opened.guardian_id is None:
        return False
    row = session.get(Outbox, opened.outbox_id)
    if row is None or row.platform != guardian_channels.EMAIL:
        return False
    guardian_channels.confirm_email(session, opened.guardian_id, now)
    return True


# --- one-click unsubscribe (RFC 8058) -------------------------------------------------------


def unsubscribe(session: Session, token: str, now: datetime) -> bool:
    """A mail app's one-click "Unsubscribe" for the email this link came with: the guardian's
    email goes off (`parents.unsubscribe_email`: audited, the SENCO told once), nothing else.
    It works for a link that expired or was replaced too (the header stays in the mailbox;
    stopping mail to it is all it can do). Idempotent: a second press changes nothing.
    False for a link that is not real or did not come by email."""
    link = session.scalar(select(ParentLink).where(ParentLink.token_hash == digest(token)))
    row = session.get(Outbox, link.outbox_id) if link else None
    if link is None or row is None or row.platform != "email":
        _audit(session, now, link, "parent_link.refused", reason="unknown", doing="unsubscribe")
        return False
    changed = parents.unsubscribe_email(session, link.guardian_id, now)
    _audit(session, now, link, "parent_link.unsubscribe", changed=changed)
    return True


# --- a new link for an old one -----------------------------------------------------------


def _again(session: Session, link: ParentLink, now: datetime) -> Outbox | None:
    """The same message queued again for the same guardian (a new row: a new link)."""
    row = session.get(Outbox, link.outbox_id)
    if row is None:
        return None
    params = dict(row.params or {})
    if link.purpose in (INVITATION, VIEWS):
        state = _invitation_state(session, link.object_id, now)
        if state.meeting_gone is not None:
            return None  # nothing left to answer: the page says so
        if row.template != keys.MEETING_VIEWS_REQUEST:
            params = state.params
    template = keys.MEETING_INVITATION if link.purpose == INVITATION else row.template
    return outbox.enqueue(
        session,
        school_id=row.school_id,
        template=template,
        params=params,
        dedupe_key=f"parent-link-again:{link.id}:{now.isoformat()}"[:200],
        now=now,
        recipient_guardian_id=link.guardian_id,
    )


def send_new_link(session: Session, token: str, now: datetime) -> bool:
    """For an expired or replaced link that was real: the message again, with a new link, by
    the guardian's own channel. True when one is on its way (or was, within the hour)."""
    link = session.scalar(select(ParentLink).where(ParentLink.token_hash == digest(token)))
    if link is None:
        _audit(session, now, None, "parent_link.refused", reason="unknown", doing="new_link")
        return False
    if link.resent_at is not None and now - link.resent_at < RESEND_GAP:
        _audit(session, now, link, "parent_link.new_link_limited")
        return True
    if _status(session, link, now) == "ok" or _resent(session, link) >= RESEND_LIMIT:
        # a link that works needs no other; an old one asks a few times, not every hour
        _audit(session, now, link, "parent_link.new_link_limited")
        return True
    if not may_open(session, link):
        _audit(session, now, link, "parent_link.refused", reason="policy", doing="new_link")
        return False
    queued = _again(session, link, now)
    if queued is None:
        return False
    link.resent_at = now
    link.replaced_at = link.replaced_at or now
    _audit(session, now, link, "parent_link.new_link", purpose=link.purpose)
    return True


def _resent(session: Session, link: ParentLink) -> int:
    """How many new links this old one has asked for."""
    asked = select(func.count()).where(
        AuditEvent.action == "parent_link.new_link",
        AuditEvent.object_type == "parent_link",
        AuditEvent.object_id == link.id,
    )
    return session.scalar(asked.select_from(AuditEvent)) or 0


def can_send_new(session: Session, token: str, now: datetime) -> bool:
    """Whether the old link's page may offer "Send me a new link": it was real, its guardian
    may still read the child it is about, and there is still something to send."""
    link = session.scalar(select(ParentLink).where(ParentLink.token_hash == digest(token)))
    if link is None or not may_open(session, link) or _resent(session, link) >= RESEND_LIMIT:
        return False
    if link.purpose in (INVITATION, VIEWS):
        return _invitation_state(session, link.object_id, now).meeting_gone is None
    return True


def meeting_gone(session: Session, token: str, now: datetime) -> bool:
    """Whether the meeting an invitation's link is about was cancelled or has taken place."""
    link = session.scalar(select(ParentLink).where(ParentLink.token_hash == digest(token)))
    if link is None or link.purpose not in (INVITATION, VIEWS):
        return False
    return _invitation_state(session, link.object_id, now).meeting_gone is not None
