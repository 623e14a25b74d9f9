"""What parents did, told to staff in English: RSVPs, views, messages, stop and block, and
a used link tried again.

A parent's message is shown with its language named and, with the school's translator, an
English translation beside the parent's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.i18n.languages import resolve
from sendbot.i18n.replies import for_staff
from sendbot.i18n.translate import Translator, translator_from_settings
from sendbot.messages.bodies import with_body

ANSWER_WORDS = {
    "yes": "will come",
    "no": "cannot come",
    "other_time": "asks for another time",
    "interpreter": "needs an interpreter",
}
KIND_WORDS = {
    "annual_review": "EHCP annual review",
    "sen_support_review": "SEN support review",
    "interim_review": "interim review",
    "reintegration": "reintegration meeting",
    "parent_meeting": "parent meeting",
}


def _when(raw: str, tz: str) -> str:
    return datetime.fromisoformat(raw).astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y, %H:%M")


def rsvp_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    answer = ANSWER_WORDS.get(str(params["answer"]), str(params["answer"]))
    kind = KIND_WORDS.get(str(params["meeting_kind"]), "meeting")
    lines = [
        f"Parent reply: {params['guardian_name']} {answer}",
        f"Meeting: {kind} for {params['child_name']}, {_when(params['starts_at'], tz)}",
    ]
    if params.get("previous") and params["answer"] != "interpreter":
        lines.append(f"Earlier answer: {ANSWER_WORDS.get(params['previous'], params['previous'])}")
    if params["answer"] == "interpreter":
        lines.append(
            f"Their language: {resolve(params.get('language')).english_name}. Please book an interpreter."
        )
    if params["answer"] == "other_time":
        lines.append("Please offer them another time.")
    return OutgoingMessage(text="\n".join(lines))


def views_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    kind = KIND_WORDS.get(str(params["meeting_kind"]), "meeting")
    return OutgoingMessage(
        text=(
            f"Parent's views received from {params['guardian_name']}\n"
            f"For the {kind} for {params['child_name']}, {_when(params['starts_at'], tz)}. "
            "They are in the review papers."
        )
    )


def staff_translator() -> Translator | None:
    """The school's translator for parents' words shown to staff (None: not configured)."""
    return translator_from_settings()


def message_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    about = params["child_name"] + (
        f" ({params['class_name']})" if params.get("class_name") else ""
    )
    lines = [
        f"Message from a parent: {params['guardian_name']} about {about}",
        f"Sent: {_when(params['at'], tz)}",
    ]
    # The words are put there by `with_body` at send time. Staff see the language named
    # and, with the school's translator, an English translation beside the parent's words.
    shown = for_staff(str(params["text"]), params.get("language"), translator=staff_translator())
    lines += ["", shown.as_text()]
    buttons = (Button(str(params["reply_action"]), "Reply"),) if params.get("reply_action") else ()
    return OutgoingMessage(text="\n".join(lines), buttons=buttons)


def _people_notice(title: str, advice: str) -> Callable[..., OutgoingMessage]:
    def build(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
        kids = ", ".join(params.get("children") or []) or "no linked children"
        return OutgoingMessage(
            text=f"{title}: {params['guardian_name']} (parent or carer of {kids})\n"
            f"When: {_when(params['at'], tz)}\n{advice}"
        )

    return build


def invite_reused_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    """A parent's used link tried again from another chat: whoever opened it first may not
    be the parent, so the school is told what to do."""
    name, number = params["guardian_name"], params["guardian_id"]
    lines = [f"A used Telegram link was tried again: {name}'s (parent or carer)"]
    if params.get("used_at"):
        lines.append(f"First used: {_when(params['used_at'], tz)}")
    lines += [
        f"Tried again: {_when(params['at'], tz)}, from a chat it is not linked to",
        "",
        f"If {name} did not use the link themselves, someone else may be getting their "
        "messages. Please check with them. If so, ask your admin to unlink them "
        f"(sendbot invite unlink {number}), then send them a new invitation. Whoever used "
        "the old link will get no more messages.",
    ]
    return OutgoingMessage(text="\n".join(lines))


# Why an account of a parent's was switched off, by channel (a notice queued before the
# channel was recorded is about Telegram, the only channel there was).
BLOCKED_TITLES = {
    "telegram": "Parent blocked the sendbot Telegram bot",
    "email": "Parent's email address bounced or was refused",
    "sms": "Parent's mobile number is not valid or not receiving text messages",
}
CHANNEL_WORDS = {"telegram": "Telegram", "email": "email", "sms": "text message"}


def blocked_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    """One of a parent's accounts can never work again: which one, and what happens next."""
    platform = str(params.get("platform") or "telegram")
    title = BLOCKED_TITLES.get(platform, f"A parent's {platform} account stopped working")
    stopped = "sendbot no longer sends there."
    after = params.get("next_channel")
    if after:
        advice = f"{stopped} Their messages now go by {CHANNEL_WORDS.get(after, after)} instead."
    elif "next_channel" in params:
        advice = (
            f"{stopped} Nobody can reach them through sendbot now. Please contact them another way."
        )
    else:
        advice = "Messages to them are not being delivered. Please contact them another way."
    return _people_notice(title, advice)(params, tz)


def unsubscribed_notice(params: Mapping[str, Any], tz: str = "Europe/London") -> OutgoingMessage:
    """A parent pressed "Unsubscribe" in their mail app: what still reaches them, if anything."""
    still = [CHANNEL_WORDS.get(c, c) for c in params.get("still_by") or []]
    advice = (
        f"sendbot will send to them by {' and '.join(still)} instead."
        if still
        else "sendbot can no longer reach them at all. Please contact them by letter or "
        "phone, and ask how they would like to hear from the school."
    )
    return _people_notice("Parent unsubscribed from sendbot's emails", advice)(params, tz)


STAFF_TEMPLATES: dict[str, Callable[..., OutgoingMessage]] = {
    keys.MEETING_RSVP_NOTICE: rsvp_notice,
    keys.MEETING_VIEWS_NOTICE: views_notice,
    keys.PARENT_MESSAGE_NOTICE: message_notice,
    keys.PARENT_STOPPED_NOTICE: _people_notice(
        "Parent stopped Telegram messages",
        "They will get nothing from sendbot until they use a new invitation from the school. "
        "Please contact them another way.",
    ),
    keys.PARENT_BLOCKED_NOTICE: blocked_notice,
    keys.PARENT_RESUMED_NOTICE: _people_notice(
        "Parent turned Telegram messages back on", "They will get messages from sendbot again."
    ),
    keys.INVITE_REUSED_NOTICE: invite_reused_notice,
    keys.PARENT_UNSUBSCRIBED_NOTICE: unsubscribed_notice,
}


def render_for_staff(
    template: str,
    params: Mapping[str, Any],
    tz: str = "Europe/London",
    session: Session | None = None,
) -> OutgoingMessage:
    return STAFF_TEMPLATES[template](with_body(template, params, session), tz)


def from_outbox_worker(
    template: str, params: Mapping[str, Any], language: str, session: Session | None = None
) -> OutgoingMessage:
    """The registry's renderer; the worker's `_timezone` context key is honoured."""
    tz = str(params.get("_timezone") or params.get("school_timezone") or "Europe/London")
    return render_for_staff(template, params, tz, session=session)
