"""Every outgoing message by its outbox template key, in two explicit tables by audience.

The outbox stores a key from `sendbot.delivery.keys` and its params; the delivery worker
calls `render` when it sends, so a message is written at send time, in the recipient's
language, from the facts as they are then.

A renderer is `(params, language, session) -> OutgoingMessage | None`: the row's params, the
recipient's language code (a guardian's resolved choice; "en_GB" for staff) and a database
session for anything it must read now. None means the message is no longer needed (a
reminder for a deadline already done, an escalation already acknowledged); the worker
records that and sends nothing. An unknown key is an error the worker records and retries,
never a silent drop.

The worker adds context keys that start with an underscore and are never stored: `_now`
(ISO time), `_timezone` (the school's), `_school_id`, `_recipient_staff_id`,
`_recipient_guardian_id`, `_outbox_id`, and for a parent `_answer_by`: "link" when the
message goes with its one-tap link (email, text message), else "buttons".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage
from sendbot.messages.parents import notices as parent_messages
from sendbot.messages.parents.honest import with_english_note
from sendbot.messages.parents.render import from_outbox_worker as render_summary
from sendbot.messages.staff import (
    concern_alerts,
    deadlines,
    digests,
    notices,
    parent_notices,
    review_outcome,
    safeguarding,
    web_link,
)
from sendbot.messages.staff.wording import timezone_of
from sendbot.services import parents

Renderer = Callable[[Mapping[str, Any], str, Session], "OutgoingMessage | None"]


class UnknownTemplate(LookupError):
    """No message has this key: a bug in whoever wrote the row, or a key since removed."""


def _by_key(render: Callable[..., OutgoingMessage | None], template: str) -> Renderer:
    """A module's `(template, params, language, session)` renderer, for one key."""
    return partial(render, template)


def _alert(template: str) -> Renderer:
    return lambda params, language, session: concern_alerts.render(
        session, template, params, timezone_of(params)
    )


STAFF: Mapping[str, Renderer] = {
    keys.CONCERN_NEW: _alert(keys.CONCERN_NEW),
    keys.SAFEGUARDING_ALERT: _alert(keys.SAFEGUARDING_ALERT),
    keys.SAFEGUARDING_DANGER: _alert(keys.SAFEGUARDING_DANGER),
    keys.SAFEGUARDING_ACKNOWLEDGED: _alert(keys.SAFEGUARDING_ACKNOWLEDGED),
    keys.SAFEGUARDING_ESCALATION: safeguarding.escalation,
    keys.SAFEGUARDING_REFERRAL_CHASE: safeguarding.referral_chase,
    keys.SAFEGUARDING_CUMULATIVE: safeguarding.cumulative,
    keys.CP_FILE_TRANSFER: safeguarding.cp_file_transfer,
    keys.DEADLINE_REMINDER: deadlines.deadline_reminder,
    keys.DEADLINE_WATCH: deadlines.deadline_watch,
    keys.PLAN_REVIEW_REMINDER: deadlines.plan_review_reminder,
    keys.PUPIL_REMINDERS: deadlines.pupil_reminders,
    keys.MEETING_OUTCOME_PROMPT: review_outcome.outcome_prompt,
    keys.DIGEST_SENCO: digests.digest,
    keys.DIGEST_DSL: digests.digest,
    keys.DIGEST_HEADTEACHER: digests.digest,
    keys.DELIVERY_FAILED: notices.delivery_failed,
    keys.IDENTITY_BLOCKED: notices.identity_blocked,
    keys.STAFF_NOTICE: notices.staff_notice,
    keys.WEB_SIGN_IN_LINK: web_link.web_sign_in_link,
    **{
        key: _by_key(parent_notices.from_outbox_worker, key)
        for key in (
            keys.MEETING_RSVP_NOTICE,
            keys.MEETING_VIEWS_NOTICE,
            keys.PARENT_MESSAGE_NOTICE,
            keys.PARENT_STOPPED_NOTICE,
            keys.PARENT_BLOCKED_NOTICE,
            keys.PARENT_RESUMED_NOTICE,
            keys.PARENT_UNSUBSCRIBED_NOTICE,
            keys.INVITE_REUSED_NOTICE,
        )
    },
}


def _told_why_english(render: Renderer) -> Renderer:
    """A parent renderer whose message says why it is in English, when the guardian asked for
    a language sendbot has no catalog for (the worker passes the resolved language only)."""

    def rendered(
        params: Mapping[str, Any], language: str, session: Session
    ) -> OutgoingMessage | None:
        message = render(params, language, session)
        guardian_id = params.get("_recipient_guardian_id")
        if message is None or session is None or guardian_id is None:
            return message
        stored, script, _ = parents.reading(session, int(guardian_id))
        return with_english_note(message, stored, script)

    return rendered


PARENTS: Mapping[str, Renderer] = {
    key: _told_why_english(render)
    for key, render in {
        **{
            key: _by_key(parent_messages.from_outbox_worker, key)
            for key in (
                keys.MEETING_INVITATION,
                keys.MEETING_REMINDER,
                keys.MEETING_VIEWS_REQUEST,
                keys.MEETING_MOVED,
                keys.MEETING_CANCELLED,
                keys.PARENT_STAFF_REPLY,
                keys.PARENT_LINK_INVITATION,
            )
        },
        **{
            key: _by_key(render_summary, key)
            for key in (
                keys.PARENT_MEETING_INVITATION,
                keys.PARENT_REVIEW_SUMMARY,
                keys.PARENT_TERM_PROGRESS,
            )
        },
    }.items()
}

REGISTRY: Mapping[str, Renderer] = {**STAFF, **PARENTS}


def render(
    template: str, params: Mapping[str, Any], language: str, session: Session | None = None
) -> OutgoingMessage | None:
    """The one entry point: the message `template` names, or None if no longer needed.

    `session` may be left out only for messages that read nothing from the database.
    """
    renderer = REGISTRY.get(template)
    if renderer is None:
        raise UnknownTemplate(f"no message for outbox template '{template}'")
    return renderer(params, language, session)  # type: ignore[arg-type]
