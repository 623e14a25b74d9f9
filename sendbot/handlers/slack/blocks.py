"""Block Kit: flows as modals, outbox messages, details, the Home tab. Pure functions.

A flow's fields become input blocks in order, one block per field, named by the field so
`response_action: errors` can point at the right one. Fields with a `when` appear only
once the answers they depend on are given: every choice dispatches its change, and the
modal is redrawn (views.update) when the set of fields that apply changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sendbot.conversations.fields import Field, NumberField, TextField
from sendbot.conversations.flow import Flow
from sendbot.conversations.forms import FieldView, save_label
from sendbot.delivery.contract import OutgoingMessage
from sendbot.domain.needs import Area
from sendbot.domain.people import Role
from sendbot.services.dashboard import Dashboard, ReviewDue
from sendbot.services.safeguarding import ConcernDetails

FLOW_CALLBACK = "flow:"
FIELD_ACTION = "field."
NOTE_PREFIX = "sendbot.note:"
HOME_START = "home.start:"
PLAIN_LIMITS = {"title": 24, "button": 24, "option": 75, "header": 150, "placeholder": 150}

Block = dict[str, Any]


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


# A word joiner after the '@' of a broadcast word keeps "@channel" from ever notifying anyone,
# whatever a workspace's link_names setting; it is invisible when the message is read.
_BROADCAST = re.compile(r"(?<![\w.])@(?=(channel|here|everyone)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """User text inside mrkdwn: Slack's three control characters, so `<!channel>`, `<@U123>`
    and `<https://x|a link>` arrive as the characters typed; broadcast words defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, text)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text[:3000])}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, PLAIN_LIMITS["header"])}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text[:3000])]}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, PLAIN_LIMITS["option"]), "value": value}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": value or action_id,
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


# --- modals from flows -----------------------------------------------------------------------


def field_action(name: str) -> str:
    return f"{FIELD_ACTION}{name}"


def _initial(view: FieldView) -> Any:
    value = view.value
    if value is None:
        return None
    if view.field.kind == "yes_no":
        return "yes" if value in (True, "yes") else "no" if value in (False, "no") else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def element_for(view: FieldView) -> dict[str, Any]:
    """The Slack element that asks this kind of question; unknown kinds become text."""
    f = view.field
    action = field_action(f.name)
    initial = _initial(view)
    if f.kind in ("pupil", "lookup"):
        element: dict[str, Any] = {
            "type": "external_select",
            "action_id": action,
            "placeholder": plain("Type part of a name"),
            "min_query_length": 2 if f.kind == "pupil" else 0,
        }
        if isinstance(initial, str) and initial in view.labels:
            element["initial_option"] = option(initial, view.labels[initial])
        return element
    if f.kind == "pupils":
        element = {
            "type": "multi_external_select",
            "action_id": action,
            "placeholder": plain("Type part of a name"),
            "min_query_length": 2,
        }
        chosen = [option(v, view.labels[v]) for v in (initial or []) if v in view.labels]
        if chosen:
            element["initial_options"] = chosen
        return element
    options = [option(o.value, o.label) for o in view.options]
    if f.kind in ("choice", "yes_no"):
        kind = "radio_buttons" if len(options) <= 4 else "static_select"
        element = {"type": kind, "action_id": action, "options": options}
        if kind == "static_select":
            element["placeholder"] = plain("Choose one")
        picked = [o for o in options if o["value"] == initial]
        if picked:
            element["initial_option"] = picked[0]
        return element
    if f.kind == "multi_choice":
        kind = "checkboxes" if len(options) <= 10 else "multi_static_select"
        element = {"type": kind, "action_id": action, "options": options}
        if kind == "multi_static_select":
            element["placeholder"] = plain("Choose any that apply")
        ticked = [o for o in options if isinstance(initial, list) and o["value"] in initial]
        if ticked:
            element["initial_options"] = ticked
        return element
    if f.kind == "date":
        element = {"type": "datepicker", "action_id": action}
        if isinstance(initial, str) and len(initial) == 10:
            element["initial_date"] = initial
        return element
    if f.kind == "number" and isinstance(f, NumberField):
        element = {
            "type": "number_input",
            "action_id": action,
            "is_decimal_allowed": False,
            "min_value": str(f.minimum),
            "max_value": str(f.maximum),
        }
        if initial is not None:
            element["initial_value"] = str(initial)
        return element
    limit = min(f.max_length if isinstance(f, TextField) else 3000, 3000)
    element = {
        "type": "plain_text_input",
        "action_id": action,
        "multiline": limit > 150,
        "max_length": limit,
    }
    if isinstance(initial, str) and initial:
        element["initial_value"] = initial[:limit]
    return element


