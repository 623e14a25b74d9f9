"""Block Kit for reading the records: a concern's details and the Home tab. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sendbot.domain.needs import area_label
from sendbot.domain.people import Role, year_label
from sendbot.domain.safeguarding import category_label
from sendbot.handlers.slack.blocks import (
    HOME_START,
    MODAL_BLOCKS,
    Block,
    button,
    context,
    escape,
    header,
    mrkdwn,
    section,
    sections,
)
from sendbot.handlers.slack.composition import PLAIN_LIMITS, plain
from sendbot.services.dashboard import (
    Dashboard,
    DeadlineDue,
    MeetingToMark,
    ReviewDue,
    SencoView,
)
from sendbot.services.safeguarding import ConcernDetails, OpenItem

SOURCE_LABELS = {
    "staff": "Seen or heard by staff",
    "pupil": "The child told staff",
    "parent": "A parent or carer told staff",
}


def _occurred(details: ConcernDetails, tz: str) -> str | None:
    if details.occurred_at is None:
        return None
    local = details.occurred_at.astimezone(ZoneInfo(tz))
    if not details.occurred_time_known:
        return local.strftime("%a %-d %b %Y") + " (time not known)"
    return local.strftime("%a %-d %b %Y, %H:%M")


def _account(details: ConcernDetails, tz: str) -> list[Block]:
    """The rest of the reporter's account, then the addenda and photos, as written."""
    lines = [
        (
            "The child's words",
            f"\u201c{details.child_words}\u201d" if details.child_words else None,
        ),
        ("When it happened", _occurred(details, tz)),
        ("Where", details.location),
        ("What the reporter did", details.action_taken),
        ("Who else was told", details.told),
    ]
    blocks: list[Block] = [section(f"*{title}*\n{escape(text)}") for title, text in lines if text]
    for addendum in details.addenda[:5]:
        at = addendum.at.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")
        blocks.append(
            section(f"*Addendum by {escape(addendum.author)}, {at}*\n{escape(addendum.note)}")
        )
    if len(details.addenda) > 5:
        blocks.append(context(f"{len(details.addenda) - 5} more addenda are in the chronology."))
    if details.attachments:
        names = ", ".join(a.describe for a in details.attachments)
        blocks.append(context(f"Photos kept with this concern: {names}"))
    return blocks


def details_modal(details: ConcernDetails, tz: str) -> dict[str, Any]:
    local = details.raised_at.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")
    fields = [
        mrkdwn(f"*Pupil*\n{escape(details.pupil_name)} ({year_label(details.year_group)})"),
        mrkdwn(f"*Logged by*\n{escape(details.raised_by)}"),
        mrkdwn(f"*When*\n{local}"),
        mrkdwn(f"*Area*\n{area_label(details.area)}"),
        mrkdwn(f"*Source*\n{SOURCE_LABELS.get(details.source, details.source)}"),
        mrkdwn(f"*Status*\n{details.status.capitalize()}"),
    ]
    blocks: list[Block] = [{"type": "section", "fields": fields}]
    if details.immediate_danger:
        blocks.append(section(":rotating_light: *Immediate danger was reported; 999 was advised.*"))
    if details.category:
        fields.append(mrkdwn(f"*Category*\n{category_label(details.category)}"))
    blocks += sections("*What happened*\n" + escape(details.narrative), most=MODAL_BLOCKS - 40)
    blocks += _account(details, tz)
    if details.acknowledged_at is not None:
        ack = details.acknowledged_at.astimezone(ZoneInfo(tz)).strftime("%H:%M on %a %-d %b")
        blocks.append(
            context(f"Acknowledged by {escape(details.acknowledged_by or 'someone')} at {ack}")
        )
    blocks.append(context("Opening this record has been logged in the audit trail."))
    title = "Safeguarding" if details.safeguarding else "Concern"
    return {
        "type": "modal",
        "callback_id": "concern.details",
        "title": plain(f"{title} #{details.concern_id}", PLAIN_LIMITS["title"]),
        "close": plain("Close", PLAIN_LIMITS["button"]),
        "blocks": blocks,
    }


# --- the Home tab ---------------------------------------------------------------------------


def _age(hours: float) -> str:
    if hours < 1:
        return f"{max(1, int(hours * 60))} min"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} days"


def _review_line(review: ReviewDue, today: date) -> str:
    kind = {"sen_support": "SEN support plan", "ehc_plan": "EHC plan", "monitoring": "Monitoring"}
    label = kind.get(review.kind, review.kind)
    due = review.due_on.strftime("%a %-d %b")
    flag = " *overdue*" if review.overdue(today) else ""
    return f"• {escape(review.pupil_name)} ({year_label(review.year_group)}): {label} review {due}{flag}"


