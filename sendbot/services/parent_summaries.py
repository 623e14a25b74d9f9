"""Summaries for parents after a plan review and each term, queued in the caller's transaction.

The outbox row holds the template key and plain params (`ReviewSummaryData` /
`TermProgressData`); the words are chosen at send time in each guardian's language by
`sendbot.messages.parents.render`. The staff's next steps are encrypted at rest, so the row
holds the review's id, never the words; `render(..., session=...)` reads them when sending. Only guardians with parental responsibility for the
pupil, at the pupil's own school and still active, are sent a summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.delivery.keys import PARENT_REVIEW_SUMMARY as REVIEW_SUMMARY
from sendbot.delivery.keys import PARENT_TERM_PROGRESS as TERM_PROGRESS
from sendbot.delivery.parent_params import (
    ReviewSummaryData,
    TargetOutcome,
    TargetProgressLine,
    TermProgressData,
    normalise_outcome,
)
from sendbot.services import identities, policy
from sendbot.services.outbox import enqueue
from sendbot.store.models import (
    Guardian,
    GuardianPupil,
    PlanReview,
    Pupil,
    School,
    SupportPlan,
    Target,
    TargetProgress,
    TermDate,
)


class SummaryError(LookupError):
    """The review or plan named does not exist."""


def reachable_guardians(session: Session, pupil: Pupil) -> list[Guardian]:
    """Those of them with a linked chat: a summary is queued only where it can arrive."""
    return [
        g
        for g in guardians_with_responsibility(session, pupil)
        if identities.guardian_reachable(session, g.id)
    ]


def guardians_with_responsibility(session: Session, pupil: Pupil) -> list[Guardian]:
    """The pupil's active guardians who may read the child's record (parental responsibility,
    or the school's recorded decision to share), main contact first."""
    rows = session.execute(
        select(Guardian)
        .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
        .where(
            GuardianPupil.pupil_id == pupil.id,
            policy.may_read_through_link(),
            Guardian.active.is_(True),
            Guardian.school_id == pupil.school_id,
        )
        .order_by(GuardianPupil.contact_priority, Guardian.id)
    ).scalars()
    return list(rows)


def _child_name(pupil: Pupil) -> str:
    # Parents know their child by the name used at home and school, not the legal surname.
    return pupil.preferred_name or pupil.first_name


def _load_plan(session: Session, plan_id: int) -> tuple[SupportPlan, Pupil, School]:
    plan = session.get(SupportPlan, plan_id)
    pupil = session.get(Pupil, plan.pupil_id) if plan else None
    school = session.get(School, pupil.school_id) if pupil else None
    if plan is None or pupil is None or school is None:
        raise SummaryError(f"no support plan {plan_id}")
    return plan, pupil, school


def review_summary_data(session: Session, plan_review_id: int) -> tuple[ReviewSummaryData, Pupil]:
    """What the parents of this review's pupil should be told, as plain data."""
    session.flush()  # targets added by the same review must be visible
    review = session.get(PlanReview, plan_review_id)
    if review is None:
        raise SummaryError(f"no plan review {plan_review_id}")
    plan, pupil, school = _load_plan(session, review.plan_id)
    targets = {
        t.id: t
        for t in session.scalars(
            select(Target).where(Target.plan_id == plan.id).order_by(Target.id)
        )
    }
    reviewed_ids = [int(k) for k in review.outcomes]
    reviewed = tuple(
        TargetOutcome(targets[i].parent_wording, normalise_outcome(review.outcomes[str(i)]))
        for i in sorted(reviewed_ids)
        if i in targets
    )
    new_targets = tuple(
        t.parent_wording
        for t in targets.values()
        if t.status == "active" and t.id not in reviewed_ids
    )
    data = ReviewSummaryData(
        child_name=_child_name(pupil),
        school_name=school.name,
        held_on=review.held_on,
        reviewed=reviewed,
        new_targets=new_targets,
        next_steps=review.next_steps_text or None,
        next_review_on=review.next_review_on or plan.next_review_on,
    )
    return data, pupil


def queue_review_summary(session: Session, plan_review_id: int, now: datetime) -> list[int]:
    """Queue the review summary for each guardian with parental responsibility.

    Call it in the same transaction that records the review. Safe to call twice: the dedupe
    key is per review and guardian. Returns the new outbox row ids.
    """
    data, pupil = review_summary_data(session, plan_review_id)
    if data.next_steps:
        # The words stay in their encrypted column; the row names them by id.
        data = replace(data, next_steps=None, next_steps_review_id=plan_review_id)
    ids = []
    for guardian in reachable_guardians(session, pupil):
        params = replace(data, parent_name=guardian.first_name, pupil_id=pupil.id)
        row = enqueue(
            session,
            school_id=pupil.school_id,
            template=REVIEW_SUMMARY,
            params=params.to_params(),
            dedupe_key=f"review-summary:{plan_review_id}:guardian:{guardian.id}",
            now=now,
            recipient_guardian_id=guardian.id,
        )
        if row is not None:
            session.flush()
            ids.append(row.id)
    return ids


def _latest_rating(session: Session, target_id: int, since: datetime | None) -> str | None:
    query = select(TargetProgress.rating).where(TargetProgress.target_id == target_id)
    if since is not None:
        query = query.where(TargetProgress.recorded_at >= since)
    return session.scalar(
        query.order_by(TargetProgress.recorded_at.desc(), TargetProgress.id.desc()).limit(1)
    )


def term_progress_data(
    session: Session, plan_id: int, term: str, since: datetime | None = None
) -> tuple[TermProgressData, Pupil]:
    """This term's picture: each active target with its latest rating since `since`."""
    plan, pupil, school = _load_plan(session, plan_id)
    targets: Sequence[Target] = list(
        session.scalars(
            select(Target)
            .where(Target.plan_id == plan.id, Target.status == "active")
            .order_by(Target.id)
        )
    )
    lines = tuple(
        TargetProgressLine(t.parent_wording, _latest_rating(session, t.id, since)) for t in targets
    )
    last_review = session.scalar(
        select(PlanReview)
        .where(PlanReview.plan_id == plan.id)
        .order_by(PlanReview.held_on.desc(), PlanReview.id.desc())
        .limit(1)
    )
    data = TermProgressData(
        child_name=_child_name(pupil),
        school_name=school.name,
        term=term,
        targets=lines,
        next_steps=last_review.next_steps_text if last_review else None,
        next_review_on=plan.next_review_on,
        next_steps_review_id=last_review.id if last_review else None,
    )
    return data, pupil


def queue_term_progress(
    session: Session, plan_id: int, term: str, now: datetime, since: datetime | None = None
) -> list[int]:
    """Queue the termly summary of an active SEN support plan, once per plan, term, guardian.

    `term` is the TermDate name ("2026-autumn"); `since` is the term's start, so ratings from
    earlier terms do not count. Plans of other kinds and closed plans are skipped.
    """
    plan, _, _ = _load_plan(session, plan_id)
    if plan.kind != "sen_support" or plan.status != "active":
        return []
    data, pupil = term_progress_data(session, plan_id, term, since)
    data = replace(data, next_steps=None)  # read from the review at send time, as above
    ids = []
    for guardian in reachable_guardians(session, pupil):
        params = replace(data, parent_name=guardian.first_name, pupil_id=pupil.id)
        row = enqueue(
            session,
            school_id=pupil.school_id,
            template=TERM_PROGRESS,
            params=params.to_params(),
            dedupe_key=f"term-progress:{plan_id}:{term}:guardian:{guardian.id}",
            now=now,
            recipient_guardian_id=guardian.id,
        )
        if row is not None:
            session.flush()
            ids.append(row.id)
    return ids


def queue_term_progress_for_school(
    session: Session, school_id: int, term: str, now: datetime
) -> int:
    """The termly sweep: every active SEN support plan at the school, once per term.

    For the scheduler (daily near the end of term is fine: the dedupe keys make repeats
    harmless). Ratings count from the term's first day when the term is in TermDate.
    Returns how many messages were queued.
    """
    term_row = session.scalar(
        select(TermDate).where(TermDate.school_id == school_id, TermDate.name == term)
    )
    since = datetime.combine(term_row.starts_on, time(0), UTC) if term_row else None
    plan_ids = session.scalars(
        select(SupportPlan.id)
        .join(Pupil, Pupil.id == SupportPlan.pupil_id)
        .where(
            Pupil.school_id == school_id,
            Pupil.active.is_(True),
            SupportPlan.kind == "sen_support",
            SupportPlan.status == "active",
        )
        .order_by(SupportPlan.id)
    ).all()
    return sum(len(queue_term_progress(session, p, term, now, since)) for p in plan_ids)