def _dispatches(f: Field) -> bool:
    """Choices report each change, so questions that depend on them can appear at once."""
    return f.kind in ("choice", "yes_no", "multi_choice", "date", "lookup", "pupil", "pupils")


def input_block(view: FieldView) -> Block:
    f = view.field
    block: Block = {
        "type": "input",
        "block_id": f.name,
        "label": plain(view.question or f.label, 2000),
        "element": element_for(view),
        "optional": not view.required,
    }
    if _dispatches(f):
        block["dispatch_action"] = True
    if f.help:
        block["hint"] = plain(f.help, 2000)
    return block


def flow_modal(
    flow: Flow,
    views: Sequence[FieldView],
    *,
    notes: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The modal for a flow, showing just the questions that apply to the answers so far."""
    notes = notes or {}
    label = save_label(flow)
    blocks: list[Block] = []
    for view in views:
        blocks.append(input_block(view))
        name = view.field.name
        if name in notes:
            blocks.append(
                section(f":warning: *{escape(notes[name])}*", block_id=f"{NOTE_PREFIX}{name}")
            )
    if not flow.read_only:
        blocks.append(context(f"Nothing is saved until you press {label}."))
    return {
        "type": "modal",
        "callback_id": f"{FLOW_CALLBACK}{flow.name}",
        "title": plain(flow.title, PLAIN_LIMITS["title"]),
        "submit": plain(label, PLAIN_LIMITS["button"]),
        "close": plain("Cancel", PLAIN_LIMITS["button"]),
        "private_metadata": json.dumps({"flow": flow.name, **(metadata or {})})[:3000],
        "blocks": blocks,
    }


def message_modal(title: str, text: str, callback_id: str = "sendbot.message") -> dict[str, Any]:
    """A modal that only says something: a confirmation, a refusal, a kind error."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, PLAIN_LIMITS["title"]),
        "close": plain("Close", PLAIN_LIMITS["button"]),
        "blocks": [section(escape(part)) for part in text.split("\n\n") if part.strip()],
    }


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    """The raw answers in a submitted or changing view: one value (or list) per field."""
    raw: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for action_id, state in actions.items():
            if not action_id.startswith(FIELD_ACTION):
                continue
            raw[block_id] = element_value(state)
    return raw


def element_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o["value"] for o in state.get("selected_options") or []]
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = state.get("selected_option")
        return chosen["value"] if chosen else None
    if kind == "datepicker":
        return state.get("selected_date")
    return state.get("value")


# --- messages -------------------------------------------------------------------------------


def message_blocks(message: OutgoingMessage) -> list[Block]:
    """The first line is the title; the rest is the body; buttons go in one actions block."""
    lines = message.text.split("\n")
    blocks: list[Block] = []
    title, body = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
    if title:
        icon = ":rotating_light: " if message.urgent else ""
        blocks.append(header(f"{icon}{title}" if icon else title))
    if any(line.strip() for line in body):
        text = "\n".join(_bold_label(escape(line)) for line in body)
        blocks.append(section(text, block_id="body"))
    if message.buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "actions",
                "elements": [
                    button(b.label, b.action_id, STAYS if b.stays else "", b.style)
                    for b in message.buttons
                ],
            }
        )
    return blocks


