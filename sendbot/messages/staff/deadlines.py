"""Reminders of statutory deadlines and plan reviews, read from the row at send time.

Each returns None when the reminder is no longer needed: the deadline is done, or the facts
moved it (the sweep queues reminders for the new date).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.timescales import RULES_BY_KIND, Owner, Rule
from sendbot.messages.staff.wording import days_from_now, now_of, timezone_of
from sendbot.services import deadlines as deadline_service
from sendbot.services import school_policy
from sendbot.store.models import Deadline, Pupil, SupportPlan


def _live_deadline(session: Session, params: Mapping[str, Any]) -> Deadline | None:
    row = session.get(Deadline, int(params["deadline_id"]))
    if row is None or row.status != deadline_service.OPEN:
        return None
    if row.due_on.isoformat() != params.get("due_on"):
        return None  # the facts moved it; the sweep queues reminders for the new date
    return row


def _described(session: Session, row: Deadline) -> tuple[Rule | None, str]:
    """The deadline's rule, and its title with the pupil it is for."""
    rule = RULES_BY_KIND.get(row.kind)
    title = rule.title if rule else row.kind
    pupil = session.get(Pupil, row.pupil_id) if row.pupil_id else None
    who = f" for {pupil.display_name}" if pupil else ""
    return rule, f"{title}{who}"


def rule_lines(rule: Rule | None, row: Deadline) -> list[str]:
    """What the law says about this date in plain words, what to do, and the citation: the
    regulation, Act section or Code paragraph the rule comes from."""
    if rule is None:
        return [f"Source: {row.source}"]
    says = rule.law_says(row.due_on)
    return [*([says] if says else []), rule.description, f"Source: {rule.citation}"]


def deadline_reminder(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    row = _live_deadline(session, params)
    if row is None:
        return None
    rule, title = _described(session, row)
    today = now_of(params).astimezone(ZoneInfo(timezone_of(params))).date()
    left = (row.due_on - today).days
    lines = [
        f"Deadline {days_from_now(left) if left >= 0 else 'passed'}: {title}",
        f"Due: {row.due_on:%A %-d %B %Y}",
        *rule_lines(rule, row),
        "Tap Done when it is done; until then it shows in your digest.",
    ]
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(Button(deadline_service.done_action_id(session, row.id), "Done", "primary"),),
    )


def deadline_watch(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    """A deadline someone else owes (the local authority, the family), on the day."""
    row = _live_deadline(session, params)
    if row is None:
        return None
    rule, title = _described(session, row)
    owner = deadline_service.OWNER_WORDS.get(row.owner_role, row.owner_role)
    advice = (
        "If the school has not heard, chase the local authority's SEND team today."
        if row.owner_role == Owner.LA.value
        else "Check the family knows, and offer help or an interpreter if they need it."
    )
    *law, citation = rule_lines(rule, row)
    lines = [
        f"Today is the {owner}'s deadline: {title}",
        f"Due: {row.due_on:%A %-d %B %Y}",
        *law,
        advice,
        citation,
    ]
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(Button(deadline_service.done_action_id(session, row.id), "Done / heard back"),),
    )


def plan_review_reminder(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    plan = session.get(SupportPlan, int(params["plan_id"]))
    if plan is None or plan.status != "active" or plan.next_review_on is None:
        return None
    if plan.next_review_on.isoformat() != params.get("due_on"):
        return None  # reviewed or moved since: the new date has its own reminders
    pupil = session.get(Pupil, plan.pupil_id)
    name = school_policy.load(session, pupil.school_id).plan_name(plan.kind) if pupil else plan.kind
    today = now_of(params).astimezone(ZoneInfo(timezone_of(params))).date()
    left = (plan.next_review_on - today).days
    lines = [
        f"Review {days_from_now(left)}: {name} for {pupil.display_name if pupil else 'a pupil'}",
        f"Due: {plan.next_review_on:%A %-d %B %Y} (the date agreed for this plan)",
        "Assess, plan, do, review: check progress on each target with the class teacher and "
        "the family, and record the review in sendbot; that sets the next date.",
        "Source: Code 6.44, 6.65 and the school's review policy",
    ]
    return OutgoingMessage(text="\n".join(lines))
