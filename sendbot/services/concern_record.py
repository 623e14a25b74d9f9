"""A concern as a court would accept it: written once, added to, never edited.

A correction or something learnt later is an addendum: a `ConcernAction` of kind
"addendum" with its author, time and (encrypted) words, in the concern's chronology beside
the acknowledgements and decisions. The concern's own words are never changed: the model
refuses a change to them (`store.models`), and no service offers one.

Photos (a written note, a body map) are kept with a concern, encrypted like the narrative,
with their content type, size and SHA-256. Only images are kept (read from the bytes, never
the name) up to `MAX_IMAGE_BYTES`. A photo sent while a report is being written is held for
that chat and claimed when the report is saved; one sent just after goes to the sender's
concern saved in the last hour. The platforms' downloads happen in the handlers: this
module receives bytes.

Who may add (the person who logged it, the DSL and deputies) and who may see the photos
(whoever may read the concern) is decided in `policy`; every attempt is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sendbot.domain.safeguarding import NotAnImage, check_image, size_words
from sendbot.services import audit, policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Concern, ConcernAction, ConcernAttachment, Pupil, Staff

ADDENDUM = "addendum"
ADDENDUM_LIMIT = 2000
RECENT = timedelta(hours=1)  # a photo sent "right after" a report goes with it
HELD_FOR = timedelta(hours=24)  # as long as a half-written report is kept
NOT_YOURS = (
    "Only the person who logged this concern, the designated safeguarding lead and the "
    "deputies can add to it. Your request has been recorded."
)
NOT_FOUND = "I can't find that concern."


class AdditionRefused(ValueError):
    """Something a person can act on: the message says what, and nothing was kept."""


@dataclass(frozen=True)
class Addendum:
    author: str
    at: datetime
    note: str


@dataclass(frozen=True)
class AttachmentInfo:
    attachment_id: int
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @property
    def describe(self) -> str:
        kind = self.content_type.removeprefix("image/").upper()
        return f"Photo ({kind}, {size_words(self.size)})"


@dataclass(frozen=True)
class Received:
    """What happened to a photo sent in: kept with a concern, held for a report being
    written, or refused (the message says why, kindly)."""

    message: str
    attachment_id: int | None = None
    concern_id: int | None = None


def _name(session: Session, staff_id: int | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.display_name if staff else "someone"


def _audit(
    session: Session, actor: StaffActor, action: str, concern: Concern, now: datetime, **details
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type="concern",
        object_id=concern.id,
        school_id=actor.school_id,
        pupil_id=concern.pupil_id,
        details=details,
    )


def _concern_to_add_to(
    session: Session, actor: StaffActor, concern_id: int, now: datetime, what: str
) -> Concern:
    concern = session.get(Concern, concern_id)
    if concern is None or concern.school_id != actor.school_id:
        raise AdditionRefused(NOT_FOUND)
    if not policy.may_add_to_concern(actor, concern):
        _audit(session, actor, f"concern.{what}_refused", concern, now)
        raise AdditionRefused(NOT_YOURS)
    return concern


# --- addenda -------------------------------------------------------------------------------


def add_addendum(
    session: Session, actor: StaffActor, concern_id: int, note: str, now: datetime
) -> int:
    """A dated, signed addition to a concern; the concern itself is left as written."""
    text = note.strip()
    if not text:
        raise AdditionRefused("Please write the addendum: a sentence or two.")
    if len(text) > ADDENDUM_LIMIT:
        raise AdditionRefused(
            f"That is {len(text):,} characters; the limit is {ADDENDUM_LIMIT:,}. "
            f"Please shorten it by {len(text) - ADDENDUM_LIMIT:,} characters."
        )
    concern = _concern_to_add_to(session, actor, concern_id, now, "addendum")
    action = ConcernAction(
        concern_id=concern.id, actor_id=actor.staff_id, at=now, kind=ADDENDUM, note_text=text
    )
    session.add(action)
    session.flush()
    _audit(session, actor, "concern.addendum", concern, now, action_id=action.id)
    return action.id


def addenda(session: Session, concern_id: int) -> list[Addendum]:
    """A concern's addenda, oldest first. The caller has checked the reader may read it."""
    rows = session.scalars(
        select(ConcernAction)
        .where(ConcernAction.concern_id == concern_id, ConcernAction.kind == ADDENDUM)
        .order_by(ConcernAction.at, ConcernAction.id)
    )
    return [Addendum(_name(session, r.actor_id), r.at, r.note_text or "") for r in rows]


@dataclass(frozen=True)
class Addable:
    concern_id: int
    pupil_name: str
    raised_at: datetime
    safeguarding: bool


def addable(session: Session, actor: StaffActor, since: datetime) -> list[Addable]:
    """Concerns this person may add to, logged since `since`, newest first."""
    rows = session.execute(
        select(Concern, Pupil)
        .join(Pupil, Pupil.id == Concern.pupil_id)
        .where(Concern.school_id == actor.school_id, Concern.raised_at >= since)
        .order_by(Concern.raised_at.desc(), Concern.id.desc())
    ).all()
    return [
        Addable(concern.id, pupil.display_name, concern.raised_at, concern.safeguarding)
        for concern, pupil in rows
        if policy.may_add_to_concern(actor, concern)
    ]


# --- photos --------------------------------------------------------------------------------


