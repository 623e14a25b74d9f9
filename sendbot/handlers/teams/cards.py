"""Outgoing messages as Teams activities: text, with buttons and pictures on an Adaptive Card.

A message without buttons or pictures is plain text. One with buttons is a card: the text as
TextBlocks and each button an `Action.Submit` whose data is the button's sealed id, which
comes back as the activity's `value` and is re-authorised on the tap like every platform's.
A picture (the SENCO's digest chart) is an Image element with the PNG inline as a data URL,
so nothing is hosted and nothing outlives the message. Other files are not sent in Teams;
the card says where to find them.
"""

from __future__ import annotations

import base64
from typing import Any

from microsoft_agents.activity import Activity, Attachment

from sendbot.delivery.contract import OutgoingMessage

CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
SUBMIT_KEY = "sendbot"  # the key of a button's sealed id in Action.Submit data
MAX_TEXT = 24_000  # Teams refuses activities over about 28 KB of text
MAX_IMAGE_BYTES = 1_000_000


def _blocks(text: str) -> list[dict[str, Any]]:
    """One TextBlock a line (a card's text joins single line breaks), a gap between
    paragraphs."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text[:MAX_TEXT].split("\n"):
        if not line.strip():
            gap = True
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": line, "wrap": True}
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    return blocks


def card_for(message: OutgoingMessage) -> dict[str, Any]:
    body = _blocks(message.text)
    left_out: list[str] = []
    for attachment in message.attachments:
        if attachment.mime_type == "image/png" and len(attachment.content) <= MAX_IMAGE_BYTES:
            data = base64.b64encode(attachment.content).decode("ascii")
            body.append(
                {
                    "type": "Image",
                    "url": f"data:image/png;base64,{data}",
                    "altText": attachment.title or attachment.filename,
                    "size": "Stretch",
                }
            )
        else:
            left_out.append(attachment.title or attachment.filename)
    if left_out:
        body.append(
            {
                "type": "TextBlock",
                "text": "Not sent in Teams (open sendbot's web pages for it): "
                + ", ".join(left_out),
                "wrap": True,
                "isSubtle": True,
            }
        )
    actions = [
        {
            "type": "Action.Submit",
            "title": button.label,
            "data": {SUBMIT_KEY: button.action_id},
            **(
                {"style": "destructive" if button.style == "danger" else "positive"}
                if button.style
                else {}
            ),
        }
        for button in message.buttons
    ]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def activity_for(message: OutgoingMessage) -> Activity:
    """The message activity Teams is sent for this message."""
    if not message.buttons and not message.attachments:
        return Activity(type="message", text=message.text[:MAX_TEXT], text_format="plain")
    return Activity(
        type="message",
        summary=message.text.split("\n")[0][:200],
        attachments=[Attachment(content_type=CARD, content=card_for(message))],
    )


def tapped(value: Any) -> str | None:
    """The sealed id a submitted card carries, or None."""
    if isinstance(value, dict):
        found = value.get(SUBMIT_KEY)
        if isinstance(found, str) and found:
            return found[:256]
    return None
