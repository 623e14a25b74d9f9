"""Signing in to the staff web pages: one-time links, server-side sessions, OpenID matches.

A sign-in link carries 32 random bytes (`secrets`); only their SHA-256 is stored, bound to
one member of staff, used once (a conditional UPDATE, so two tabs racing cannot both use
it), and it expires after `LINK_LIFETIME`. It may name the page to open, always a path of
the staff pages, never a full address.

A session is a row, not a signed cookie: the browser holds a random id and the database its
SHA-256, so signing out, a member of staff leaving, or 15 idle minutes end it at once, and a
cookie copied or replayed after that opens nothing. The form token (CSRF) is derived from
the session's id, so it is as secret as the cookie and needs no key of its own.

Who may sign in is the policy's to say (`policy.may_sign_in_to_web`); every sign-in, refusal
and sign-out is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.services import audit, outbox, policy
from sendbot.services.actors import StaffActor, staff_actor_by_email, staff_actor_by_id
from sendbot.store.models import Staff, WebSession, WebSignIn

LINK_LIFETIME = timedelta(minutes=10)
IDLE_LIMIT = timedelta(minutes=15)
# The pages a link may open: a path under the staff pages, nothing else (no open redirect).
PAGE = re.compile(r"^/staff/[a-z0-9/_-]{0,150}$")
HOME = "/staff/"


def digest(raw: str) -> str:
    return hashlib.sha256(_raw(raw)).hexdigest()


def safe_page(page: str | None) -> str:
    """The page to open after signing in: a staff page's path, or the home page."""
    return page if page and PAGE.fullmatch(page) and "//" not in page else HOME


def concern_page(concern_id: int) -> str:
    return f"/staff/concerns/{concern_id}"


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/staff/sign-in/{token}"


def _audit(
    session: Session, now: datetime, staff_id: int | None, school_id: int | None, action: str, **d
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=staff_id,
        action=action,
        object_type="web",
        object_id=staff_id,
        school_id=school_id,
        details=d or None,
    )


# --- one-time links --------------------------------------------------------------------------


def issue_link(
    session: Session, actor: StaffActor, now: datetime, page: str | None = None
) -> str | None:
    """A new one-time sign-in token for this person (None if they may not sign in)."""
    if not policy.may_sign_in_to_web(session, actor):
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        WebSignIn(
            school_id=actor.school_id,
            staff_id=actor.staff_id,
            token_hash=digest(token),
            page=safe_page(page),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    _audit(session, now, actor.staff_id, actor.school_id, "web.link_issued", page=safe_page(page))
    return token


REFUSED_PAGE = (
    "Only the designated safeguarding lead and deputies can open the details of this "
    "concern. Your request has been recorded."
)


def concern_link_refusal(
    session: Session, actor: StaffActor, concern_id: int, now: datetime
) -> str | None:
    """Why no link to this concern's page is sent to this person (audited), or None. The
    page asks again when it is opened."""
    if policy.decide(session, actor, policy.Action.OPEN_CONCERN_PAGE, concern_id):
        return None
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.view_refused",
        object_type="concern",
        object_id=concern_id,
        school_id=actor.school_id,
        details={"where": "web link"},
    )
    return REFUSED_PAGE


@dataclass(frozen=True)
class Redeemed:
    """What a sign-in link opened: a session, or why not (`problem`: unknown, used, expired,
    refused) and, for a link that was real, whose it was, so a new one can be sent."""

    cookie: str | None
    page: str
    problem: str | None = None
    staff_id: int | None = None


