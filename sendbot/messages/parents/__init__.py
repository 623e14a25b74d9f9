"""Messages to parents and carers, rendered at send time in the reader's language.

Call `render(template, params, language, ...)` with what the outbox row holds. The builders
are pure: plain data plus language, script and the school's timezone in, `OutgoingMessage`
out. The only I/O is the optional `Translator` for staff free text, so call `render` from a
worker thread (`asyncio.to_thread`) when a translator is configured.
"""

from sendbot.delivery.parent_params import (
    MeetingInvitationData,
    ReviewSummaryData,
    RsvpActions,
    TargetOutcome,
    TargetProgressLine,
    TermProgressData,
)
from sendbot.messages.parents.render import TEMPLATES, UnknownTemplate, render

__all__ = [
    "TEMPLATES",
    "MeetingInvitationData",
    "ReviewSummaryData",
    "RsvpActions",
    "TargetOutcome",
    "TargetProgressLine",
    "TermProgressData",
    "UnknownTemplate",
    "render",
]
