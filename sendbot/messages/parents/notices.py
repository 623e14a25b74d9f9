"""Outbox templates of the parent work (meetings, messages, stop/block), as messages.

Parent templates are rendered at send time in the guardian's language through the language
team's `Writer` (their gettext helper), and the meeting invitation is their own builder with
"who will be there" added. Strings here that their catalogs do not have yet fall back to
plain English until they are extracted and translated. Staff notices are English.

`render_for_guardian` also renders the language team's own templates, so the outbox worker
can send every parent row through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.delivery.parent_params import MeetingInvitationData
from sendbot.i18n.languages import resolve
from sendbot.i18n.replies import for_staff
from sendbot.i18n.translate import Translator, translator_from_settings
from sendbot.i18n.writer import Writer
from sendbot.messages.parents import render as language_team_render
from sendbot.messages.parents.freetext import FreeText
from sendbot.messages.parents.invitation import build_invitation, meeting_title
from sendbot.services import meetings, parents
from sendbot.store.models import ParentMessage

ParentBuilder = Callable[
    [Writer, Mapping[str, Any], Translator | None, datetime | None], OutgoingMessage
]


def _with_attendees(
    w: Writer, message: OutgoingMessage, data: MeetingInvitationData, attendees: list[str]
) -> OutgoingMessage:
    if not attendees:
        return message
    parts = message.text.split("\n\n")
    # After the greeting, the title and the date/time/place block.
    at = 3 if data.parent_name else 2
    people = ", ".join(w.isolate(a) for a in attendees)
    parts.insert(min(at, len(parts)), w._("Who will be there: {people}", people=people))
    return OutgoingMessage(
        text="\n\n".join(parts),
        buttons=message.buttons,
        attachments=message.attachments,
        language=message.language,
        urgent=message.urgent,
    )


def invitation(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    data = MeetingInvitationData.from_params(dict(params["invitation"]))
    return _with_attendees(
        w, build_invitation(w, data, now), data, list(params.get("attendees", []))
    )


def reminder(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    data = MeetingInvitationData.from_params(dict(params["invitation"]))
    days = int(params.get("days", 1))
    when = (
        w._("The meeting is tomorrow.")
        if days <= 1
        else w._("The meeting is in {days} days.", days=w.number(days))
    )
    if params.get("reminder") == "accepted":
        title = meeting_title(w, data.meeting_kind, data.child_name)
        lines = [
            w._("Reminder: {title}", title=title),
            when,
            w._("Date: {date}", date=w.local_date(data.starts_at)),
            w._("Time: {start}", start=w.time(data.starts_at)),
        ]
        if data.place:
            lines.append(w._("Place: {place}", place=data.place))
        if data.video_link:
            lines.append(w._("Online: {link}", link=w.isolate(data.video_link, ltr=True)))
        lines.append(w._("Thank you for telling us you will come."))
        return OutgoingMessage(text="\n".join(lines), language=w.language.code)
    full = invitation(w, params, translator, now)
    header = w._("Reminder: please tell us if you can come.") + " " + when
    return OutgoingMessage(
        text=header + "\n\n" + full.text,
        buttons=full.buttons,
        attachments=full.attachments,
        language=full.language,
    )


def views_request(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    child = params.get("child_name") or ""
    text = "\n\n".join(
        [
            w._(
                "Would you like to tell us your views before the meeting about {child}?",
                child=child,
            ),
            w._(
                "We will ask what is going well, what worries you, and what you hope for. "
                "Your answers go into the meeting papers."
            ),
        ]
    )
    return OutgoingMessage(
        text=text,
        buttons=(
            Button(str(params["share"]), w._("Share my views"), "primary"),
            Button(str(params["not_now"]), w._("Not now")),
        ),
        language=w.language.code,
    )


def staff_reply(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    free = FreeText(w, translator)
    body = free(str(params["text"]))  # put there by `_with_bodies` at send time
    if params.get("child_name"):
        head = w._(
            "A reply from {staff} at {school} about {child}:",
            staff=params.get("staff_name", ""),
            school=params.get("school_name", ""),
            child=params["child_name"],
        )
    else:
        head = w._(
            "A reply from {staff} at {school}:",
            staff=params.get("staff_name", ""),
            school=params.get("school_name", ""),
        )
    parts = [head, body, *free.notes()]
    return OutgoingMessage(text="\n\n".join(parts), language=w.language.code)


PARENT_TEMPLATES: dict[str, ParentBuilder] = {
    meetings.INVITATION: invitation,
    meetings.REMINDER: reminder,
    meetings.VIEWS_REQUEST: views_request,
    parents.PARENT_STAFF_REPLY: staff_reply,
}


# Templates whose words are a stored, encrypted message: the outbox holds only its id, and
# the text is read at send time, so no message between a family and school sits in plain
# JSON in the outbox.
_BODIES = {parents.PARENT_STAFF_REPLY: "reply_id", parents.STAFF_PARENT_MESSAGE: "message_id"}


class NeedsSession(LookupError):
    """This message's text is in the database; render it with a session."""