def redeem_link(session: Session, token: str, now: datetime) -> Redeemed:
    row = session.scalar(select(WebSignIn).where(WebSignIn.token_hash == digest(token)))
    if row is None:
        _audit(session, now, None, None, "web.link_refused", reason="unknown")
        return Redeemed(None, HOME, "unknown")
    page = safe_page(row.page)
    problem = "used" if row.used_at is not None else "expired" if now >= row.expires_at else None
    if problem is None:
        taken = session.execute(
            update(WebSignIn)
            .where(WebSignIn.id == row.id, WebSignIn.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        problem = None if getattr(taken, "rowcount", 0) == 1 else "used"
    actor = staff_actor_by_id(session, row.staff_id)
    if problem is None and (actor is None or not policy.may_sign_in_to_web(session, actor)):
        problem = "refused"
    if problem is not None or actor is None:
        _audit(session, now, row.staff_id, row.school_id, "web.link_refused", reason=problem)
        return Redeemed(None, page, problem or "refused", row.staff_id)
    return Redeemed(start_session(session, actor, "link", now), page, None, row.staff_id)


def send_new_link(
    session: Session, staff_id: int, base_url: str, page: str, now: datetime, because: str
) -> bool:
    """A new link to this person's own chat, through the outbox (the token is made when the
    message is sent, so it is never stored in the clear); one for each `because` (an old
    link sends one new link, however often its button is pressed). False if they may not
    sign in."""
    actor = staff_actor_by_id(session, staff_id)
    if actor is None or not policy.may_sign_in_to_web(session, actor):
        return False
    outbox.enqueue(
        session,
        school_id=actor.school_id,
        recipient_staff_id=actor.staff_id,
        template=keys.WEB_SIGN_IN_LINK,
        params={"base_url": base_url, "page": safe_page(page)},
        dedupe_key=f"web-link:{actor.staff_id}:{because}",
        priority=outbox.URGENT,
        now=now,
    )
    _audit(session, now, actor.staff_id, actor.school_id, "web.link_requested")
    return True


def send_new_link_for(session: Session, old_token: str, base_url: str, now: datetime) -> bool:
    """`send_new_link` to whoever an old (expired or used) link belonged to."""
    row = session.scalar(select(WebSignIn).where(WebSignIn.token_hash == digest(old_token)))
    if row is None:
        return False
    return send_new_link(
        session, row.staff_id, base_url, row.page or HOME, now, because=f"after:{row.id}"
    )


# --- OpenID Connect -------------------------------------------------------------------------


def staff_by_verified_email(
    session: Session, email: str, provider: str, now: datetime
) -> StaffActor | None:
    """The one active member of staff with this email (the provider has verified it and the
    tenant); audited either way."""
    actor = staff_actor_by_email(session, email)
    if actor is None or not policy.may_sign_in_to_web(session, actor):
        _audit(session, now, None, None, "web.oidc_refused", provider=provider)
        return None
    return actor


# --- sessions --------------------------------------------------------------------------------


def start_session(session: Session, actor: StaffActor, via: str, now: datetime) -> str:
    cookie = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            school_id=actor.school_id,
            staff_id=actor.staff_id,
            session_hash=digest(cookie),
            via=via,
            created_at=now,
            last_seen_at=now,
        )
    )
    _audit(session, now, actor.staff_id, actor.school_id, "web.sign_in", via=via)
    return cookie


@dataclass(frozen=True)
class Current:
    """Who a cookie signs in, or why it does not (`problem`: none, unknown, ended, idle)."""

    actor: StaffActor | None
    problem: str | None = None


def current(session: Session, cookie: str | None, now: datetime) -> Current:
    """The signed-in member of staff; each page seen keeps the session alive 15 minutes."""
    if not cookie:
        return Current(None, "none")
    row = session.scalar(select(WebSession).where(WebSession.session_hash == digest(cookie)))
    if row is None:
        _audit(session, now, None, None, "web.session_refused", reason="unknown")
        return Current(None, "unknown")
    if row.ended_at is not None:
        _audit(session, now, row.staff_id, row.school_id, "web.session_refused", reason="ended")
        return Current(None, "ended")
    actor = staff_actor_by_id(session, row.staff_id)
    if now - row.last_seen_at >= IDLE_LIMIT or actor is None:
        row.ended_at = now
        _audit(session, now, row.staff_id, row.school_id, "web.session_ended", reason="idle")
        return Current(None, "idle")
    row.last_seen_at = now
    return Current(actor)


def end_session(session: Session, cookie: str | None, now: datetime) -> None:
    if not cookie:
        return
    row = session.scalar(select(WebSession).where(WebSession.session_hash == digest(cookie)))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        _audit(session, now, row.staff_id, row.school_id, "web.sign_out")


def _raw(text: str) -> bytes:
    """Bytes of whatever a browser sent: lone surrogates (undecodable bytes) included."""
    return text.encode("utf-8", "surrogatepass")


def same_secret(expected: str, given: str) -> bool:
    """A constant-time comparison that any text a client sends can take part in
    (`hmac.compare_digest` refuses strings with characters outside ASCII)."""
    return hmac.compare_digest(_raw(expected), _raw(given))


def csrf_token(cookie: str) -> str:
    """The form token of a session: bound to it, unguessable without the cookie."""
    return hmac.new(_raw(cookie), b"sendbot-web-form", hashlib.sha256).hexdigest()


def csrf_ok(cookie: str | None, given: str | None) -> bool:
    if not cookie or not given:
        return False
    return same_secret(csrf_token(cookie), given)


def staff_name(session: Session, staff_id: int) -> str:
    staff = session.get(Staff, staff_id)
    return staff.display_name if staff else "someone"
