"""Unfinished reports: a safeguarding concern being logged and not yet saved.

A report is written down here from the moment the reporter says the concern could mean a
child is at risk, and every later answer updates it, in the same transaction as the chat's
own state. It outlives that state: when a reporter stops (closes the app, is called away)
the DSL and deputies still see who started it, when, about which pupil and what was
answered so far, until it is saved or the reporter cancels it.

"Is the child in immediate danger right now?" answered yes sends the urgent alert to the
DSL and deputies at that answer, through the outbox (`keys.SAFEGUARDING_DANGER`): who is
reporting, when and the year group, never the narrative. It is sent once per draft: the
draft records when (`danger_alert_at`) and each copy has a dedupe key, so going back and
answering yes again, a retried turn, a second worker or a restart never sends another.
Saving links the concern to the draft; its own alert then says it is the report the DSL
was alerted to (`concerns.log_concern`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.domain.people import SAFEGUARDING_LEADS
from sendbot.services import audit, outbox, policy
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.store import locks
from sendbot.store.models import ConcernDraft, Outbox, Pupil, School, Staff, StaffRole

OPEN = "open"
SAVED = "saved"
CANCELLED = "cancelled"
# A reporter whose report has had no answer this long is reminded to finish it, once.
REMIND_AFTER = timedelta(minutes=30)
# A report cancelled after its immediate-danger alert went out stays on the DSL's list this
# long, so an alert they had is never left unexplained.
CANCELLED_SHOWN_FOR = timedelta(days=7)


@dataclass(frozen=True)
class Progress:
    """The draft after an answer: its id (None while the report is not about safeguarding),
    when the DSL was alerted of immediate danger, and whether that alert went just now."""

    draft_id: int | None
    alerted_at: datetime | None = None
    alerted_now: bool = False


@dataclass(frozen=True)
class UnfinishedReport:
    """One unfinished report as the DSL sees it. `answers` holds the narrative only for
    someone who may read it (`narrative_shown`)."""

    draft_id: int
    reporter: str
    platform: str
    started_at: datetime
    updated_at: datetime
    pupil_name: str | None
    year_group: int | None
    answers: dict[str, Any]
    narrative_shown: bool
    danger_alert_at: datetime | None
    status: str
    ended_at: datetime | None


def _open_draft(session: Session, actor: StaffActor, draft_id: int | None) -> ConcernDraft | None:
    draft = session.get(ConcernDraft, draft_id) if draft_id is not None else None
    if draft is None or draft.reporter_id != actor.staff_id or draft.status != OPEN:
        return None
    return draft


def _audit(
    session: Session,
    actor: StaffActor,
    action: str,
    draft: ConcernDraft,
    now: datetime,
    **details: Any,
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=actor.staff_id,
        action=action,
        object_type="concern_draft",
        object_id=draft.id,
        school_id=draft.school_id,
        pupil_id=draft.pupil_id,
        details=details,
    )


def keep(
    session: Session,
    actor: StaffActor,
    draft_id: int | None,
    platform: str,
    answers: dict[str, Any],
    now: datetime,
) -> Progress:
    """Write the answers so far into the reporter's draft, starting one once the report is
    about safeguarding, and alert the DSL and deputies the first time immediate danger is
    answered yes."""
    draft = _open_draft(session, actor, draft_id)
    if draft is None:
        if answers.get("safeguarding") is not True:
            return Progress(None)
        draft = ConcernDraft(
            school_id=actor.school_id,
            reporter_id=actor.staff_id,
            platform=platform[:20],
            started_at=now,
            updated_at=now,
            status=OPEN,
        )
        session.add(draft)
        session.flush()
        _audit(session, actor, "concern_draft.start", draft, now)
    pupil_id = answers.get("pupil")
    draft.pupil_id = int(pupil_id) if pupil_id is not None else None
    draft.answers = dict(answers)
    draft.updated_at = now
    alerted_now = answers.get("immediate_danger") is True and _first_alert(session, draft)
    if alerted_now:
        _alert_danger(session, actor, draft, now)
    return Progress(draft.id, draft.danger_alert_at, alerted_now)


def _first_alert(session: Session, draft: ConcernDraft) -> bool:
    """Whether this draft's alert is still to be sent, decided under a lock: two workers
    answering at the same moment wait for each other, and the second sees the first's."""
    if draft.danger_alert_at is not None:
        return False
    locks.serialise(session, locks.DANGER_ALERT)
    session.refresh(draft, ["danger_alert_at"])
    return draft.danger_alert_at is None


