"""One chronology per child: the DSL's working record, in time order.

Every concern about the pupil, and every step taken on it (acknowledged, escalated,
decisions with their reasons, the referral to children's social care, chases and the
local authority's reply, contacts with agencies, closures and reopenings), and the pupil's
meetings, in one list, oldest first. Working Together and local partnership guidance call
this the chronology; KCSIE asks that "all concerns, discussions and decisions made, and the
reasons for those decisions" be recorded in writing.

It opens for the DSL and deputies of the pupil's school only (`policy.Action.READ_CHRONOLOGY`),
for a pupil who has left as well, since the file moves with the child; every reading and every
refusal is in the audit log. It is written the way a DSL writes: dates in words, people by name
and role, what was decided and why, and none of sendbot's own codes.

A new kind of step needs one line in `STEP_TITLES` (its heading); a step of a kind not
listed there still shows, as "A further step was recorded", so nothing is ever left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sendbot.domain.needs import AREA_LABELS, Area
from sendbot.domain.people import ROLE_LABELS, Role
from sendbot.domain.safeguarding import Category
from sendbot.services import audit, escalation, policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import (
    Concern,
    ConcernAction,
    ConcernAttachment,
    Meeting,
    Pupil,
    School,
    Staff,
)

REFUSED = (
    "Only the designated safeguarding lead and deputies can read a pupil's safeguarding "
    "chronology. Your request has been recorded."
)
NOT_FOUND = "I can't find that pupil in your school."

# The order roles are named in, most relevant to safeguarding first.
ROLE_ORDER = (
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEADTEACHER,
    Role.SENCO,
    Role.TEACHER,
    Role.TA,
    Role.ADMIN,
)
SOURCES = {
    "staff": "a member of staff",
    "parent": "a parent or carer",
    "pupil": "the pupil",
}
MEETING_TITLES = {
    "sen_support_review": "SEN support review meeting",
    "annual_review": "EHC plan annual review meeting",
    "interim_review": "Interim review meeting",
    "reintegration": "Reintegration meeting",
    "parent_meeting": "Meeting with parents or carers",
}
MEETING_STATUSES = {
    "scheduled": "planned",
    "held": "held",
    "not_held": "did not take place",
    "cancelled": "cancelled",
}
STATUS_WORDS = {
    "open": "open, not yet acknowledged",
    "acknowledged": "open",
    "closed": "closed",
    "resolved": "closed",
}


def _decision(details: dict[str, Any]) -> str:
    decision = str(details.get("decision", ""))
    return "Decision: " + escalation.DECISIONS.get(decision, "recorded").lower()


def _agency(details: dict[str, Any]) -> str:
    agency = str(details.get("agency", ""))
    return "Contact with " + _lower_first(escalation.AGENCIES.get(agency, "an agency"))


def _escalated(details: dict[str, Any]) -> str:
    minutes = details.get("minutes")
    after = f" after {minutes} minutes" if isinstance(minutes, int) else ""
    return f"The alert had not been acknowledged{after}: it was sent on to others"


# Each kind of step in a concern's record, and the heading it has in the chronology. A new
# kind is one line here.
STEP_TITLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "acknowledged": lambda d: "Alert acknowledged",
    "escalated": _escalated,
    "decision": _decision,
    "referral": lambda d: "Decision: referral to children's social care",
    "referral_chase": lambda d: "Referral followed up with the local authority",
    "chase_prompt": lambda d: "Reminder to follow up the referral",
    "la_response": lambda d: "The local authority acknowledged the referral and decided next steps",
    "agency_contact": _agency,
    "cumulative_prompt": lambda d: (
        "Several concerns in a short time: the DSL was asked to look at them together"
    ),
    "closed": lambda d: "Concern closed",
    "reopened": lambda d: "Concern reopened",
    "addendum": lambda d: "Addendum added (the concern as first written is kept unchanged)",
}
UNKNOWN_STEP = "A further step was recorded"


@dataclass(frozen=True)
class Entry:
    """One line of the chronology."""

    at: datetime
    when: str  # the date and time in words, school time
    concern: int | None  # the concern it belongs to (shown as "Concern 12")
    title: str
    by: str | None  # "Dana Shah, designated safeguarding lead"
    text: str | None  # what was written: the account, the reason, what was said
    facts: tuple[str, ...] = ()  # short lines: category, immediate danger, who it came from
    by_words: str = "recorded by"  # how `by` is introduced: "logged by", "arranged by"

    @property
    def by_part(self) -> str:
        """' by Lorna Quigley, teaching assistant' after a concern's heading; ', recorded by
        Dana Shah, designated safeguarding lead' after a step's."""
        if not self.by:
            return ""
        return f" by {self.by}" if self.by_words == "by" else f", {self.by_words} {self.by}"

    @property
    def heading(self) -> str:
        return self.title + self.by_part


@dataclass(frozen=True)
class ConcernLine:
    number: int
    raised: str
    status: str


@dataclass(frozen=True)
class Chronology:
    school_name: str
    pupil_id: int
    pupil_name: str
    date_of_birth: date
    date_of_birth_words: str
    year_group: str
    class_name: str | None
    on_roll: bool
    prepared_at: datetime
    prepared_when: str
    prepared_by: str
    concerns: tuple[ConcernLine, ...]
    entries: tuple[Entry, ...]


def when_in_words(at: datetime, zone: ZoneInfo) -> str:
    """'Thursday 24 December 2026, 10:15', in the school's time."""
    local = at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"


