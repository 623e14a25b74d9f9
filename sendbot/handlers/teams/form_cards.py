"""A flow's form as one Adaptive Card, from the same declarations as Slack's modals. Pure.

Each question that applies now is an input named `f:<field>`: text and numbers as text and
number inputs, dates as a date input, choices as a choice set (buttons for a few, a menu
for more, ticks for several). A pupil, or another searched record, is typed as part of a
name and looked up when the card is sent back, since a card cannot search as you type; when
several match, the returned card offers just those. A message under a question says what
to fix. The submit button carries the flow's name, the card's own id (so one card saves
once) and the form's version (so a card from before a change to the form is recognised and
replaced, answers kept), and a second button answers the same questions step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sendbot.conversations.fields import NumberField, TextField
from sendbot.conversations.flow import Flow
from sendbot.conversations.forms import SEARCHED_KINDS, FieldView, save_label

FORM_KEY = "sendbot_form"  # Action.Submit data: the flow's name
CARD_KEY = "sendbot_card"  # this card's id
VERSION_KEY = "sendbot_version"  # the form's version the card was drawn from
STEPS_KEY = "sendbot_steps"  # "answer step by step": the word that starts the flow in chat
INPUT = "f:"  # an input's id: INPUT + the field's name
AGAIN = "~again"  # a searched question's "or type another name" input


def version(flow: Flow) -> str:
    """Changes when the form's questions or their kinds change."""
    shape = "|".join(f"{f.name}:{f.kind}" for f in flow.fields)
    return hashlib.sha256(f"{flow.name}/{shape}".encode()).hexdigest()[:12]


def _value(view: FieldView) -> str | None:
    value = view.value
    if value is None:
        return None
    if view.field.kind == "yes_no":
        return "yes" if value in (True, "yes") else "no" if value in (False, "no") else None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _choices(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": label[:200], "value": value} for value, label in pairs]


def _searched(
    view: FieldView, name: str, candidates: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    """A pupil or record: the ones found to choose from, else a name to type."""
    known = [(v, label) for v, label in view.labels.items()]
    offered = list(candidates) or known
    hint = "Type part of a name" if view.field.kind != "pupils" else "Names, separated by commas"
    if not offered:
        return [
            {
                "type": "Input.Text",
                "id": name,
                "label": view.question,
                "placeholder": hint,
                "isRequired": view.required,
                "value": "" if view.value is None else "",
            }
        ]
    chosen = _value(view) if not candidates else None
    choice: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": name,
        "label": view.question,
        "choices": _choices(offered),
        "style": "expanded" if len(offered) <= 5 else "compact",
        "isMultiSelect": view.field.kind == "pupils",
    }
    if chosen:
        choice["value"] = chosen
    again = {"type": "Input.Text", "id": name + AGAIN, "placeholder": f"Or type another: {hint}"}
    return [choice, again]


def _input(view: FieldView, candidates: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    f = view.field
    name = INPUT + f.name
    value = _value(view)
    if f.kind in SEARCHED_KINDS:
        return _searched(view, name, candidates)
    element: dict[str, Any] = {"id": name, "label": view.question, "isRequired": view.required}
    if f.kind in ("choice", "yes_no", "multi_choice"):
        several = f.kind == "multi_choice"
        element.update(
            type="Input.ChoiceSet",
            choices=_choices([(o.value, o.label) for o in view.options]),
            isMultiSelect=several,
            style="expanded" if len(view.options) <= (10 if several else 4) else "compact",
        )
    elif f.kind == "date":
        element["type"] = "Input.Date"
    elif f.kind == "number" and isinstance(f, NumberField):
        element.update(type="Input.Number", min=f.minimum, max=f.maximum)
    else:
        limit = min(f.max_length if isinstance(f, TextField) else 3000, 3000)
        element.update(type="Input.Text", maxLength=limit, isMultiline=limit > 150)
    if value is not None:
        element["value"] = value
    return [element]


def form_card(
    flow: Flow,
    views: Sequence[FieldView],
    card_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    candidates: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    heading: str | None = None,
    steps_word: str | None = None,
) -> dict[str, Any]:
    errors, notes, candidates = errors or {}, notes or {}, candidates or {}
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": flow.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    if heading:
        body.append({"type": "TextBlock", "text": heading, "wrap": True, "color": "Attention"})
    elif flow.intro:
        body.append({"type": "TextBlock", "text": flow.intro, "wrap": True, "isSubtle": True})
    for view in views:
        body.extend(_input(view, candidates.get(view.field.name, ())))
        said = errors.get(view.field.name) or notes.get(view.field.name)
        if said:
            body.append(
                {
                    "type": "TextBlock",
                    "text": said,
                    "wrap": True,
                    "spacing": "None",
                    "color": "Attention" if view.field.name in errors else "Default",
                    "size": "Small",
                }
            )
    data = {FORM_KEY: flow.name, CARD_KEY: card_id, VERSION_KEY: version(flow)}
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": save_label(flow), "style": "positive", "data": data}
    ]
    if steps_word:
        actions.append(
            {
                "type": "Action.Submit",
                "title": "Step by step instead",
                "data": {STEPS_KEY: steps_word},
                "associatedInputs": "none",
            }
        )
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "actions": actions,
    }


def raw_answers(value: Mapping[str, Any]) -> dict[str, Any]:
    """The card's inputs as a form's raw answers (several choices as a list)."""
    raw: dict[str, Any] = {}
    for key, given in value.items():
        if not isinstance(key, str) or not key.startswith(INPUT) or key.endswith(AGAIN):
            continue
        name = key[len(INPUT) :]
        text = given if isinstance(given, str) else "" if given is None else str(given)
        again = value.get(key + AGAIN)
        if isinstance(again, str) and again.strip():
            text = again
        raw[name] = text[:4000]
    return raw
