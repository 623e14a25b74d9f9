"""Meeting invitations and reminders, the views request and staff replies, to parents.

Rendered at send time in the guardian's language through the `Writer` (the gettext
helper); the meeting invitation is `invitation.build_invitation`. What staff typed (the
place, who will be there, a reply) goes through `FreeText`, with the school's translator
when one is configured; every message ends with the machine-translation notice
(`honest.with_notice`) while its words are unchecked. A string the catalogs do not have
yet falls back to plain English until it is extracted and translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery import keys
from sendbot.delivery.contract import Attachment, Button, OutgoingMessage
from sendbot.delivery.parent_params import MeetingInvitationData
from sendbot.i18n.languages import resolve
from sendbot.i18n.translate import Translator, translator_from_settings
from sendbot.i18n.writer import Writer
from sendbot.messages.bodies import with_body
from sendbot.messages.parents.freetext import FreeText
from sendbot.messages.parents.honest import with_notice
from sendbot.messages.parents.invitation import (
    BUTTONS,
    build_invitation,
    invitation_ics,
    meeting_title,
)
from sendbot.messages.parents.link_invitation import link_invitation
from sendbot.messages.parents.render import render as render_summary
from sendbot.services import meetings

ParentBuilder = Callable[
    [Writer, Mapping[str, Any], Translator | None, datetime | None], OutgoingMessage
]


def invitation(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    data = MeetingInvitationData.from_params(dict(params["invitation"]))
    attendees = list(params.get("attendees", []))
    answer_by = str(params.get("_answer_by") or BUTTONS)
    return build_invitation(w, data, now, translator, attendees, answer_by)


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
        free = FreeText(w, translator)
        title = meeting_title(w, data.meeting_kind, data.child_name)
        lines = [
            w._("Reminder: {title}", title=title),
            when,
            w._("Date: {date}", date=w.local_date(data.starts_at)),
            w._("Time: {start}", start=w.time(data.starts_at)),
        ]
        if data.place:
            lines.append(w._("Place: {place}", place=free(data.place)))
        if data.video_link:
            lines.append(w._("Online: {link}", link=w.isolate(data.video_link, ltr=True)))
        lines.append(w._("Thank you for telling us you will come."))
        text = "\n\n".join(["\n".join(lines), *free.closing()])
        return OutgoingMessage(text=text, language=w.language.code)
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
    body = free(str(params["text"]))  # put there by `with_body` at send time
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
    # Translated, the staff member's own English comes with it: the parent can check it.
    parts = [head, body, *free.closing()]
    return OutgoingMessage(text="\n\n".join(parts), language=w.language.code)


def moved(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    """The meeting at a new time: the whole invitation again, with buttons that count for
    the new time and a calendar file that replaces the old event."""
    full = invitation(w, params, translator, now)
    header = [w._("The meeting has moved to a new time.")]
    if params.get("previous_starts_at"):
        was = datetime.fromisoformat(str(params["previous_starts_at"]))
        header.append(w._("It was on {date} at {time}.", date=w.local_date(was), time=w.time(was)))
    header.append(w._("Please tell us again if you can come at the new time."))
    header.append(w._("The new calendar file replaces the old one."))
    return OutgoingMessage(
        text=" ".join(header) + "\n\n" + full.text,
        buttons=full.buttons,
        attachments=full.attachments,
        language=full.language,
    )


def cancelled(
    w: Writer, params: Mapping[str, Any], translator: Translator | None, now: datetime | None
) -> OutgoingMessage:
    """The meeting is off: which one, and a calendar file that takes it out of the calendar."""
    data = MeetingInvitationData.from_params(dict(params["invitation"]))
    title = meeting_title(w, data.meeting_kind, data.child_name)
    lines = []
    if data.parent_name:
        lines.append(w._("Hello {name},", name=data.parent_name))
    lines += [
        w._("This meeting is cancelled: {title}", title=title),
        w._("Date: {date}", date=w.local_date(data.starts_at)),
        w._("Time: {start}", start=w.time(data.starts_at)),
        w._("You do not need to do anything. The school will be in touch if there is a new date."),
        w._("The calendar file takes the meeting out of your calendar."),
        w._("From {school}", school=data.school_name),
    ]
    ics = Attachment(
        filename="meeting-cancelled.ics",
        content=invitation_ics(w, data, now, cancel=True),
        mime_type="text/calendar",
        title=title,
    )
    return OutgoingMessage(text="\n\n".join(lines), attachments=(ics,), language=w.language.code)


PARENT_TEMPLATES: dict[str, ParentBuilder] = {
    keys.MEETING_INVITATION: invitation,
    keys.MEETING_REMINDER: reminder,
    keys.MEETING_VIEWS_REQUEST: views_request,
    keys.MEETING_MOVED: moved,
    keys.MEETING_CANCELLED: cancelled,
    keys.PARENT_STAFF_REPLY: staff_reply,
    keys.PARENT_LINK_INVITATION: link_invitation,
}


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
    """Any parent template in the guardian's language (the summaries through `render`)."""
    params = with_body(template, params, session)
    builder = PARENT_TEMPLATES.get(template)
    if builder is None:
        return render_summary(
            template,
            dict(params),
            language,
            script=script,
            timezone=timezone,
            translator=translator,
            now=now,
        )
    w = Writer(resolve(language, script), timezone)
    return with_notice(w, builder(w, params, translator, now))


def from_outbox_worker(
    template: str, params: Mapping[str, Any], language: str, session: Session | None = None
) -> OutgoingMessage | None:
    """The registry's renderer: `language` is the guardian's resolved code, and the worker's
    `_timezone` and `_now` context keys are honoured."""
    tz = str(params.get("_timezone") or params.get("school_timezone") or "Europe/London")
    now = datetime.fromisoformat(str(params["_now"])) if params.get("_now") else None
    if session is not None and template in TRUE_ONLY_AT_ONE_TIME:
        invited = params["invitation"]
        if not meetings.still_current(session, int(invited["invitation_id"]), invited["sequence"]):
            return None  # the meeting moved or was cancelled since: a newer message says so
    return render_for_guardian(
        template,
        params,
        language,
        timezone=tz,
        translator=translator_from_settings(),
        now=now,
        session=session,
    )


# Messages about one time of a meeting, not sent once it has moved or been cancelled.
TRUE_ONLY_AT_ONE_TIME = frozenset(
    {keys.MEETING_INVITATION, keys.MEETING_REMINDER, keys.MEETING_MOVED}
)
