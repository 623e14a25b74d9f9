"""From an outbox row (template key + params) to a message in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from sendbot.delivery.contract import OutgoingMessage
from sendbot.i18n.languages import resolve
from sendbot.i18n.translate import Translator
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.data import (
    MeetingInvitationData,
    ReviewSummaryData,
    TermProgressData,
)
from sendbot.messages.parents.invitation import build_invitation
from sendbot.messages.parents.summaries import build_review_summary, build_term_progress

MEETING_INVITATION = "parent.meeting_invitation"
REVIEW_SUMMARY = "parent.review_summary"
TERM_PROGRESS = "parent.term_progress"


class UnknownTemplate(KeyError):
    """Not a parent template; the outbox worker should try the staff templates."""


Builder = Callable[[Writer, dict[str, Any], Translator | None, datetime | None], OutgoingMessage]

TEMPLATES: dict[str, Builder] = {
    MEETING_INVITATION: lambda w, p, t, now: build_invitation(
        w, MeetingInvitationData.from_params(p), now
    ),
    REVIEW_SUMMARY: lambda w, p, t, now: build_review_summary(
        w, ReviewSummaryData.from_params(p), t
    ),
    TERM_PROGRESS: lambda w, p, t, now: build_term_progress(w, TermProgressData.from_params(p), t),
}


def render(
    template: str,
    params: dict[str, Any],
    language: str | None,
    *,
    script: str | None = None,
    timezone: str | tzinfo = "Europe/London",
    translator: Translator | None = None,
    now: datetime | None = None,
) -> OutgoingMessage:
    """Render a parent template for a guardian's stored language and script.

    `language`/`script` are Guardian.preferred_language/script as stored; a language with no
    catalog is written in plain English. `timezone` is School.timezone. To show a parent the
    English original of a message ("Show the English"), render it again with language "en".
    """
    try:
        builder = TEMPLATES[template]
    except KeyError:
        raise UnknownTemplate(template) from None
    writer = Writer(resolve(language, script), timezone)
    return builder(writer, params, translator, now)
