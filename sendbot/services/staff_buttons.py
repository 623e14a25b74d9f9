"""What a tap on a staff message's button does, for any platform's adapter to call: the
scheduler's reminders and prompts, and a safeguarding alert's Acknowledge and View details.

`tap(session, actor, action_id, now)` says what happened (the reply, and whether the tap
did its work, so an adapter can update the message), or None when the id is not one of
ours; `handle` is the same with only the reply. Every id is re-authorised here against the
tapping person, and a refusal is written to the audit log; the id is sealed
(`services.action_ids`) and carries only a kind and a number, and adapters decide nothing.

`staff_button(session, action_id)` tells an adapter which staff message button a sealed id
is (these four, or an alert's Acknowledge and View details), so it can route the tap. The
readable ids these buttons carried before they were sealed ("safeguarding.ack:12") are
still understood: an alert sent just before an upgrade must still be acknowledged, and the
tap is re-authorised like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.needs import Area
from sendbot.services import (
    action_ids,
    audit,
    cp_files,
    deadlines,
    escalation,
    policy,
    review_outcomes,
)
from sendbot.services.actors import StaffActor
from sendbot.services.school_time import school_zone
from sendbot.store.models import Concern, Deadline, Meeting, Pupil

REFERRAL_RESPONDED = action_ids.LA_REPLIED
REFERRAL_CHASED = action_ids.REFERRAL_CHASED
REVIEW_PUPIL = action_ids.REVIEW_PUPIL
MEETING_OUTCOME = action_ids.MEETING_OUTCOME
CP_FILE_SENT = action_ids.CP_FILE_SENT
CP_FILE_RECEIVED = action_ids.CP_FILE_RECEIVED
KINDS = (
    action_ids.DEADLINE_DONE,
    REFERRAL_RESPONDED,
    REFERRAL_CHASED,
    REVIEW_PUPIL,
    MEETING_OUTCOME,
    CP_FILE_SENT,
    CP_FILE_RECEIVED,
)
ACKNOWLEDGE = action_ids.CONCERN_ACK
VIEW_DETAILS = action_ids.CONCERN_VIEW
STAFF_KINDS = (*KINDS, ACKNOWLEDGE, VIEW_DETAILS)
READABLE = re.compile("^(" + "|".join(re.escape(k) for k in STAFF_KINDS) + r"):([0-9]{1,12})$")


@dataclass(frozen=True)
class Tap:
    text: str  # what to tell the person
    done: bool  # the tap did its work (or it was already done): the message can say so
    kind: str  # which button: deadlines.DONE_ACTION, REFERRAL_RESPONDED, ...
    # Only the tapped button has done its job: the message's other buttons are for other
    # things (a reminder listing several deadlines for one pupil, a Done for each).
    only_this_button: bool = False


def staff_button(session: Session, action_id: str) -> action_ids.Action | None:
    """The staff message button behind an id, or None for any other id."""
    readable = READABLE.match(action_id)
    if readable is not None:
        return action_ids.Action(readable[1], int(readable[2]))
    action = action_ids.decode(session, action_id)
    return action if action is not None and action.kind in STAFF_KINDS else None


def handle(session: Session, actor: StaffActor, action_id: str, now: datetime) -> str | None:
    result = tap(session, actor, action_id, now)
    return result.text if result is not None else None


def tap(session: Session, actor: StaffActor, action_id: str, now: datetime) -> Tap | None:
    button = staff_button(session, action_id)
    if button is None or button.kind not in KINDS:
        return None
    kind, ident = button.kind, button.subject_id
    try:
        if kind == deadlines.DONE_ACTION:
            row = session.get(Deadline, ident)
            if (
                row is not None
                and row.school_id == actor.school_id
                and not deadlines.may_mark_done(actor, row)
            ):
                text = deadlines.mark_done(session, actor, ident, now)  # says whose it is
                return _refused(session, actor, kind, ident, now, text, row.pupil_id)
            text = deadlines.mark_done(session, actor, ident, now)
            return Tap(text, True, kind, only_this_button=True)
        if kind == REFERRAL_RESPONDED:
            escalation.record_la_response(session, actor, ident, now)
            return Tap(
                "Recorded: the local authority has replied. No more follow-up prompts for "
                "this referral.",
                True,
                kind,
            )
        if kind == REFERRAL_CHASED:
            escalation.record_chase(session, actor, ident, now)
            return Tap(
                "Recorded that you followed the referral up. If there is still no reply, "
                "I will ask again in 1 working day.",
                True,
                kind,
            )
        if kind == MEETING_OUTCOME:
            return _meeting_outcome(session, actor, button, now)
        if kind in (CP_FILE_SENT, CP_FILE_RECEIVED):
            return _cp_file(session, actor, kind, ident, now)
        return _concerns_together(session, actor, ident, now)
    except escalation.NotAllowed as exc:
        concern = session.get(Concern, ident)
        pupil_id = concern.pupil_id if concern is not None else None
        return _refused(session, actor, kind, ident, now, str(exc), pupil_id)
    except LookupError as exc:
        return Tap(str(exc.args[0]) if exc.args else "I can't find that.", False, kind)


def _meeting_outcome(
    session: Session, actor: StaffActor, button: action_ids.Action, now: datetime
) -> Tap:
    """Held / Not held on the prompt after a review meeting."""
    meeting = session.get(Meeting, button.subject_id)
    pupil_id = meeting.pupil_id if meeting is not None else None
    try:
        text = review_outcomes.tap(session, actor, button, now)
    except policy.PermissionDenied:
        text = "Only the SENCO can record whether a review was held."
        return _refused(session, actor, MEETING_OUTCOME, button.subject_id, now, text, pupil_id)
    except review_outcomes.OutcomeInvalid as exc:
        return Tap(str(exc), False, MEETING_OUTCOME)
    return Tap(text, True, MEETING_OUTCOME)


def _cp_file(session: Session, actor: StaffActor, kind: str, pupil_id: int, now: datetime) -> Tap:
    """File sent today / Receipt confirmed today, on the child protection file prompt."""
    today = now.astimezone(school_zone(session, actor.school_id)).date()
    try:
        if kind == CP_FILE_SENT:
            pupil = cp_files.record_sent(session, actor, pupil_id, today, now)
            text = (
                f"Recorded: {pupil.display_name}'s child protection file was sent today. "
                "Tap Receipt confirmed when the new school confirms they have it."
            )
        else:
            pupil = cp_files.record_receipt(session, actor, pupil_id, today, now)
            text = (
                f"Recorded: the new school confirmed receipt of {pupil.display_name}'s child "
                "protection file today. Nothing more is due."
            )
    except cp_files.NotAllowed as exc:
        return _refused(session, actor, kind, pupil_id, now, str(exc), pupil_id)
    except ValueError as exc:
        return Tap(str(exc), False, kind)
    return Tap(text, True, kind, only_this_button=kind == CP_FILE_SENT)


def _refused(
    session: Session,
    actor: StaffActor,
    kind: str,
    ident: int,
    now: datetime,
    text: str,
    pupil_id: int | None,
) -> Tap:
    """A tap by someone not allowed: nothing changes, and the attempt is in the audit log."""
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="button.refused",
        object_type=kind,
        object_id=ident,
        school_id=actor.school_id,
        pupil_id=pupil_id,
        details={"button": kind},
    )
    return Tap(text, False, kind)


def _concerns_together(session: Session, actor: StaffActor, pupil_id: int, now: datetime) -> Tap:
    """The dates and areas of a pupil's recent concerns, for the DSL and SENCO to look at
    together; the narratives stay behind each concern's own audited "View details"."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != actor.school_id:
        return Tap("I can't find that pupil.", False, REVIEW_PUPIL)
    if not policy.decide(session, actor, policy.Action.REVIEW_CONCERNS, pupil.id):
        text = (
            "Only the DSL and the deputies (and the SENCO, for a pupil with SEND) can look "
            "at these together."
        )
        return _refused(session, actor, REVIEW_PUPIL, pupil.id, now, text, pupil.id)
    tz = school_zone(session, pupil.school_id)
    rows = [
        concern
        for concern in session.scalars(
            select(Concern)
            .where(Concern.pupil_id == pupil.id)
            .order_by(Concern.raised_at.desc())
            .limit(10)
        )
        if policy.may_read_concern(actor, concern, pupil)
    ]
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action="concerns.review_together",
        object_type="pupil",
        object_id=pupil.id,
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        details={"concerns": [c.id for c in rows]},
    )
    lines = [f"Recent concerns about {pupil.display_name} (Year {pupil.year_group}), newest first:"]
    for c in rows:
        try:
            area = Area(c.area).label
        except ValueError:
            area = c.area
        flag = ", safeguarding" if c.safeguarding else ""
        lines.append(
            f"#{c.id} {c.raised_at.astimezone(tz):%a %-d %b %H:%M}: {area}{flag} ({c.status})"
        )
    lines.append("Open each one with View details to read what was written.")
    return Tap("\n".join(lines), True, REVIEW_PUPIL)