def _leads(session: Session, school_id: int) -> list[Staff]:
    """The staff the policy says get the urgent alert of a safeguarding concern."""
    query = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(
            Staff.school_id == school_id,
            Staff.active,
            StaffRole.role.in_([role.value for role in SAFEGUARDING_LEADS]),
        )
        .distinct()
        .order_by(Staff.id)
    )
    return [
        staff
        for staff in session.scalars(query)
        if policy.concern_alert_for_roles(actor_for_staff(staff).roles, safeguarding=True)
        is policy.ConcernAlert.URGENT
    ]


def _alert_danger(session: Session, actor: StaffActor, draft: ConcernDraft, now: datetime) -> None:
    pupil = session.get(Pupil, draft.pupil_id) if draft.pupil_id is not None else None
    draft.danger_alert_at = now
    params = {
        "draft_id": draft.id,
        "pupil_id": draft.pupil_id,
        "year_group": pupil.year_group if pupil is not None else None,
        "raised_by": actor.name,
        "raised_at": now.isoformat(),
    }
    leads = _leads(session, draft.school_id)
    for staff in leads:
        outbox.enqueue(
            session,
            school_id=draft.school_id,
            recipient_staff_id=staff.id,
            template=keys.SAFEGUARDING_DANGER,
            params=params,
            dedupe_key=f"draft:{draft.id}:{keys.SAFEGUARDING_DANGER}:staff:{staff.id}",
            priority=outbox.URGENT,
            now=now,
        )
    _audit(session, actor, "concern_draft.danger_alert", draft, now, alerted=len(leads))


def link(
    session: Session, actor: StaffActor, draft_id: int | None, concern_id: int, now: datetime
) -> datetime | None:
    """The draft saved as this concern; when the DSL was alerted of immediate danger, if
    they were (so the concern's alert can say it is that report)."""
    draft = _open_draft(session, actor, draft_id)
    if draft is None:
        return None
    draft.status = SAVED
    draft.concern_id = concern_id
    draft.ended_at = now
    _audit(session, actor, "concern_draft.saved", draft, now, concern_id=concern_id)
    return draft.danger_alert_at


def cancel(session: Session, actor: StaffActor, draft_id: int | None, now: datetime) -> bool:
    """The reporter stopped: the draft is closed and audited. True when the DSL had been
    alerted of immediate danger (the report then stays on their list for a week)."""
    draft = _open_draft(session, actor, draft_id)
    if draft is None:
        return False
    draft.status = CANCELLED
    draft.ended_at = now
    _audit(session, actor, "concern_draft.cancel", draft, now)
    return draft.danger_alert_at is not None


def open_from(session: Session, actor: StaffActor, platform: str) -> int | None:
    """The reporter's latest open draft started on this platform: what a form (which keeps
    nothing between its redraws) carries on with."""
    return session.scalar(
        select(ConcernDraft.id)
        .where(
            ConcernDraft.reporter_id == actor.staff_id,
            ConcernDraft.school_id == actor.school_id,
            ConcernDraft.platform == platform[:20],
            ConcernDraft.status == OPEN,
        )
        .order_by(ConcernDraft.started_at.desc(), ConcernDraft.id.desc())
        .limit(1)
    )


def still_open(session: Session, actor: StaffActor, draft_id: int | None) -> ConcernDraft | None:
    """The reporter's own draft, while it is unfinished."""
    return _open_draft(session, actor, draft_id)


def _listed(school_id: int, now: datetime) -> Any:
    return and_(
        ConcernDraft.school_id == school_id,
        or_(
            ConcernDraft.status == OPEN,
            and_(
                ConcernDraft.status == CANCELLED,
                ConcernDraft.danger_alert_at.is_not(None),
                ConcernDraft.ended_at > now - CANCELLED_SHOWN_FOR,
            ),
        ),
    )


def count_unfinished(session: Session, actor: StaffActor, now: datetime) -> int:
    """How many unfinished reports this person would see (none unless the policy allows)."""
    if not policy.may_list_safeguarding(actor):
        return 0
    drafts = session.scalars(select(ConcernDraft).where(_listed(actor.school_id, now)))
    return sum(1 for draft in drafts if policy.may_see_unfinished_report(actor, draft))


