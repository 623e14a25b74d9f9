"""The meeting invitation: text, the four RSVP buttons and a calendar file, all in one language.

One message for every channel: Telegram shows the buttons, email and text messages carry a
link to the page with the same answers instead. The worker says which (`_answer_by`:
"buttons" or "link"), so the words tell the parent to tap what is really there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from sendbot.config import get_settings
from sendbot.delivery.contract import Attachment, Button, OutgoingMessage
from sendbot.delivery.parent_params import MeetingInvitationData, normalise_meeting_kind
from sendbot.i18n.plain import expand_jargon
from sendbot.i18n.translate import Translator
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.freetext import FreeText
from sendbot.messages.parents.honest import machine_notice

DEFAULT_LENGTH = timedelta(hours=1)
BUTTONS, LINK = "buttons", "link"  # how the parent answers: the message's buttons or link


def meeting_title(w: Writer, kind: str, child: str) -> str:
    kind = normalise_meeting_kind(kind)
    if kind == "annual_review":
        # TRANSLATORS: {child} is the child's first name, inserted unchanged. Word the
        # sentence so the name needs no case ending. Keep "EHC plan" after the full name.
        return w._(
            "Yearly meeting to check {child}'s Education, Health and Care plan (EHC plan)",
            child=child,
        )
    if kind == "sen_support_review":
        return w._("Meeting to check how the extra help for {child} is going", child=child)
    if kind == "interim_review":
        return w._("Extra meeting to check how {child} is getting on", child=child)
    if kind == "reintegration":
        return w._("Meeting to plan {child}'s return to school", child=child)
    return w._("Meeting about {child}", child=child)


def _when(w: Writer, data: MeetingInvitationData, free: FreeText) -> list[str]:
    # TRANSLATORS: {date} is already written in your language, e.g. the weekday and month.
    lines = [w._("Date: {date}", date=w.local_date(data.starts_at))]
    if data.ends_at:
        lines.append(
            w._("Time: {start} to {end}", start=w.time(data.starts_at), end=w.time(data.ends_at))
        )
    else:
        lines.append(w._("Time: {start}", start=w.time(data.starts_at)))
    if data.place:
        # Typed by staff ("SENCO office"): jargon spelt out, translated or marked as English.
        lines.append(w._("Place: {place}", place=free(data.place)))
    if data.video_link:
        lines.append(w._("Online: {link}", link=w.isolate(data.video_link, ltr=True)))
    return lines


def invitation_text(
    w: Writer,
    data: MeetingInvitationData,
    free: FreeText | None = None,
    attendees: Sequence[str] = (),
    answer_by: str = BUTTONS,
) -> str:
    """The invitation's words; what staff typed (place, who will be there) goes through
    `free`, and the message ends by saying how that text was treated. `answer_by` says
    whether the parent answers by the message's buttons or its link."""
    free = free if free is not None else FreeText(w)
    child = data.child_name
    parts = []
    if data.parent_name:
        parts.append(w._("Hello {name},", name=data.parent_name))
    parts.append(meeting_title(w, data.meeting_kind, child))
    parts.append("\n".join(_when(w, data, free)))
    people = ", ".join(a.strip() for a in attendees if a.strip())
    if people:
        parts.append(w._("Who will be there: {people}", people=free(people)))
    parts.append(
        w._(
            "We would like you to come. You know {child} best, and your views matter to us.",
            child=child,
        )
    )
    if answer_by == LINK:
        parts.append(w._("Please open the link below to tell us if you can come."))
    else:
        parts.append(w._("Please tap a button below to tell us if you can come."))
    parts.append(
        w._(
            "You can bring a friend or family member with you. "
            "We can give you an interpreter for free."
        )
    )
    parts.append(w._("The calendar file adds the meeting to your phone's calendar."))
    parts.append(w._("From {school}", school=data.school_name))
    parts += free.closing()
    return "\n\n".join(parts)


def rsvp_buttons(w: Writer, data: MeetingInvitationData) -> tuple[Button, ...]:
    a = data.actions
    return (
        Button(a.will_come, w._("I will come"), "primary"),
        Button(a.cannot_come, w._("I cannot come")),
        Button(a.other_time, w._("Please offer another time")),
        Button(a.interpreter, w._("I need an interpreter")),
    )


