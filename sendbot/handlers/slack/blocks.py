"""Block Kit: flows as modals, outbox messages, the reply form. Pure functions.

A flow's fields become input blocks in order, one block per field, named by the field so
`response_action: errors` can point at the right one. Fields with a `when` appear only
once the answers they depend on are given: every choice dispatches its change, and the
modal is redrawn (views.update) when the set of fields that apply changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sendbot.conversations.fields import Field
from sendbot.conversations.flow import Flow
from sendbot.conversations.forms import FieldView, save_label
from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.text import split
from sendbot.handlers.slack import field_elements
from sendbot.handlers.slack.composition import PLAIN_LIMITS, plain

FLOW_CALLBACK = "flow:"
FIELD_ACTION = "field."
NOTE_PREFIX = "sendbot.note:"
HOME_START = "home.start:"

Block = dict[str, Any]


# A word joiner after the '@' of a broadcast word keeps "@channel" from ever notifying anyone,
# whatever a workspace's link_names setting; it is invisible when the message is read.
_BROADCAST = re.compile(r"(?<![\w.])@(?=(channel|here|everyone)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """User text inside mrkdwn: Slack's three control characters, so `<!channel>`, `<@U123>`
    and `<https://x|a link>` arrive as the characters typed; broadcast words defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, text)


# Slack's limits, counted on the text as sent (after escaping: one "&" is five characters).
SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
NOTIFICATION_LIMIT = 40000
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
CUT_NOTE = "\n_(cut here: the rest is too long to show in Slack)_"


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def fit(text: str, limit: int = SECTION_LIMIT) -> str:
    """Escaped text within `limit`, or its start with a visible note that it was cut."""
    if len(text) <= limit:
        return text
    return split(text, limit - len(CUT_NOTE), atoms=_ENTITY)[0] + CUT_NOTE


def section(text: str, block_id: str | None = None) -> Block:
    """One section; text that is too long for one is cut visibly (use `sections` for
    text that may be long)."""
    block: Block = {"type": "section", "text": mrkdwn(fit(text))}
    if block_id:
        block["block_id"] = block_id
    return block


def sections(text: str, block_id: str | None = None, most: int = MESSAGE_BLOCKS) -> list[Block]:
    """Escaped text over as many sections as it needs (at most `most`, the last cut
    visibly if even they are not enough), broken between paragraphs, lines or words."""
    return _as_sections(split(text, SECTION_LIMIT, atoms=_ENTITY), block_id, most)


def _as_sections(chunks: list[str], block_id: str | None, most: int) -> list[Block]:
    if len(chunks) > most:
        chunks = [*chunks[: most - 1], fit("\n".join(chunks[most - 1 :]))]
    return [
        section(chunk, block_id and (block_id if n == 1 else f"{block_id}.{n}"))
        for n, chunk in enumerate(chunks, start=1)
    ]


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, PLAIN_LIMITS["header"])}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(fit(text))]}


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


def element_for(view: FieldView) -> dict[str, Any]:
    """The Slack element that asks this kind of question; unknown kinds become text."""
    return field_elements.element(view, field_action(view.field.name))


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
        "blocks": _as_sections(
            [
                chunk
                for part in text.split("\n\n")
                if part.strip()
                for chunk in split(escape(part), SECTION_LIMIT, atoms=_ENTITY)
            ],
            None,
            MODAL_BLOCKS,
        ),
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
    icon = ":rotating_light: " if message.urgent else ""
    if len(icon + title) > PLAIN_LIMITS["header"]:  # too long for a header: it leads the body
        title, body = "", lines
    if title:
        blocks.append(header(icon + title))
    if any(line.strip() for line in body):
        text = "\n".join(_bold_label(escape(line)) for line in body)
        room = MESSAGE_BLOCKS - len(blocks) - (1 if message.buttons else 0)
        blocks += sections(text, block_id="body", most=room)
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


def tapped_blocks(
    original: list[Block], note: str, who: str, at: datetime, tz: str, only: str | None = None
) -> list[Block]:
    """A reminder or prompt after someone used its button: what was done, by whom and when,
    in place of its buttons (View details stays, since reading is not a step done). With
    `only`, the tapped button's id, just that button goes: the others are for other things."""
    when = at.astimezone(ZoneInfo(tz)).strftime("%H:%M on %a %-d %b")
    kept = [b for b in original if b.get("type") != "actions" or b.get("block_id") != "actions"]
    view = [
        e
        for b in original
        if b.get("block_id") == "actions"
        for e in b.get("elements", [])
        if e.get("value") == STAYS or (only is not None and e.get("action_id") != only)
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
