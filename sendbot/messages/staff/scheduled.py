"""Plain-English staff messages for the scheduler's templates, and the colleagues' renderers.

Staff messages are English (DESIGN.md 7 translates what parents read). None of them carries
a concern's narrative; safeguarding ones carry no pupil name either, only the year group,
who logged it and when, with buttons whose ids are re-authorised on every tap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.needs import Area
from sendbot.domain.school_settings import scheduling_settings
from sendbot.domain.timescales import RULES_BY_KIND, Owner
from sendbot.messages.parents import notices as parent_notices
from sendbot.messages.parents.render import TEMPLATES as PARENT_MESSAGES
from sendbot.messages.parents.render import from_outbox_worker as render_parent_message
from sendbot.messages.registry import NOT_MINE, add_provider, register
from sendbot.messages.staff import concern_alerts
from sendbot.services import deadlines as deadline_service
from sendbot.services import digests, school_policy
from sendbot.store.models import Concern, Deadline, Pupil, School, SupportPlan

REFERRAL_RESPONDED = "referral.la_response"
REFERRAL_CHASED = "referral.chased"
REVIEW_PUPIL = "concerns.review_pupil"


def _tz(params: Mapping[str, Any]) -> str:
    return str(params.get("_timezone") or "Europe/London")


def _now(params: Mapping[str, Any]) -> datetime:
    raw = params.get("_now")
    return datetime.fromisoformat(raw) if raw else datetime.now(ZoneInfo("UTC"))


def _when(raw: str, tz: str) -> str:
    return datetime.fromisoformat(raw).astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")


def _year(value: Any) -> str:
    if value is None:
        return "year group not recorded"
    return "Reception" if int(value) == 0 else f"Year {int(value)}"


def _days(n: int) -> str:
    return "today" if n == 0 else "tomorrow" if n == 1 else f"in {n} days"


# --- deadlines -----------------------------------------------------------------------------


def _live_deadline(session: Session, params: Mapping[str, Any]) -> Deadline | None:
    row = session.get(Deadline, int(params["deadline_id"]))
    if row is None or row.status != deadline_service.OPEN:
        return None
    if row.due_on.isoformat() != params.get("due_on"):
        return None  # the facts moved it; the sweep queues reminders for the new date
    return row


@register("deadline.reminder")
def deadline_reminder(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    row = _live_deadline(session, params)
    if row is None:
        return None
    rule = RULES_BY_KIND.get(row.kind)
    title = rule.title if rule else row.kind
    pupil = session.get(Pupil, row.pupil_id) if row.pupil_id else None
    today = _now(params).astimezone(ZoneInfo(_tz(params))).date()
    left = (row.due_on - today).days
    who = f" for {pupil.display_name}" if pupil else ""
    lines = [
        f"Deadline {_days(left) if left >= 0 else 'passed'}: {title}{who}",
        f"Due: {row.due_on:%A %-d %B %Y}",
    ]
    if rule:
        lines.append(rule.description)
    lines.append(f"Source: {row.source}")
    lines.append("Tap Done when it is done; until then it shows in your digest.")
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(Button(deadline_service.done_action_id(row.id), "Done", "primary"),),
    )


@register("deadline.watch")
def deadline_watch(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    """A deadline someone else owes (the local authority, the family), on the day."""
    row = _live_deadline(session, params)
    if row is None:
        return None
    rule = RULES_BY_KIND.get(row.kind)
    title = rule.title if rule else row.kind
    pupil = session.get(Pupil, row.pupil_id) if row.pupil_id else None
    owner = deadline_service.OWNER_WORDS.get(row.owner_role, row.owner_role)
    who = f" for {pupil.display_name}" if pupil else ""
    advice = (
        "If the school has not heard, chase the local authority's SEND team today."
        if row.owner_role == Owner.LA.value
        else "Check the family knows, and offer help or an interpreter if they need it."
    )
    lines = [
        f"Today is the {owner}'s deadline: {title}{who}",
        f"Due: {row.due_on:%A %-d %B %Y}",
        *([rule.description] if rule else []),
        advice,
        f"Source: {row.source}",
    ]
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(Button(deadline_service.done_action_id(row.id), "Done / heard back"),),
    )


@register("plan.review_reminder")
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
    today = _now(params).astimezone(ZoneInfo(_tz(params))).date()
    left = (plan.next_review_on - today).days
    lines = [
        f"Review {_days(left)}: {name} for {pupil.display_name if pupil else 'a pupil'}",
        f"Due: {plan.next_review_on:%A %-d %B %Y} (the date agreed for this plan)",
        "Assess, plan, do, review: check progress on each target with the class teacher and "
        "the family, and record the review in sendbot; that sets the next date.",
        "Source: Code 6.44, 6.65 and the school's review policy",
    ]
    return OutgoingMessage(text="\n".join(lines))


# --- safeguarding --------------------------------------------------------------------------


@register("safeguarding.escalation")
def escalation(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    concern = session.get(Concern, int(params["concern_id"]))
    if concern is None or concern.acknowledged_at is not None or concern.status != "open":
        return None  # acknowledged since: the escalation has done its job
    minutes = int(params.get("minutes", 0))
    title = f"Safeguarding alert NOT acknowledged after {minutes} minutes"
    if params.get("immediate_danger"):
        title += ": immediate danger reported, 999 advised"
    lines = [
        title,
        f"Logged by: {params.get('raised_by')}",
        f"When: {_when(str(params['raised_at']), _tz(params))}",
        f"Year group: {_year(params.get('year_group'))}",
        "Nobody from the safeguarding team has acknowledged it yet. Please acknowledge it, "
        "or make sure the DSL or a deputy has it now.",
    ]
    cid = concern.id
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            Button(concern_alerts.action_id(concern_alerts.ACK, cid), "Acknowledge", "primary"),
            Button(concern_alerts.action_id(concern_alerts.VIEW, cid), "View details"),
        ),
        urgent=True,
    )


@register("safeguarding.referral_chase")
def referral_chase(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    concern = session.get(Concern, int(params["concern_id"]))
    if concern is None or concern.status in deadline_service.CLOSED_CONCERN:
        return None
    referral = deadline_service.referral_of(session, concern.id)
    if referral is None or deadline_service.la_response_of(session, concern.id, referral.at):
        return None  # the local authority has replied since
    tz = _tz(params)
    chases = int(params.get("chases", 0))
    lines = [
        "Referral follow-up: has the local authority replied?",
        f"Concern #{concern.id} ({_year(params.get('year_group'))}, logged by {params.get('raised_by')}) "
        f"was referred to children's social care on {_when(str(params['referral_at']), tz)}.",
        "Within one working day they should acknowledge it and decide the next steps "
        "(Keeping children safe in education; Working Together 2023).",
        "If they have not, follow it up and record that you did. If the child's situation "
        "does not improve, consider the local escalation procedure.",
    ]
    if chases:
        lines.insert(2, f"Chased {chases} time{'s' if chases != 1 else ''} so far.")
    cid = concern.id
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            Button(f"{REFERRAL_RESPONDED}:{cid}", "They have replied", "primary"),
            Button(f"{REFERRAL_CHASED}:{cid}", "I have chased them"),
            Button(concern_alerts.action_id(concern_alerts.VIEW, cid), "View details"),
        ),
        urgent=True,
    )


@register("safeguarding.cumulative")
def cumulative(
    params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    tz = _tz(params)
    areas = []
    for key, count in sorted(dict(params.get("areas") or {}).items()):
        try:
            label = Area(key).label
        except ValueError:
            label = key
        areas.append(f"{label}: {count}")
    flagged = int(params.get("safeguarding", 0))
    lines = [
        f"{params['count']} concerns about one pupil in {params['days']} days "
        f"({_year(params.get('year_group'))})",
        f"From {_when(str(params['first_at']), tz)} to {_when(str(params['last_at']), tz)}.",
        "Areas: " + ", ".join(areas),
    ]
    if flagged:
        lines.append(f"{flagged} of them flagged as safeguarding.")
    lines.append(
        "Please look at them together, DSL and SENCO. Signs of harm in pupils with SEND, "
        "such as changes in behaviour, mood or injuries, are too easily put down to their "
        "needs (Keeping children safe in education)."
    )
    return OutgoingMessage(
        text="\n".join(lines),
        buttons=(
            Button(f"{REVIEW_PUPIL}:{int(params['pupil_id'])}", "Look at them together", "primary"),
        ),
    )


# --- digests -------------------------------------------------------------------------------


def _digest(params: Mapping[str, Any], session: Session) -> OutgoingMessage | None:
    school_id = int(params["school_id"])
    day = date.fromisoformat(str(params["date"]))
    digest = digests.build(session, school_id, str(params["role"]), day, _now(params))
    school = session.get(School, school_id)
    if (
        digest.empty
        and school is not None
        and scheduling_settings(school.settings).empty_digest == "none"
    ):
        return None  # the school asked for no digest on an empty day
    return digests.to_message(digest)


for _role in digests.ROLES:
    register(f"digest.{_role}")(lambda params, language, session: _digest(params, session))


# --- notices -------------------------------------------------------------------------------


@register("delivery.failed")
def delivery_failed(params: Mapping[str, Any], language: str, session: Session) -> OutgoingMessage:
    return OutgoingMessage(
        text=(
            f"A message could not be delivered to {params.get('person')} ({params.get('template')}).\n"
            f"Last error: {params.get('error') or 'unknown'}\n"
            "Please contact them another way, and check their chat account in sendbot."
        )
    )


@register("identity.blocked")
def identity_blocked(params: Mapping[str, Any], language: str, session: Session) -> OutgoingMessage:
    return OutgoingMessage(
        text=(
            f"{params.get('person')} can no longer be reached on {str(params.get('platform')).title()} "
            "(they blocked sendbot or closed the account). Their messages will go to another account "
            "if they have one. Please contact them another way."
        )
    )


@register("staff.notice")
def staff_notice(params: Mapping[str, Any], language: str, session: Session) -> OutgoingMessage:
    """A plain text notice to a member of staff (the text is in the params)."""
    return OutgoingMessage(
        text=str(params.get("text", ""))[:3000], urgent=bool(params.get("urgent"))
    )


# --- colleagues' renderers -----------------------------------------------------------------


@add_provider
def _concern_alerts(
    template: str, params: Mapping[str, Any], language: str, session: Session
) -> Any:
    if template not in concern_alerts.TEMPLATES:
        return NOT_MINE
    return concern_alerts.render(template, params, _tz(params))


@add_provider
def _parent_notices(
    template: str, params: Mapping[str, Any], language: str, session: Session
) -> Any:
    """Meeting, message and reply notices (Telegram's team); with the session, so a parent's
    message is read from its encrypted row at send time."""
    if template not in parent_notices.OUR_TEMPLATES:
        return NOT_MINE
    return parent_notices.render_outbox(template, params, language, session)


@add_provider
def _parent_summaries(
    template: str, params: Mapping[str, Any], language: str, session: Session
) -> Any:
    """Review summaries, term progress and meeting invitations in the parent's language."""
    if template not in PARENT_MESSAGES:
        return NOT_MINE
    return render_parent_message(template, params, language, session)