def ics_description(w: Writer, data: MeetingInvitationData, answer_by: str = BUTTONS) -> str:
    lines = [
        w._("A meeting at {school} about {child}.", school=data.school_name, child=data.child_name),
        w._(
            "We would like you to come. You know {child} best, and your views matter to us.",
            child=data.child_name,
        ),
        w._(
            "You can bring a friend or family member with you. "
            "We can give you an interpreter for free."
        ),
    ]
    if data.video_link:
        lines.append(w._("Online: {link}", link=w.isolate(data.video_link, ltr=True)))
    if answer_by == LINK:
        lines.append(
            w._("To reply, open the link in the message from {school}.", school=data.school_name)
        )
    else:
        lines.append(
            w._("To reply, use the buttons in the message from {school}.", school=data.school_name)
        )
    return "\n".join(lines)


def reply_address() -> str | None:
    """Where a parent's calendar sends its answer: the school's email reply-to address, else
    the address its email comes from; None when the school sends no email of its own."""
    settings = get_settings()
    return settings.smtp_reply_to or settings.smtp_from_address or None


def _organizer(school_name: str, address: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = vText(school_name)
    return organizer


def invitation_ics(
    w: Writer,
    data: MeetingInvitationData,
    now: datetime | None = None,
    cancel: bool = False,
    answer_by: str = BUTTONS,
) -> bytes:
    """An RFC 5545 calendar file whose summary and description are in the reader's language.

    One UID per invitation, and a SEQUENCE raised at each change, so a moved meeting's file
    (METHOD:REQUEST) replaces the event in the parent's calendar and a cancellation
    (METHOD:CANCEL, STATUS:CANCELLED) removes it."""
    language = w.language.code.replace("_", "-")
    cal = Calendar()
    cal.add("prodid", "-//sendbot//parent invitation//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", f"invitation-{data.invitation_id}@{data.uid_domain}")
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    # In the school's time zone (TZID, with its VTIMEZONE), so a calendar shows the school's
    # wall-clock time and keeps it across a change of summer time.
    event.add("dtstart", data.starts_at.astimezone(w.tz))
    event.add("dtend", (data.ends_at or data.starts_at + DEFAULT_LENGTH).astimezone(w.tz))
    event.add("sequence", data.sequence)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    # RFC 5546 wants an ORGANIZER with METHOD:REQUEST and CANCEL: the school, by name, at
    # the address parents' email replies go to. A school with no such address (Telegram
    # only, or email through Notify, whose reply address is kept in Notify) gets the file
    # without one, as before: an ORGANIZER nobody reads would send a calendar's "Accept"
    # nowhere, and calendars add the event without it.
    address = reply_address()
    if address:
        event.add("organizer", _organizer(data.school_name, address))
    # The isolates belong in chat text; a calendar app does its own layout.
    plain = Writer(w.language, w.tz, isolates=False)
    summary = meeting_title(plain, data.meeting_kind, data.child_name)
    event.add("summary", vText(summary), parameters={"LANGUAGE": language})
    description = ics_description(plain, data, answer_by)
    notice = machine_notice(plain)
    if notice:
        description += "\n" + notice
    event.add("description", vText(description), parameters={"LANGUAGE": language})
    if data.place:
        event.add("location", expand_jargon(data.place))
    if data.video_link:
        event.add("url", data.video_link)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def build_invitation(
    w: Writer,
    data: MeetingInvitationData,
    now: datetime | None = None,
    translator: Translator | None = None,
    attendees: Sequence[str] = (),
    answer_by: str = BUTTONS,
) -> OutgoingMessage:
    ics = Attachment(
        filename="meeting.ics",
        content=invitation_ics(w, data, now, answer_by=answer_by),
        mime_type="text/calendar",
        title=meeting_title(w, data.meeting_kind, data.child_name),
    )
    return OutgoingMessage(
        text=invitation_text(w, data, FreeText(w, translator), attendees, answer_by),
        buttons=rsvp_buttons(w, data),
        attachments=(ics,),
        language=w.language.code,
    )