def home_view(board: Dashboard, flows: Sequence[tuple[str, str]], tz: str) -> dict[str, Any]:
    """Flow buttons for everyone, then a section per role the person holds."""
    blocks: list[Block] = [header(f"Hello {board.name.split()[0]}"), _flow_buttons(flows)]
    if board.roles & {Role.TEACHER, Role.TA}:
        blocks += _my_reviews(board)
    if board.senco is not None:
        blocks += _senco_blocks(board.senco, board.today, tz)
    if board.safeguarding is not None:
        blocks += _safeguarding_blocks(board.safeguarding)
    blocks.append(
        context(f"Updated {board.today.strftime('%a %-d %b %Y')}. Type `/send help` for commands.")
    )
    return {"type": "home", "blocks": blocks[:100]}


def _flow_buttons(flows: Sequence[tuple[str, str]]) -> Block:
    if not flows:
        return section("There is nothing you can do in sendbot yet. Please ask your SENCO.")
    return {
        "type": "actions",
        "block_id": "home.flows",
        "elements": [
            button(title, f"{HOME_START}{name}", style="primary" if i == 0 else None)
            for i, (name, title) in enumerate(flows[:25])
        ],
    }


def _my_reviews(board: Dashboard) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, header("Your pupils' reviews in the next 14 days")]
    if board.my_reviews:
        lines = [_review_line(r, board.today) for r in board.my_reviews[:20]]
        blocks.append(section("\n".join(lines)))
    else:
        blocks.append(section("No reviews for your pupils in the next 14 days."))
    return blocks


def _senco_blocks(s: SencoView, today: date, tz: str) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, header("SENCO")]
    counts = [
        mrkdwn(f"*Open concerns*\n{len(s.open_concerns)}"),
        mrkdwn(f"*Reviews due or overdue*\n{len(s.reviews)}"),
        mrkdwn(f"*Statutory deadlines*\n{len(s.deadlines)}"),
        mrkdwn(f"*Sessions this week*\n{s.sessions_this_week}"),
        mrkdwn(f"*Parent replies waiting*\n{s.parent_replies_waiting}"),
    ]
    blocks.append({"type": "section", "block_id": "senco.counts", "fields": counts})
    if s.open_concerns:
        lines = [
            f"• #{c.concern_id} {escape(c.pupil_name)} ({year_label(c.year_group)}): "
            f"{area_label(c.area)}, {c.raised_at.astimezone(ZoneInfo(tz)).strftime('%-d %b')}"
            for c in s.open_concerns[:10]
        ]
        blocks.append(section("*Open concerns*\n" + "\n".join(lines), block_id="senco.concerns"))
    if s.reviews:
        lines = [_review_line(r, today) for r in s.reviews[:10]]
        blocks.append(section("*Reviews*\n" + "\n".join(lines), block_id="senco.reviews"))
    if s.deadlines:
        lines = [_deadline_line(d, today) for d in s.deadlines[:10]]
        blocks.append(
            section("*Statutory deadlines*\n" + "\n".join(lines), block_id="senco.deadlines")
        )
    if s.meetings_to_mark:
        blocks.append(section("*Was it held?*", block_id="senco.held"))
        for m in s.meetings_to_mark:
            blocks += _meeting_to_mark(m)
    return blocks


NOT_HELD_LABELS = {
    "not_held_family": "Not held: family could not come",
    "not_held_school": "Not held: school postponed",
    "not_held_other": "Not held: other reason",
}


def _meeting_to_mark(m: MeetingToMark) -> list[Block]:
    """One review meeting waiting for its outcome: Held, or the reason it was not."""
    unusual = f" ({escape(m.closed_day)}: please check the date)" if m.closed_day else ""
    line = f"• {escape(m.pupil_name)}: {escape(m.what)} on {m.held_on:%a %-d %b}{unusual}"
    labels = {"held": "Held", **NOT_HELD_LABELS}
    return [
        section(line, block_id=f"senco.held.{m.meeting_id}"),
        {
            "type": "actions",
            "block_id": f"senco.held.{m.meeting_id}.buttons",
            "elements": [
                button(label, m.buttons[value], style="primary" if value == "held" else None)
                for value, label in labels.items()
                if value in m.buttons
            ],
        },
    ]


def _deadline_line(d: DeadlineDue, today: date) -> str:
    who = f" ({escape(d.pupil_name)})" if d.pupil_name else ""
    late = " *overdue*" if d.due_on < today else ""
    return f"• {escape(d.title)}{who}: {d.due_on.strftime('%a %-d %b')}{late}"


def _safeguarding_blocks(items: Sequence[OpenItem]) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, header("Safeguarding")]
    if not items:
        blocks.append(section("No open safeguarding concerns.", block_id="safeguarding.open"))
        return blocks
    lines = []
    for item in items[:20]:
        state = "acknowledged" if item.acknowledged_at else "*not acknowledged*"
        danger = " :rotating_light: immediate danger" if item.immediate_danger else ""
        lines.append(
            f"• #{item.concern_id} {year_label(item.year_group)}, logged by "
            f"{escape(item.raised_by)}, open {_age(item.age_hours)}, {state}{danger}"
        )
    blocks.append(section("\n".join(lines), block_id="safeguarding.open"))
    return blocks


def refusal_home(text: str) -> dict[str, Any]:
    return {"type": "home", "blocks": [section(escape(text))]}