def _bold_label(line: str) -> str:
    label, sep, rest = line.partition(": ")
    if sep and 0 < len(label) <= 20 and "*" not in label:
        return f"*{label}:* {rest}"
    return line


# The value of a button that stays once its message's step is done (View details).
STAYS = "stays"


def acknowledged_blocks(original: list[Block], who: str, at: datetime, tz: str) -> list[Block]:
    """The alert as it was, its buttons replaced by who acknowledged it and when."""
    when = at.astimezone(ZoneInfo(tz)).strftime("%H:%M on %a %-d %b")
    kept = [b for b in original if b.get("type") != "actions" or b.get("block_id") != "actions"]
    view = [
        e
        for b in original
        if b.get("block_id") == "actions"
        for e in b.get("elements", [])
        if e.get("value") == STAYS
    ]
    kept.append(context(f":white_check_mark: Acknowledged by {escape(who)} at {when}"))
    if view:
        kept.append({"type": "actions", "block_id": "actions", "elements": view})
    return kept


def tapped_blocks(original: list[Block], note: str, who: str, at: datetime, tz: str) -> list[Block]:
    """A reminder or prompt after someone used its button: what was done, by whom and when,
    in place of its buttons (View details stays, since reading is not a step done)."""
    when = at.astimezone(ZoneInfo(tz)).strftime("%H:%M on %a %-d %b")
    kept = [b for b in original if b.get("type") != "actions" or b.get("block_id") != "actions"]
    view = [
        e
        for b in original
        if b.get("block_id") == "actions"
        for e in b.get("elements", [])
        if e.get("value") == STAYS
    ]
    kept.append(context(f":white_check_mark: {escape(note)} ({escape(who)}, {when})"))
    if view:
        kept.append({"type": "actions", "block_id": "actions", "elements": view})
    return kept


REPLY_BLOCK = "reply"
REPLY_ACTION = "reply.text"


