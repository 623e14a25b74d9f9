"""The SENCO's side of parent meetings: schedule a meeting (which invites the parents) and
invite a parent or carer to Telegram.

Both flows are the SENCO's: `meetings.schedule` and `invites.create_guardian_invite` check
again, so a flow never decides permission on its own. State diagrams: docs/flows/parent_rsvp.md
(what the invitation does next) and docs/flows/parent_link_and_language.md.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sendbot.config import get_settings
from sendbot.conversations.common import plural, ref, ref_id, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    Option,
    PupilField,
    TextField,
)
from sendbot.conversations.flow import Flow, StaffFlow, SubmitRefused
from sendbot.conversations.turn import Turn
from sendbot.domain.people import Role
from sendbot.services import guardian_contacts, invites, meetings

KINDS = (
    Option("sen_support_review", "SEN support review"),
    Option("annual_review", "EHCP annual review"),
    Option("interim_review", "Interim review"),
    Option("reintegration", "Reintegration meeting"),
    Option("parent_meeting", "Parent meeting"),
)
LENGTHS = (
    Option("30", "30 minutes"),
    Option("45", "45 minutes"),
    Option("60", "1 hour"),
    Option("90", "1 hour 30 minutes"),
)
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(raw: str) -> time | None:
    """'15:30', '3.30pm', '9am' -> a time of day; None if it is not one."""
    match = _TIME.match(raw)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _check_time(turn: Turn, value: Any) -> str | None:
    at = parse_time(str(value))
    if at is None:
        return "Please type a time like 15:30 or 3.30pm."
    if not time(7, 0) <= at <= time(19, 0):
        return "Please choose a time between 7am and 7pm, when parents can come."
    return None


def _check_link(turn: Turn, value: Any) -> str | None:
    if value is None:
        return None
    if not str(value).startswith("https://") or " " in str(value):
        return "Please paste the whole video link, starting https://"
    return None


def _starts_at(turn: Turn, answers: Answers) -> datetime:
    at = parse_time(str(answers["time"]))
    assert at is not None
    return datetime.combine(date.fromisoformat(answers["day"]), at, tzinfo=turn.tz)


def _schedule(turn: Turn, answers: Answers) -> str:
    starts = _starts_at(turn, answers)
    if starts <= turn.now:
        raise SubmitRefused("That time has already passed today. Please change the time.")
    try:
        done = meetings.schedule(
            turn.session,
            turn.actor,
            pupil_id=int(answers["pupil"]),
            kind=answers["kind"],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=int(answers["length"])),
            place=answers.get("place"),
            video_link=answers.get("video_link"),
            attendees=[a.strip() for a in (answers.get("attendees") or "").split(",")],
            now=turn.now,
        )
    except meetings.MeetingInvalid as exc:
        raise SubmitRefused(str(exc)) from exc
    lines = [f"Meeting booked for {starts:%a %-d %b %Y at %H:%M}."]
    reachable = len(done.invitation_ids) - len(done.guardians_without_chat)
    if reachable:
        lines.append(
            f"Invitations are on their way to {plural(reachable, 'parent')} "
            "or carer, in their own language, with a calendar file. I will tell you their answers."
        )
    elif not done.invitation_ids:
        lines.append("No parent or carer with parental responsibility is linked to this pupil.")
    if done.guardians_without_chat:
        lines.append(
            "Not on Telegram, so please send a letter or call: "
            + ", ".join(done.guardians_without_chat)
            + "."
        )
    return "\n".join(lines)


SCHEDULE_MEETING: StaffFlow = Flow(
    name="schedule_meeting",
    title="Schedule a meeting with parents",
    triggers=("meeting", "schedule meeting", "schedule a meeting", "review meeting"),
    intro="Let's book a meeting. The parents are invited when you save.",
    describe="book a review or parent meeting; the parents get an invitation with buttons",
    may_start=lambda actor: actor.has(Role.SENCO),
    submit=_schedule,
    outcome="meeting + invitations + outbox in one transaction; names parents not on Telegram",
    fields=(
        PupilField(name="pupil", label="Pupil", question="Which pupil is the meeting about?"),
        ChoiceField(
            name="kind", label="Kind", question="What kind of meeting is it?", choices=KINDS
        ),
        DateField(
            name="day",
            label="Date",
            question="Which day? (for example 'next tue' or '9/3')",
            direction="future",
            not_past=True,
            max_days_ahead=366,
        ),
        TextField(
            name="time",
            label="Time",
            question="What time does it start? (for example 15:30)",
            max_length=10,
            check=_check_time,
        ),
        ChoiceField(name="length", label="Length", question="How long?", choices=LENGTHS),
        TextField(
            name="place",
            label="Place",
            question="Where is it? Type 'skip' if it is online only.",
            max_length=meetings.PLACE_LIMIT,
            optional=True,
            none_text="online only",
        ),
        TextField(
            name="video_link",
            label="Video link",
            question="Paste the video link (starting https://), or 'skip'.",
            max_length=meetings.LINK_LIMIT,
            optional=True,
            check=_check_link,
            none_text="none",
        ),
        TextField(
            name="attendees",
            label="Who will be there",
            question=(
                "Who will be there from school? Use roles parents understand, separated by "
                "commas (for example: SENCO, class teacher). Or 'skip'."
            ),
            max_length=300,
            optional=True,
            none_text="not said",
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Book it and invite the parents?",
            summary=lambda turn, answers: summary(
                SCHEDULE_MEETING, turn, answers, "Please check the meeting:"
            ),
            save_label="Book and invite",
        ),
    ),
)


# --- inviting a parent or carer ----------------------------------------------------------


def _guardians(turn: Turn, answers: Answers) -> list[Option]:
    contacts = guardian_contacts.contacts_of_pupil(
        turn.session, turn.actor.school_id, int(answers["pupil"])
    )
    return [
        Option(ref("guardian", c.guardian_id), f"{c.name} ({c.relationship})") for c in contacts
    ]


def _invite(turn: Turn, answers: Answers) -> str:
    if "guardian" not in answers:
        raise SubmitRefused(
            "No parent or carer is linked to this pupil in the roster. Ask your admin to "
            "add them, then try again."
        )
    username = get_settings().telegram_bot_username
    if not username:
        raise SubmitRefused("Telegram is not set up yet (no bot username). Ask your admin.")
    try:
        made = invites.create_guardian_invite(
            turn.session, ref_id(answers["guardian"]), turn.now, username, actor=turn.actor
        )
    except invites.InviteRefused as exc:
        raise SubmitRefused(str(exc)) from exc
    return (
        f"Here is {made.for_name}'s link. It works once, for 14 days, and replaces any "
        f"earlier one:\n{made.link}\n\nSend it to them, or print a QR code for a letter "
        f"with `sendbot invite guardian {ref_id(answers['guardian'])}`."
    )


INVITE_PARENT: StaffFlow = Flow(
    name="invite_parent",
    title="Invite a parent to Telegram",
    triggers=("invite", "invite parent", "invite a parent"),
    describe="make a one-time Telegram link for a parent or carer",
    may_start=lambda actor: actor.has(Role.SENCO, Role.HEADTEACHER),
    submit=_invite,
    outcome="a one-time Telegram link for the parent, valid 14 days",
    fields=(
        PupilField(name="pupil", label="Pupil", question="Whose parent or carer?"),
        ChoiceField(
            name="guardian",
            label="Parent or carer",
            question="Which parent or carer?",
            needs=("pupil",),
            source=_guardians,
            skip_if_empty=True,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Make their link?",
            summary=lambda turn, answers: summary(INVITE_PARENT, turn, answers, "Please check:"),
            save_label="Make the link",
        ),
    ),
)


# --- the parents' part of the review papers ----------------------------------------------

ANSWER_WORDS = {
    "yes": "coming",
    "no": "cannot come",
    "other_time": "asked for another time",
    None: "not answered yet",
}
VIEW_TITLES = {
    "going_well": "Going well",
    "worries": "Worries",
    "hopes": "Hopes",
}


def _papers(turn: Turn, answers: Answers) -> str:
    pupil_id = int(answers["pupil"])
    meeting_id = meetings.next_meeting_id(turn.session, pupil_id, turn.now)
    if meeting_id is None:
        raise SubmitRefused("There is no meeting booked for this pupil.")
    papers = meetings.review_papers(turn.session, turn.actor, meeting_id, turn.now)
    at = papers.starts_at.astimezone(turn.tz)
    kind = next((o.label for o in KINDS if o.value == papers.kind), "Meeting")
    lines = [f"{kind} for {papers.child_name}, {at:%a %-d %b %Y at %H:%M}"]
    if papers.place:
        lines.append(f"Place: {papers.place}")
    if papers.video_link:
        lines.append(f"Online: {papers.video_link}")
    if papers.attendees:
        lines.append("From school: " + ", ".join(papers.attendees))
    if not papers.guardians:
        lines.append("No parent or carer was invited.")
    for guardian in papers.guardians:
        lines.append("")
        line = f"{guardian.name}: {ANSWER_WORDS.get(guardian.rsvp, guardian.rsvp)}"
        if guardian.interpreter:
            line += "; needs an interpreter"
        lines.append(line)
        if guardian.views:
            lines.append("Their views:")
            for key, title in VIEW_TITLES.items():
                lines.append(f"- {title}: {guardian.views.get(key) or '(skipped)'}")
        else:
            lines.append("No views shared yet.")
    return "\n".join(lines)


MEETING_PAPERS = Flow(
    name="meeting_papers",
    title="Parents' answers and views for a meeting",
    triggers=("papers", "meeting papers", "parent views"),
    describe="who is coming to a pupil's next meeting, and what the parents told us",
    may_start=lambda actor: actor.has(Role.SENCO, Role.HEADTEACHER),
    read_only=True,
    submit=_papers,
    outcome="who is coming, interpreters needed, each parent's views (reading it is audited)",
    fields=(PupilField(name="pupil", label="Pupil", question="Which pupil's meeting?"),),
)
