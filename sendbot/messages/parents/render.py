"""From an outbox row (template key + params) to a message in the recipient's language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.parent_params import (
    MeetingInvitationData,
    ReviewSummaryData,
    TermProgressData,
)
from sendbot.i18n.languages import resolve
from sendbot.i18n.translate import Translator, translator_from_settings
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import with_notice
from sendbot.messages.parents.invitation import BUTTONS, build_invitation
from sendbot.messages.parents.summaries import build_review_summary, build_term_progress
from sendbot.store.models import PlanReview

log = logging.getLogger(__name__)

MEETING_INVITATION = keys.PARENT_MEETING_INVITATION
REVIEW_SUMMARY = keys.PARENT_REVIEW_SUMMARY
TERM_PROGRESS = keys.PARENT_TERM_PROGRESS


class UnknownTemplate(KeyError):
    """Not one of the summaries and invitation this module builds."""


class NeedsSession(LookupError):
    """The row names encrypted staff text by id: render it with a database session."""


Builder = Callable[[Writer, dict[str, Any], Translator | None, datetime | None], OutgoingMessage]

TEMPLATES: dict[str, Builder] = {
    MEETING_INVITATION: lambda w, p, t, now: build_invitation(
        w, MeetingInvitationData.from_params(p), now, t, answer_by=p.get("_answer_by") or BUTTONS
    ),
    REVIEW_SUMMARY: lambda w, p, t, now: build_review_summary(
        w, ReviewSummaryData.from_params(p), t
    ),
    TERM_PROGRESS: lambda w, p, t, now: build_term_progress(w, TermProgressData.from_params(p), t),
}


def _with_next_steps(params: dict[str, Any], session: Session | None) -> dict[str, Any]:
    """Read the staff's next steps from the encrypted column the row points at."""
    review_id = params.get("next_steps_review_id")
    if review_id is None or params.get("next_steps"):
        return params
    if session is None:
        raise NeedsSession("this summary reads the review's next steps: pass session=")
    review = session.get(PlanReview, int(review_id))
    return {**params, "next_steps": review.next_steps_text if review else None}


def render(
    template: str,
    params: dict[str, Any],
    language: str | None,
    *,
    script: str | None = None,
    timezone: str | tzinfo = "Europe/London",
    translator: Translator | None = None,
    now: datetime | None = None,
    session: Session | None = None,
) -> OutgoingMessage:
    """Render a parent template for a guardian's stored language and script.

    `language`/`script` are Guardian.preferred_language/script as stored; a language with no
    catalog is written in plain English. `timezone` is School.timezone. Summaries queued by
    `sendbot.services.parent_summaries` need `session` to read the staff's (encrypted) next
    steps. To show a parent the English original ("Show the English"), render the same row
    again with language "en".
    """
    try:
        builder = TEMPLATES[template]
    except KeyError:
        raise UnknownTemplate(template) from None
    params = _with_next_steps({k: v for k, v in params.items() if not k.startswith("_")}, session)
    writer = Writer(resolve(language, script), timezone)
    return with_notice(writer, builder(writer, params, translator, now))


def from_outbox_worker(
    template: str, params: Mapping[str, Any], language: str, session: Session | None = None
) -> OutgoingMessage:
    """The registry's renderer; the worker's context keys start with an underscore."""
    raw_now = params.get("_now")
    return render(
        template,
        dict(params),
        language,
        timezone=str(params.get("_timezone") or "Europe/London"),
        translator=translator_from_settings(),
        now=datetime.fromisoformat(raw_now) if raw_now else None,
        session=session,
    )


def preview_for_staff(data: ReviewSummaryData | TermProgressData, timezone: str) -> str:
    """The summary exactly as an English-reading parent will get it, for the staff member to
    check before recording (jargon already spelt out, staff wording already swapped for the
    parent wording). Other languages carry the same content."""
    template = REVIEW_SUMMARY if isinstance(data, ReviewSummaryData) else TERM_PROGRESS
    return render(template, data.to_params(), "en", timezone=timezone).text