def reply_modal(callback_id: str, token: str) -> dict[str, Any]:
    """The form behind a parent message's Reply button; the sealed id rides in metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain("Reply to a parent", PLAIN_LIMITS["title"]),
        "submit": plain("Send", PLAIN_LIMITS["button"]),
        "close": plain("Cancel", PLAIN_LIMITS["button"]),
        "private_metadata": json.dumps({"reply": token}),
        "blocks": [
            {
                "type": "input",
                "block_id": REPLY_BLOCK,
                "label": plain("Your reply", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPLY_ACTION,
                    "multiline": True,
                    "max_length": 3000,
                },
                "hint": plain(
                    "Plain words, no abbreviations. The parent gets it in Telegram; if they "
                    "read another language, they are told it is in English or given a "
                    "machine translation.",
                    2000,
                ),
            }
        ],
    }


def reply_text(view: dict[str, Any]) -> str:
    state = (view.get("state") or {}).get("values", {}).get(REPLY_BLOCK, {})
    return str((state.get(REPLY_ACTION) or {}).get("value") or "")


def _year(year_group: int) -> str:
    return "Reception" if year_group == 0 else f"Year {year_group}"


def _area(value: str) -> str:
    try:
        return Area(value).label
    except ValueError:
        return value


SOURCE_LABELS = {
    "staff": "Seen or heard by staff",
    "pupil": "The child told staff",
    "parent": "A parent or carer told staff",
}


def details_modal(details: ConcernDetails, tz: str) -> dict[str, Any]:
    local = details.raised_at.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")
    fields = [
        mrkdwn(f"*Pupil*\n{escape(details.pupil_name)} ({_year(details.year_group)})"),
        mrkdwn(f"*Logged by*\n{escape(details.raised_by)}"),
        mrkdwn(f"*When*\n{local}"),
        mrkdwn(f"*Area*\n{_area(details.area)}"),
        mrkdwn(f"*Source*\n{SOURCE_LABELS.get(details.source, details.source)}"),
        mrkdwn(f"*Status*\n{details.status.capitalize()}"),
    ]
    blocks: list[Block] = [{"type": "section", "fields": fields}]
    if details.immediate_danger:
        blocks.append(section(":rotating_light: *Immediate danger was reported; 999 was advised.*"))
    blocks.append(section("*What happened*\n" + escape(details.narrative)))
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
    return f"• {escape(review.pupil_name)} ({_year(review.year_group)}): {label} review {due}{flag}"


def home_view(board: Dashboard, flows: Sequence[tuple[str, str]], tz: str) -> dict[str, Any]:
    """Flow buttons for everyone, then a section per role the person holds."""
    blocks: list[Block] = [header(f"Hello {board.name.split()[0]}")]
    if flows:
        blocks.append(
            {
                "type": "actions",
                "block_id": "home.flows",
                "elements": [
                    button(title, f"{HOME_START}{name}", style="primary" if i == 0 else None)
                    for i, (name, title) in enumerate(flows[:25])
                ],
            }
        )
    else:
        blocks.append(section("There is nothing you can do in sendbot yet. Please ask your SENCO."))
    if board.roles & {Role.TEACHER, Role.TA}:
        blocks += [{"type": "divider"}, header("Your pupils' reviews in the next 14 days")]
        if board.my_reviews:
            lines = [_review_line(r, board.today) for r in board.my_reviews[:20]]
            blocks.append(section("\n".join(lines)))
        else:
            blocks.append(section("No reviews for your pupils in the next 14 days."))
    if board.senco is not None:
        s = board.senco
        blocks += [{"type": "divider"}, header("SENCO")]
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
                f"• #{c.concern_id} {escape(c.pupil_name)} ({_year(c.year_group)}): "
                f"{_area(c.area)}, {c.raised_at.astimezone(ZoneInfo(tz)).strftime('%-d %b')}"
                for c in s.open_concerns[:10]
            ]
            blocks.append(
                section("*Open concerns*\n" + "\n".join(lines), block_id="senco.concerns")
            )
        if s.reviews:
            lines = [_review_line(r, board.today) for r in s.reviews[:10]]
            blocks.append(section("*Reviews*\n" + "\n".join(lines), block_id="senco.reviews"))
        if s.deadlines:
            lines = []
            for d in s.deadlines[:10]:
                who = f" ({escape(d.pupil_name)})" if d.pupil_name else ""
                late = " *overdue*" if d.due_on < board.today else ""
                lines.append(
                    f"• {escape(d.kind.replace('_', ' '))}{who}: {d.due_on.strftime('%a %-d %b')}{late}"
                )
            blocks.append(
                section("*Statutory deadlines*\n" + "\n".join(lines), block_id="senco.deadlines")
            )
    if board.safeguarding is not None:
        blocks += [{"type": "divider"}, header("Safeguarding")]
        if board.safeguarding:
            lines = []
            for item in board.safeguarding[:20]:
                state = "acknowledged" if item.acknowledged_at else "*not acknowledged*"
                danger = " :rotating_light: immediate danger" if item.immediate_danger else ""
                lines.append(
                    f"• #{item.concern_id} {_year(item.year_group)}, logged by "
                    f"{escape(item.raised_by)}, open {_age(item.age_hours)}, {state}{danger}"
                )
            blocks.append(section("\n".join(lines), block_id="safeguarding.open"))
        else:
            blocks.append(section("No open safeguarding concerns.", block_id="safeguarding.open"))
    blocks.append(
        context(f"Updated {board.today.strftime('%a %-d %b %Y')}. Type `/send help` for commands.")
    )
    return {"type": "home", "blocks": blocks[:100]}


def refusal_home(text: str) -> dict[str, Any]:
    return {"type": "home", "blocks": [section(escape(text))]}