def _with_bodies(
    template: str, params: Mapping[str, Any], session: Session | None
) -> Mapping[str, Any]:
    key = _BODIES.get(template)
    if key is None or "text" in params:
        return params
    if session is None:
        raise NeedsSession(f"{template} reads the message text: pass a database session")
    message = session.get(ParentMessage, int(params[key]))
    if message is None:
        raise NeedsSession(f"{template}: message {params[key]} no longer exists")
    return {**params, "text": message.body_text}


def render_for_guardian(
    template: str,
    params: Mapping[str, Any],
    language: str | None,
    *,
    script: str | None = None,
    timezone: str | tzinfo = "Europe/London",
    translator: Translator | None = None,
    now: datetime | None = None,
    session: Session | None = None,
) -> OutgoingMessage:
    """Any parent template, ours or the language team's, in the guardian's language."""
    params = _with_bodies(template, params, session)
    builder = PARENT_TEMPLATES.get(template)
    if builder is None:
        return language_team_render(
            template,
            dict(params),
            language,
            script=script,
            timezone=timezone,
            translator=translator,
            now=now,
        )
    return builder(Writer(resolve(language, script), timezone), params, translator, now)


# --- staff notices (English) -----------------------------------------------------------------

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
    # The words are put there by `_with_bodies` at send time. Staff see the language named
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


STAFF_TEMPLATES: dict[str, Callable[..., OutgoingMessage]] = {
    meetings.STAFF_RSVP: rsvp_notice,
    meetings.STAFF_VIEWS: views_notice,
    parents.STAFF_PARENT_MESSAGE: message_notice,
    parents.STAFF_STOPPED: _people_notice(
        "Parent stopped Telegram messages",
        "They will get nothing from sendbot until they send /start. Please contact them another way.",
    ),
    parents.STAFF_BLOCKED: _people_notice(
        "Parent blocked the sendbot Telegram bot",
        "Messages to them are not being delivered. Please contact them another way.",
    ),
    parents.STAFF_RESUMED: _people_notice(
        "Parent turned Telegram messages back on", "They will get messages from sendbot again."
    ),
}


def render_for_staff(
    template: str,
    params: Mapping[str, Any],
    tz: str = "Europe/London",
    session: Session | None = None,
) -> OutgoingMessage:
    return STAFF_TEMPLATES[template](_with_bodies(template, params, session), tz)


def render_outbox(
    template: str, params: Mapping[str, Any], language: str, session: Session | None = None
) -> OutgoingMessage:
    """For the outbox worker: one of this module's templates, for a guardian or staff.

    `language` is the recipient's resolved language code ("en_GB" for staff); the worker's
    `_timezone` and `_now` context keys are honoured. KeyError for templates not ours.
    """
    tz = str(params.get("_timezone") or params.get("school_timezone") or "Europe/London")
    now = datetime.fromisoformat(str(params["_now"])) if params.get("_now") else None
    if template in PARENT_TEMPLATES:
        return render_for_guardian(
            template, params, language, timezone=tz, now=now, session=session
        )
    return render_for_staff(template, params, tz, session=session)


OUR_TEMPLATES = frozenset(PARENT_TEMPLATES) | frozenset(STAFF_TEMPLATES)
