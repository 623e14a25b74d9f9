"""The input element that asks each kind of question in a flow's modal. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sendbot.conversations.fields import Field, NumberField, TextField
from sendbot.conversations.forms import FieldView
from sendbot.handlers.slack.composition import option, plain


def _initial(view: FieldView) -> Any:
    value = view.value
    if value is None:
        return None
    if view.field.kind == "yes_no":
        return "yes" if value in (True, "yes") else "no" if value in (False, "no") else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _external_select(view: FieldView, action: str, initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": action,
        "placeholder": plain("Type part of a name"),
        "min_query_length": 2 if view.field.kind == "pupil" else 0,
    }
    if isinstance(initial, str) and initial in view.labels:
        element["initial_option"] = option(initial, view.labels[initial])
    return element


def _multi_external_select(view: FieldView, action: str, initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "multi_external_select",
        "action_id": action,
        "placeholder": plain("Type part of a name"),
        "min_query_length": 2,
    }
    chosen = [option(v, view.labels[v]) for v in (initial or []) if v in view.labels]
    if chosen:
        element["initial_options"] = chosen
    return element


def _options_element(
    view: FieldView, action: str, *, few: str, many: str, up_to: int, placeholder: str
) -> dict[str, Any]:
    """Buttons or boxes for a short list of answers; a menu with a placeholder past `up_to`."""
    options = [option(o.value, o.label) for o in view.options]
    if len(options) <= up_to:
        return {"type": few, "action_id": action, "options": options}
    return {
        "type": many,
        "action_id": action,
        "options": options,
        "placeholder": plain(placeholder),
    }


def _single_choice(view: FieldView, action: str, initial: Any) -> dict[str, Any]:
    element = _options_element(
        view, action, few="radio_buttons", many="static_select", up_to=4, placeholder="Choose one"
    )
    picked = [o for o in element["options"] if o["value"] == initial]
    if picked:
        element["initial_option"] = picked[0]
    return element


def _multi_choice(view: FieldView, action: str, initial: Any) -> dict[str, Any]:
    element = _options_element(
        view,
        action,
        few="checkboxes",
        many="multi_static_select",
        up_to=10,
        placeholder="Choose any that apply",
    )
    ticked = [o for o in element["options"] if isinstance(initial, list) and o["value"] in initial]
    if ticked:
        element["initial_options"] = ticked
    return element


def _datepicker(view: FieldView, action: str, initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": action}
    if isinstance(initial, str) and len(initial) == 10:
        element["initial_date"] = initial
    return element


def _number_input(field: NumberField, action: str, initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": action,
        "is_decimal_allowed": False,
        "min_value": str(field.minimum),
        "max_value": str(field.maximum),
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return element


def _text_input(field: Field, action: str, initial: Any) -> dict[str, Any]:
    limit = min(field.max_length if isinstance(field, TextField) else 3000, 3000)
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action,
        "multiline": limit > 150,
        "max_length": limit,
    }
    if isinstance(initial, str) and initial:
        element["initial_value"] = initial[:limit]
    return element


_ELEMENTS: dict[str, Callable[[FieldView, str, Any], dict[str, Any]]] = {
    "pupil": _external_select,
    "lookup": _external_select,
    "pupils": _multi_external_select,
    "choice": _single_choice,
    "yes_no": _single_choice,
    "multi_choice": _multi_choice,
    "date": _datepicker,
}


def element(view: FieldView, action: str) -> dict[str, Any]:
    """The element for this view's kind of question, named `action`; unknown kinds become text."""
    f = view.field
    initial = _initial(view)
    build = _ELEMENTS.get(f.kind)
    if build is not None:
        return build(view, action, initial)
    if f.kind == "number" and isinstance(f, NumberField):
        return _number_input(f, action, initial)
    return _text_input(f, action, initial)
