"""A form that could not be saved, shown again with everything the person typed in it.

When a submission fails (the database away, a fault on our side), the modal is redrawn as
it was (`response_action: update`) with each answer as its element's initial value and a
note to try again, rather than replaced by an apology that loses a typed narrative. Slack
keeps what was entered in an input block whose block and action ids are unchanged; the
initial values say the same, for a client that does not. Pure functions: no database.
"""

from __future__ import annotations

from typing import Any

from sendbot.handlers.slack.blocks import escape, section

KEPT_NOTE = "sendbot.kept"
# The parts of a view that may be sent back; the rest (id, hash, state...) is Slack's own.
VIEW_FIELDS = (
    "type",
    "callback_id",
    "title",
    "submit",
    "close",
    "private_metadata",
    "clear_on_close",
    "notify_on_close",
    "external_id",
    "submit_disabled",
)
# An element's type: where its state holds the answer, and the field that shows it again.
ANSWER_FIELDS = {
    "plain_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "rich_text_input": ("rich_text_value", "initial_value"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "users_select": ("selected_user", "initial_user"),
}


def kept_modal(view: dict[str, Any], notice: str) -> dict[str, Any]:
    """The submitted view again, its answers filled in, with `notice` at the top."""
    kept = {key: view[key] for key in VIEW_FIELDS if key in view}
    values = (view.get("state") or {}).get("values") or {}
    blocks = [section(f":warning: *{escape(notice)}*", block_id=KEPT_NOTE)]
    for block in view.get("blocks") or []:
        if block.get("block_id") == KEPT_NOTE:
            continue  # the note of an earlier failure: one is enough
        blocks.append(_answered(block, values.get(block.get("block_id")) or {}))
    kept["blocks"] = blocks[:100]  # Slack's limit for a modal
    return kept


def _answered(block: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """An input block with what was entered in it as its initial value."""
    element = block.get("element")
    if block.get("type") != "input" or not isinstance(element, dict):
        return block
    fields = ANSWER_FIELDS.get(str(element.get("type")))
    if fields is None:
        return block
    where, initial = fields
    answer = (state.get(str(element.get("action_id"))) or {}).get(where)
    element = {k: v for k, v in element.items() if k != initial}
    if answer not in (None, "", []):
        element[initial] = answer
    return {**block, "element": element}
