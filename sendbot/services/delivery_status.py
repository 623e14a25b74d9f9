"""What a delivery receipt changes: GOV.UK Notify says how a sent message ended.

Notify posts one receipt a message when it knows the end (docs/parents.md). The receipt
names the notification (`id`, kept on the outbox row as its platform message id when it
was sent) and our `reference` (the outbox row's id). It is applied once:

- `delivered`: recorded as a delivery attempt "delivered"; the row stays sent.
- `permanent-failure` (the number or address does not exist): that account is marked
  inactive as a blocked one is (`parents.mark_blocked`, which tells the school), and the row
  goes back to pending so the worker tries the guardian's next channel; with none left the
  row is blocked and the school is told the message could not be delivered.
- `temporary-failure` (phone off or inbox full for 72 hours) and `technical-failure`
  (Notify's own trouble): the row goes back to pending for later, on the same channel;
  after `MAX_RESENDS` such receipts it is failed and the school is told.

A receipt for a row that has since moved on (sent again elsewhere, already handled), a
repeated receipt, or one naming nothing we sent changes nothing. Interim statuses
(`sending`, `pending`, `sent` internationally) are recorded for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.services import parents
from sendbot.services.meetings import tell_sencos
from sendbot.store.models import DeliveryAttempt, Guardian, Identity, Outbox, Staff

RECEIPTS = "notify-receipt"  # the worker column of the attempts a receipt records
DELIVERED = "delivered"
PERMANENT = "permanent-failure"
TEMPORARY = "temporary-failure"
TECHNICAL = "technical-failure"
FINAL = frozenset({DELIVERED, PERMANENT, TEMPORARY, TECHNICAL})
EARLY = "early"  # the route answers 503, so Notify sends the receipt again later
MAX_RESENDS = 3
RESEND_AFTER = {TEMPORARY: timedelta(hours=6), TECHNICAL: timedelta(minutes=15)}


@dataclass(frozen=True)
class Receipt:
    notification_id: str
    reference: str | None
    to: str
    status: str
    notification_type: str  # "sms" | "email"


def _row(session: Session, receipt: Receipt) -> Outbox | str:
    """The row the receipt is about, or why there is none: "early" while the worker that
    sent it has not yet recorded the send (Notify is asked to try again), else "unknown"."""
    pg = session.get_bind().dialect.name == "postgresql"
    row = None
    if receipt.reference and receipt.reference.isdigit() and len(receipt.reference) < 18:
        row = session.get(Outbox, int(receipt.reference), with_for_update=pg)
        if row is not None and row.status == "claimed" and row.platform_message_id is None:
            return EARLY
    if row is None or row.platform_message_id != receipt.notification_id:
        query = select(Outbox).where(Outbox.platform_message_id == receipt.notification_id)
        row = session.scalar(query.with_for_update() if pg else query)
    return row if row is not None else "unknown"


def _seen(session: Session, row: Outbox, detail: str) -> bool:
    return bool(
        session.scalar(
            select(func.count(DeliveryAttempt.id)).where(
                DeliveryAttempt.outbox_id == row.id,
                DeliveryAttempt.worker == RECEIPTS,
                DeliveryAttempt.detail == detail,
            )
        )
    )


def apply(session: Session, receipt: Receipt, now: datetime) -> str:
    """Apply one receipt; returns what it did (for the log): a word, never personal data."""
    if receipt.status not in FINAL:
        return "interim"
    row = _row(session, receipt)
    if isinstance(row, str):
        return row
    detail = f"notify {receipt.status} {receipt.notification_id}"
    if _seen(session, row, detail):
        return "repeated"
    if receipt.status == DELIVERED:
        _attempt(session, row, DELIVERED, detail, now)
        return DELIVERED
    if row.status != "sent" or row.platform_message_id != receipt.notification_id:
        _attempt(session, row, "ignored", detail, now)
        return "moved on"
    _unsend(row)
    if receipt.status == PERMANENT:
        _attempt(session, row, "blocked", detail, now)
        return _next_channel(session, row, receipt, now)
    _attempt(session, row, "retry", detail, now)
    resends = session.scalar(
        select(func.count(DeliveryAttempt.id)).where(
            DeliveryAttempt.outbox_id == row.id,
            DeliveryAttempt.worker == RECEIPTS,
            DeliveryAttempt.outcome == "retry",
        )
    )
    row.last_error = f"notify: {receipt.status}"
    if (resends or 0) > MAX_RESENDS:
        row.status = "failed"
        _tell_school(session, row, now)
        return "failed"
    row.status, row.not_before = "pending", now + RESEND_AFTER[receipt.status]
    return "retry"


def _unsend(row: Outbox) -> None:
    """The row as it was before it went: no platform, id or sent time, no leftover parts."""
    row.platform, row.platform_message_id, row.sent_at = None, None, None
    row.delivered_parts, row.claimed_by, row.lease_until = None, None, None


def _attempt(session: Session, row: Outbox, outcome: str, detail: str, now: datetime) -> None:
    session.add(
        DeliveryAttempt(outbox_id=row.id, at=now, worker=RECEIPTS, outcome=outcome, detail=detail)
    )


def _next_channel(session: Session, row: Outbox, receipt: Receipt, now: datetime) -> str:
    """The account does not exist: stop using it, and send by the next one if there is one."""
    owner = (
        Identity.guardian_id == row.recipient_guardian_id
        if row.recipient_guardian_id is not None
        else Identity.staff_id == row.recipient_staff_id
    )
    accounts = list(session.scalars(select(Identity).where(owner, Identity.active)))
    wanted = _address(receipt.notification_type, receipt.to)
    dead = [
        i for i in accounts if i.platform == receipt.notification_type and i.external_id == wanted
    ]
    if not dead:  # Notify wrote the number its own way: the one account of that kind
        same = [i for i in accounts if i.platform == receipt.notification_type]
        dead = same if len(same) == 1 else []
    for identity in dead:
        parents.mark_blocked(session, identity.platform, identity.external_id, now)
        session.refresh(identity)
    row.last_error = f"notify: {PERMANENT} ({receipt.notification_type})"
    if any(i.active for i in accounts):
        row.status, row.not_before = "pending", now
        return "next channel"
    row.status = "blocked"
    _tell_school(session, row, now)
    return "unreachable"


def _address(kind: str, to: str) -> str:
    """The account's external id for Notify's `to`: E.164 for a number, lower case for email."""
    to = to.strip()
    if kind == "email":
        return to.lower()
    digits = "".join(ch for ch in to if ch.isdigit())
    if to.startswith("+"):
        return "+" + digits
    if digits.startswith("44"):
        return "+" + digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return "+" + digits


def _tell_school(session: Session, row: Outbox, now: datetime) -> None:
    if row.recipient_guardian_id is not None:
        guardian = session.get(Guardian, row.recipient_guardian_id)
        person = guardian.display_name if guardian else "a parent or carer"
    else:
        staff = session.get(Staff, row.recipient_staff_id)
        person = staff.display_name if staff else "a staff member"
    tell_sencos(
        session,
        row.school_id,
        keys.DELIVERY_FAILED,
        {"person": person, "template": row.template, "error": row.last_error or ""},
        f"delivery_failed:{row.id}:receipt",
        now,
    )