def date_in_words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def year_words(year_group: int) -> str:
    return "Reception" if year_group == 0 else f"Year {year_group}"


def person(session: Session, staff_id: int | None) -> str | None:
    """A member of staff by name and role: 'Dana Shah, designated safeguarding lead'."""
    staff = session.get(Staff, staff_id) if staff_id else None
    if staff is None:
        return None
    roles = []
    for role in ROLE_ORDER:
        if role.value in staff.role_names:
            roles.append(ROLE_LABELS[role])
    return f"{staff.display_name}, {' and '.join(roles[:2])}" if roles else staff.display_name


def _area(area: str) -> str:
    try:
        return AREA_LABELS[Area(area)]
    except ValueError:
        return "Other"


def _concern_entry(session: Session, concern: Concern, zone: ZoneInfo) -> Entry:
    facts = [f"Area: {_area(concern.area)}"]
    if concern.safeguarding:
        facts.append("Flagged as a safeguarding concern")
    if concern.category:
        facts.append(f"Category: {_category(concern.category)}")
    if concern.immediate_danger:
        facts.append("The reporter said the child may be in immediate danger")
    if concern.source != "staff":
        facts.append(f"Raised by {SOURCES.get(concern.source, 'someone else')}")
    facts += _account(session, concern, zone)
    return Entry(
        at=concern.raised_at,
        when=when_in_words(concern.raised_at, zone),
        concern=concern.id,
        title="Concern logged",
        by=person(session, concern.raised_by_id),
        text=concern.narrative_text,
        facts=tuple(facts),
        by_words="by",
    )


def _category(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return "recorded"


def _account(session: Session, concern: Concern, zone: ZoneInfo) -> list[str]:
    """The rest of the reporter's account, as they gave it, and the photos kept with it."""
    lines = []
    if concern.occurred_at is not None:
        happened = (
            when_in_words(concern.occurred_at, zone)
            if concern.occurred_time_known is not False
            else date_in_words(concern.occurred_at.astimezone(zone).date()) + ", time not known"
        )
        lines.append(f"Happened: {happened}")
    if concern.location_text:
        lines.append(f"Where: {concern.location_text}")
    if concern.child_words_text:
        lines.append(f"The child's own words: \u201c{concern.child_words_text}\u201d")
    if concern.action_taken_text:
        lines.append(f"What the reporter did: {concern.action_taken_text}")
    if concern.told_text:
        lines.append(f"Who else was told: {concern.told_text}")
    photos = session.scalar(
        select(func.count(ConcernAttachment.id)).where(ConcernAttachment.concern_id == concern.id)
    )
    if photos:
        lines.append(f"Photos kept with the concern: {photos}")
    return lines


def _step_entry(session: Session, action: ConcernAction, zone: ZoneInfo) -> Entry:
    details = dict(action.details or {})
    title = STEP_TITLES.get(action.kind, lambda d: UNKNOWN_STEP)(details)
    facts: list[str] = []
    recipients = details.get("recipients")
    if action.kind in ("escalated", "chase_prompt", "cumulative_prompt") and recipients:
        names = [person(session, int(r)) for r in recipients if isinstance(r, int)]
        facts.append("Sent to " + "; ".join(n for n in names if n))
    return Entry(
        at=action.at,
        when=when_in_words(action.at, zone),
        concern=action.concern_id,
        title=title,
        by=person(session, action.actor_id) or ("sendbot" if action.actor_id is None else None),
        text=action.note_text,
        facts=tuple(facts),
    )


def _meeting_entry(session: Session, meeting: Meeting, zone: ZoneInfo) -> Entry:
    facts = []
    if meeting.place:
        facts.append(f"Place: {meeting.place}")
    status = MEETING_STATUSES.get(meeting.status, "recorded")
    facts.append(f"The meeting {'was ' if status != 'did not take place' else ''}{status}")
    return Entry(
        at=meeting.starts_at,
        when=when_in_words(meeting.starts_at, zone),
        concern=None,
        title=MEETING_TITLES.get(meeting.kind, "Meeting"),
        by=person(session, meeting.created_by_id),
        text=meeting.outcome_reason,
        facts=tuple(facts),
        by_words="arranged by",
    )


def _refuse(session: Session, actor: StaffActor, pupil_id: int, now: datetime, why: str) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="chronology.refused",
        object_type="pupil",
        object_id=pupil_id,
        school_id=actor.school_id,
        pupil_id=pupil_id if why != "not found" else None,
        details={"reason": why},
    )


