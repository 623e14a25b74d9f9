"""Reminders of statutory deadlines and plan reviews, read from the row at send time.

Each returns None when the reminder is no longer needed: the deadline is done, or the facts
moved it (the sweep queues reminders for the new date).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery import keys
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


@dataclass(frozen=True)
class _Item:
    """One thing due, as a block of lines and the buttons that act on it."""

    lines: tuple[str, ...]
    buttons: tuple[Button, ...] = ()
    footer: str = ""


TAP_DONE = "Tap Done when it is done; until then it shows in your digest."


def _today(params: Mapping[str, Any]) -> date:
    return now_of(params).astimezone(ZoneInfo(timezone_of(params))).date()


def _done_label(label: str, title: str, alone: bool) -> str:
    """A button's label: the bare verb on a message about one thing, else with its title."""
    if alone:
        return label
    text = f"{label}: {title}"
    return text if len(text) <= BUTTON_LABEL else text[: BUTTON_LABEL - 1] + "…"


BUTTON_LABEL = 60


def _deadline_item(
    session: Session, item: Mapping[str, Any], today: date, alone: bool
) -> _Item | None:
    row = _live_deadline(session, item)
    if row is None:
        return None
    rule, title = _described(session, row)
    left = (row.due_on - today).days
    lines = [
        f"Deadline {days_from_now(left) if left >= 0 else 'passed'}: {title}",
        f"Due: {row.due_on:%A %-d %B %Y}",
        *rule_lines(rule, row),
    ]
    label = _done_label("Done", rule.title if rule else title, alone)
    button = Button(deadline_service.done_action_id(session, row.id), label, "primary")
    return _Item(tuple(lines), (button,), TAP_DONE)


def _watch_item(
    session: Session, item: Mapping[str, Any], today: date, alone: bool
) -> _Item | None:
    """A deadline someone else owes (the local authority, the family), on the day."""
    row = _live_deadline(session, item)
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
    when = "Today is" if row.due_on >= today else "Yesterday was"
    lines = (
        f"{when} the {owner}'s deadline: {title}",
        f"Due: {row.due_on:%A %-d %B %Y}",
        *law,
        advice,
        citation,
    )
    label = _done_label("Done / heard back", rule.title if rule else title, alone)
    return _Item(lines, (Button(deadline_service.done_action_id(session, row.id), label),))


def _plan_review_item(
    session: Session, item: Mapping[str, Any], today: date, alone: bool
) -> _Item | None:
    plan = session.get(SupportPlan, int(item["plan_id"]))
    if plan is None or plan.status != "active" or plan.next_review_on is None:
        return None
    if plan.next_review_on.isoformat() != item.get("due_on"):
        return None  # reviewed or moved since: the new date has its own reminders
    pupil = session.get(Pupil, plan.pupil_id)
    name = school_policy.load(session, pupil.school_id).plan_name(plan.kind) if pupil else plan.kind
    left = (plan.next_review_on - today).days
    lines = (
        f"Review {days_from_now(left)}: {name} for {pupil.display_name if pupil else 'a pupil'}",
        f"Due: {plan.next_review_on:%A %-d %B %Y} (the date agreed for this plan)",
        "Assess, plan, do, review: check progress on each target with the class teacher and "
        "the family, and record the review in sendbot; that sets the next date.",
        "Source: Code 6.44, 6.65 and the school's review policy",
    )
    return _Item(lines)


def _notice_item(
    session: Session, item: Mapping[str, Any], today: date, alone: bool
) -> _Item | None:
    """A prompt written when it was queued (book the annual review)."""
    return _Item(tuple(str(item["text"]).split("\n")))


_ItemBuilder = Callable[[Session, Mapping[str, Any], date, bool], "_Item | None"]
ITEMS: Mapping[str, _ItemBuilder] = {
    keys.DEADLINE_REMINDER: _deadline_item,
    keys.DEADLINE_WATCH: _watch_item,
    keys.PLAN_REVIEW_REMINDER: _plan_review_item,
    keys.STAFF_NOTICE: _notice_item,
}


def _message(items: list[_Item], heading: str | None) -> OutgoingMessage:
    blocks = ["\n".join(item.lines) for item in items]
    footers = [item.footer for item in items if item.footer]
    text = "\n\n".join([*([heading] if heading else []), *blocks, *footers[:1]])
    return OutgoingMessage(
        text=text, buttons=tuple(button for item in items for button in item.buttons)
    )


def _one(template: str, params: Mapping[str, Any], session: Session) -> OutgoingMessage | None:
    item = ITEMS[template](session, params, _today(params), True)
    return None if item is None else _message([item], None)


def deadline_reminder(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    return _one(keys.DEADLINE_REMINDER, params, session)


def deadline_watch(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    return _one(keys.DEADLINE_WATCH, params, session)


def plan_review_reminder(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    return _one(keys.PLAN_REVIEW_REMINDER, params, session)


def pupil_reminders(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    """Everything due for one pupil that one person is reminded of today, in one message:
    each item with its date, its rule in plain words and its citation, and its own button.
    Items done or moved since they were queued are left out; none left, no message."""
    today = _today(params)
    wanted = list(params.get("items") or [])
    alone = len(wanted) == 1
    items = [
        built
        for item in wanted
        if (builder := ITEMS.get(str(item.get("template")))) is not None
        and (built := builder(session, item["params"], today, alone)) is not None
    ]
    if not items:
        return None
    pupil = session.get(Pupil, int(params["pupil_id"]))
    who = pupil.display_name if pupil else "a pupil"
    heading = None if len(items) == 1 else f"{len(items)} things due for {who}:"
    return _message(items, heading)