def _stored(
    session: Session,
    actor: StaffActor,
    data: bytes,
    source: str,
    now: datetime,
    concern_id: int | None = None,
    held_for: str | None = None,
) -> ConcernAttachment:
    content_type = check_image(data)
    row = ConcernAttachment(
        school_id=actor.school_id,
        concern_id=concern_id,
        uploaded_by_id=actor.staff_id,
        uploaded_at=now,
        held_for=held_for,
        source=source,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(row)
    session.flush()
    return row


def attach(
    session: Session,
    actor: StaffActor,
    concern_id: int,
    data: bytes,
    source: str,
    now: datetime,
) -> Received:
    """Keep a photo with a concern this person may add to."""
    try:
        concern = _concern_to_add_to(session, actor, concern_id, now, "attach")
        row = _stored(session, actor, data, source, now, concern_id=concern.id)
    except (AdditionRefused, NotAnImage) as exc:
        return Received(str(exc))
    _audit(session, actor, "concern.attach", concern, now, attachment_id=row.id, size=row.size)
    return Received(
        f"The photo is kept with concern #{concern.id}, encrypted. Only those who may read "
        "the concern can open it.",
        row.id,
        concern.id,
    )


def hold(
    session: Session, actor: StaffActor, held_for: str, data: bytes, source: str, now: datetime
) -> Received:
    """A photo sent while a report is being written in this chat: kept until it is saved."""
    try:
        row = _stored(session, actor, data, source, now, held_for=held_for)
    except NotAnImage as exc:
        return Received(str(exc) + " Your report so far is kept.")
    return Received("Thank you: the photo will be kept with this concern when you save it.", row.id)


def receive(
    session: Session,
    actor: StaffActor,
    held_for: str,
    data: bytes,
    source: str,
    now: datetime,
    drafting: bool,
) -> Received:
    """A photo sent into a chat: held for the report being written there (`drafting`), or
    kept with the sender's concern saved in the last hour, or kindly refused."""
    if drafting:
        return hold(session, actor, held_for, data, source, now)
    latest = session.scalar(
        select(Concern.id)
        .where(
            Concern.school_id == actor.school_id,
            Concern.raised_by_id == actor.staff_id,
            Concern.raised_at >= now - RECENT,
        )
        .order_by(Concern.raised_at.desc(), Concern.id.desc())
        .limit(1)
    )
    if latest is None:
        return Received(
            "I can keep a photo of a written note or a body map with a concern. Please "
            "start with 'concern' and send the photo while you write it, or within an hour "
            "of saving it."
        )
    return attach(session, actor, latest, data, source, now)


def claim_held(
    session: Session, actor: StaffActor, held_for: str, concern_id: int, now: datetime
) -> int:
    """At Save: the photos held for this chat's report go with the concern. How many."""
    rows = session.scalars(
        select(ConcernAttachment).where(
            ConcernAttachment.held_for == held_for,
            ConcernAttachment.uploaded_by_id == actor.staff_id,
            ConcernAttachment.concern_id.is_(None),
            ConcernAttachment.uploaded_at >= now - HELD_FOR,
        )
    ).all()
    concern = session.get(Concern, concern_id)
    assert concern is not None
    for row in rows:
        row.concern_id = concern_id
        row.held_for = None
        _audit(session, actor, "concern.attach", concern, now, attachment_id=row.id, size=row.size)
    return len(rows)


def held_count(session: Session, actor: StaffActor, held_for: str) -> int:
    return len(
        session.scalars(
            select(ConcernAttachment.id).where(
                ConcernAttachment.held_for == held_for,
                ConcernAttachment.uploaded_by_id == actor.staff_id,
                ConcernAttachment.concern_id.is_(None),
            )
        ).all()
    )


def drop_held(session: Session, actor: StaffActor, held_for: str) -> None:
    """A report cancelled or expired: the photos held for it go too."""
    session.execute(
        delete(ConcernAttachment).where(
            ConcernAttachment.held_for == held_for,
            ConcernAttachment.uploaded_by_id == actor.staff_id,
            ConcernAttachment.concern_id.is_(None),
        )
    )


def attachments_of(session: Session, actor: StaffActor, concern_id: int) -> list[AttachmentInfo]:
    """A concern's photos (no bytes), for a reader the policy allows; else none."""
    if not policy.decide(session, actor, policy.Action.READ_CONCERN, concern_id):
        return []
    rows = session.scalars(
        select(ConcernAttachment)
        .where(ConcernAttachment.concern_id == concern_id)
        .order_by(ConcernAttachment.id)
    )
    return [
        AttachmentInfo(
            r.id, r.content_type, r.size, r.sha256, _name(session, r.uploaded_by_id), r.uploaded_at
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes
    filename: str
    concern_id: int


def open_attachment(
    session: Session, actor: StaffActor, attachment_id: int, now: datetime
) -> Photo | None:
    """The photo's bytes for a reader of its concern (audited); None, also audited, else."""
    row = session.get(ConcernAttachment, attachment_id)
    concern = session.get(Concern, row.concern_id) if row and row.concern_id else None
    allowed = concern is not None and policy.decide(
        session, actor, policy.Action.READ_CONCERN, concern.id
    )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concern.attachment_view" if allowed else "concern.attachment_view_refused",
        object_type="concern_attachment",
        object_id=attachment_id,
        school_id=actor.school_id,
        pupil_id=concern.pupil_id if allowed and concern else None,
    )
    if not allowed or row is None or concern is None:
        return None
    extension = row.content_type.removeprefix("image/").replace("jpeg", "jpg")
    return Photo(
        row.content_type, row.data, f"concern-{row.concern_id}-{row.id}.{extension}", concern.id
    )