def for_pupil(
    session: Session, actor: StaffActor, pupil_id: int, now: datetime, *, purpose: str = "read"
) -> Chronology:
    """The pupil's chronology for the DSL or a deputy, audited; anyone else is refused
    (`policy.PermissionDenied`, also audited). `purpose` says why it was opened: read,
    html or pdf (an export)."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != actor.school_id:
        _refuse(session, actor, pupil_id, now, "not found")
        raise LookupError(NOT_FOUND)
    if not policy.decide(session, actor, policy.Action.READ_CHRONOLOGY, pupil.id):
        _refuse(session, actor, pupil.id, now, "not a safeguarding lead")
        raise policy.PermissionDenied(REFUSED)
    school = session.get(School, pupil.school_id)
    assert school is not None
    zone = ZoneInfo(school.timezone)
    concerns = list(
        session.scalars(
            select(Concern).where(Concern.pupil_id == pupil.id).order_by(Concern.raised_at)
        )
    )
    entries = [_concern_entry(session, c, zone) for c in concerns]
    if concerns:
        actions = session.scalars(
            select(ConcernAction)
            .where(ConcernAction.concern_id.in_([c.id for c in concerns]))
            .order_by(ConcernAction.at, ConcernAction.id)
        )
        entries += [_step_entry(session, a, zone) for a in actions]
    meetings = session.scalars(
        select(Meeting)
        .where(
            Meeting.pupil_id == pupil.id,
            or_(Meeting.starts_at <= now, Meeting.status != "cancelled"),
        )
        .order_by(Meeting.starts_at)
    )
    entries += [_meeting_entry(session, m, zone) for m in meetings]
    # Time order; at the same moment a concern comes before the steps taken on it.
    entries.sort(key=lambda e: (e.at, e.title != "Concern logged"))
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="chronology.read" if purpose == "read" else "chronology.export",
        object_type="pupil",
        object_id=pupil.id,
        school_id=actor.school_id,
        pupil_id=pupil.id,
        details={"purpose": purpose, "entries": len(entries)},
    )
    return Chronology(
        school_name=school.name,
        pupil_id=pupil.id,
        pupil_name=pupil.display_name,
        date_of_birth=pupil.date_of_birth,
        date_of_birth_words=date_in_words(pupil.date_of_birth),
        year_group=year_words(pupil.year_group),
        class_name=pupil.group.name if pupil.group else None,
        on_roll=pupil.active,
        prepared_at=now,
        prepared_when=when_in_words(now, zone),
        prepared_by=person(session, actor.staff_id) or actor.name,
        concerns=tuple(
            ConcernLine(
                number=c.id,
                raised=when_in_words(c.raised_at, zone),
                status=STATUS_WORDS.get(c.status, "open"),
            )
            for c in concerns
        ),
        entries=tuple(entries),
    )


def find_pupil(session: Session, school_id: int, query: str) -> list[Pupil]:
    """A pupil of the school by MIS id, UPN or name (first and last, or the preferred name);
    pupils who have left are found too, for a transfer."""
    text = " ".join(query.split())
    if not text:
        return []
    base = select(Pupil).where(Pupil.school_id == school_id)
    exact = session.scalars(
        base.where(or_(Pupil.external_id == text, Pupil.upn == text.upper()))
    ).all()
    if exact:
        return list(exact)
    wanted = text.lower()
    return [
        p
        for p in session.scalars(base.order_by(Pupil.last_name, Pupil.first_name))
        if wanted
        in (
            f"{p.first_name} {p.last_name}".lower(),
            p.display_name.lower(),
            p.last_name.lower(),
            p.first_name.lower(),
        )
    ]
