"""The parents' flows, declared like every other: their questions in order and a submit that
calls a service. Linking an account, choosing a language and a channel, answering an invitation, sharing
views before a review and sending a message to school; the engine asks them step by step,
in the parent's language (`parent_voice`).
"""

from __future__ import annotations

from sendbot.conversations.parent_channel import PARENT_CHANNEL
from sendbot.conversations.parent_link import PARENT_LANGUAGE, PARENT_LINK
from sendbot.conversations.parent_message import PARENT_MESSAGE
from sendbot.conversations.parent_rsvp import PARENT_RSVP
from sendbot.conversations.parent_turn import ParentFlow
from sendbot.conversations.parent_views import PARENT_VIEWS

PARENT_FLOWS: tuple[ParentFlow, ...] = (
    PARENT_LINK,
    PARENT_LANGUAGE,
    PARENT_CHANNEL,
    PARENT_RSVP,
    PARENT_VIEWS,
    PARENT_MESSAGE,
)