def unfinished(session: Session, actor: StaffActor, now: datetime) -> list[UnfinishedReport]:
    """The school's unfinished reports, oldest first, for whoever the policy lets see them;
    the narrative only where it lets them read it. Each report shown is audited."""
    drafts = session.scalars(
        select(ConcernDraft).where(_listed(actor.school_id, now)).order_by(ConcernDraft.started_at)
    )
    out: list[UnfinishedReport] = []
    for draft in drafts:
        if not policy.may_see_unfinished_report(actor, draft):
            continue
        readable = policy.may_read_unfinished_report(session, actor, draft)
        _audit(session, actor, "concern_draft.view", draft, now, narrative=readable)
        out.append(_report(session, draft, readable))
    return out


@dataclass(frozen=True)
class DigestLine:
    """An unfinished report as the DSL digest names it: no pupil name, no answers."""

    draft_id: int
    year_group: int | None
    reporter: str
    started_at: datetime
    updated_at: datetime
    danger_alert_at: datetime | None
    status: str


def for_digest(session: Session, school_id: int, now: datetime) -> list[DigestLine]:
    """The school's unfinished reports for the DSL's digest (written for the role, so it
    holds only what an alert would: year group, who, when), oldest first."""
    rows = session.execute(
        select(ConcernDraft, Pupil.year_group, Staff)
        .outerjoin(Pupil, Pupil.id == ConcernDraft.pupil_id)
        .join(Staff, Staff.id == ConcernDraft.reporter_id)
        .where(_listed(school_id, now))
        .order_by(ConcernDraft.started_at)
    ).all()
    return [
        DigestLine(
            draft.id,
            year_group,
            staff.display_name,
            draft.started_at,
            draft.updated_at,
            draft.danger_alert_at,
            draft.status,
        )
        for draft, year_group, staff in rows
    ]


def remind_reporters(session: Session, now: datetime) -> int:
    """A minute job: each open report untouched for `REMIND_AFTER` reminds its reporter,
    once (the outbox's dedupe key). No pupil name and no answer in the reminder."""
    drafts = session.scalars(
        select(ConcernDraft).where(
            ConcernDraft.status == OPEN, ConcernDraft.updated_at <= now - REMIND_AFTER
        )
    )
    queued = 0
    for draft in drafts:
        row = outbox.enqueue(
            session,
            school_id=draft.school_id,
            recipient_staff_id=draft.reporter_id,
            template=keys.STAFF_NOTICE,
            params={"text": _reminder(session, draft)},
            dedupe_key=f"draft:{draft.id}:reminder",
            now=now,
        )
        queued += row is not None
    return queued


def next_reminder_at(session: Session) -> datetime | None:
    """When the next reminder falls due (for fast-forwarding): the oldest open report with
    no reminder yet, `REMIND_AFTER` after its last answer."""
    reminded = select(Outbox.dedupe_key).where(Outbox.dedupe_key.like("draft:%:reminder"))
    done = set(session.scalars(reminded))
    for draft_id, updated_at in session.execute(
        select(ConcernDraft.id, ConcernDraft.updated_at)
        .where(ConcernDraft.status == OPEN)
        .order_by(ConcernDraft.updated_at)
    ):
        if f"draft:{draft_id}:reminder" not in done:
            return updated_at + REMIND_AFTER
    return None


def _reminder(session: Session, draft: ConcernDraft) -> str:
    school = session.get(School, draft.school_id)
    tz = ZoneInfo(school.timezone if school is not None else "Europe/London")
    started = draft.started_at.astimezone(tz).strftime("%H:%M on %a %-d %b")
    return (
        f"You started a safeguarding report at {started} and it is not saved yet. The DSL and "
        "deputies can see it as unfinished. Please finish it now: send any message to "
        "sendbot to carry on where you stopped, or speak to the DSL in person."
    )


def _report(session: Session, draft: ConcernDraft, readable: bool) -> UnfinishedReport:
    pupil = session.get(Pupil, draft.pupil_id) if draft.pupil_id is not None else None
    reporter = session.get(Staff, draft.reporter_id)
    answers = dict(draft.answers or {})
    if not readable:
        answers.pop("narrative", None)
    return UnfinishedReport(
        draft_id=draft.id,
        reporter=reporter.display_name if reporter is not None else "someone",
        platform=draft.platform,
        started_at=draft.started_at,
        updated_at=draft.updated_at,
        pupil_name=pupil.display_name if pupil is not None else None,
        year_group=pupil.year_group if pupil is not None else None,
        answers=answers,
        narrative_shown=readable,
        danger_alert_at=draft.danger_alert_at,
        status=draft.status,
        ended_at=draft.ended_at,
    )
