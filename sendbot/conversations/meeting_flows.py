"""The SENCO's side of parent meetings: schedule a meeting (which invites the parents) and
invite a parent or carer to Telegram.

Both flows are the SENCO's: `meetings.schedule` and `invites.create_guardian_invite` check
again, so a flow never decides permission on its own. State diagrams: docs/flows/parent_rsvp.md
(what the invitation does next) and docs/flows/parent_link_and_language.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sendbot.config import get_settings
from sendbot.conversations.common import ref, ref_id, summary
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
from sendbot.domain.dates import parse_time
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


def _check_time(turn: Turn, value: Any) -> str | None:
    at = parse_time(str(value))
    if at is None:
        return "Please type a time like 15:30 or 3.30pm."
    if not time(7, 0) <= at <= time(19, 0):
        return "Please choose a time between 7am and 7pm, when parents can come."
    return None


WHERE = (
    Option("in_person", "In person"),
    Option("online", "Online (a video call)"),
    Option("both", "In person, with a video link for anyone who cannot come"),
)
KEEP = "keep"
BACK = "back"  # the engine's word for 'change my last answer': here, the date


def normalise_link(value: str) -> str:
    """A pasted link as a browser would read it: 'meet.example.com/abc' gets https://."""
    link = value.strip().strip("<>")
    if "://" not in link and "." in link.split("/")[0]:
        return "https://" + link
    return link


def _check_link(turn: Turn, value: Any) -> str | None:
    if value is None:
        return None
    link = normalise_link(str(value))
    if link.startswith("http://"):
        return (
            "That link starts http://, which is not private. Please paste the meeting's "
            "https:// link (your video app's 'copy link' gives it)."
        )
    if not link.startswith("https://") or any(c.isspace() for c in link) or len(link) < 12:
        return (
            "That does not look like a video link. Please paste the whole link from your "
            "video app, for example https://meet.example.com/abc-defg."
        )
    return None


def _starts_at(turn: Turn, answers: Answers) -> datetime:
    at = parse_time(str(answers["time"]))
    assert at is not None
    return datetime.combine(date.fromisoformat(answers["day"]), at, tzinfo=turn.tz)


def _kind_of(turn: Turn, answers: Answers) -> str:
    """The kind of meeting being booked, or of the booked one being moved."""
    if "kind" in answers:
        return str(answers["kind"])
    meeting = _chosen_meeting(turn, answers)
    return meeting.kind if meeting else "parent_meeting"


def _warnings(turn: Turn, answers: Answers) -> list[str]:
    key = f"warnings:{answers['pupil']}:{answers.get('kind') or answers.get('meeting')}:{answers['day']}"
    if key not in turn.memo:
        turn.memo[key] = meetings.booking_warnings(
            turn.session,
            turn.actor,
            int(answers["pupil"]),
            _kind_of(turn, answers),
            date.fromisoformat(answers["day"]),
            turn.today,
        )
    return list(turn.memo[key])


def _warning_options(turn: Turn, answers: Answers) -> list[Option]:
    if not _warnings(turn, answers):
        return []
    day = date.fromisoformat(answers["day"])
    return [
        Option(f"{KEEP}:{day.isoformat()}", f"Keep {day:%a %-d %b %Y}"),
        Option(BACK, "Choose another date"),
    ]


def _warning_question(turn: Turn, answers: Answers) -> str:
    lines = ["Please check this date:"] + [f"- {w}" for w in _warnings(turn, answers)]
    lines.append("Keep it, or choose another date?")
    return "\n".join(lines)


def _check_kept(turn: Turn, value: Any) -> str | None:
    if value == BACK:  # in a form, the date is changed in its own box
        return "Please change the date above, or choose to keep it."
    return None


def day_check(name: str = "day_ok") -> ChoiceField:
    """The booking warnings as a question: keep the date, or go back and choose another."""
    return ChoiceField(
        name=name,
        label="Date checked",
        question="Please check this date.",
        question_for=_warning_question,
        needs=("pupil", "day"),
        source=_warning_options,
        skip_if_empty=True,
        check=_check_kept,
        in_summary=False,
        not_an_option="To keep this date, type 1. To choose another, type 2 and then the date.",
    )


def meeting_day(
    question: str = "Which day? (for example 'next tue' or '9/3')",
    label: str = "Date",
    needs: tuple[str, ...] = (),
) -> DateField:
    return DateField(
        name="day",
        label=label,
        needs=needs,
        question=question,
        direction="future",
        not_past=True,
        max_days_ahead=366,
    )


def meeting_time(label: str = "Time", needs: tuple[str, ...] = ()) -> TextField:
    return TextField(
        name="time",
        label=label,
        needs=needs,
        question="What time does it start? (for example 15:30)",
        max_length=10,
        check=_check_time,
    )


def _schedule(turn: Turn, answers: Answers) -> str:
    starts = _starts_at(turn, answers)
    if starts <= turn.now:
        raise SubmitRefused("That time has already passed today. Please change the time.")
    link = answers.get("video_link")
    try:
        done = meetings.schedule(
            turn.session,
            turn.actor,
            pupil_id=int(answers["pupil"]),
            kind=answers["kind"],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=int(answers["length"])),
            place=answers.get("place"),
            video_link=normalise_link(link) if link else None,
            attendees=[a.strip() for a in (answers.get("attendees") or "").split(",")],
            now=turn.now,
        )
    except meetings.MeetingInvalid as exc:
        raise SubmitRefused(str(exc)) from exc
    lines = [f"Meeting booked for {starts:%a %-d %b %Y at %H:%M}."]
    reachable = len(done.invitation_ids) - len(done.guardians_without_chat)
    if reachable:
        lines.append(
            f"Invitations are on their way to {_parents_or_carers(reachable)}, in their own "
            "language, with a calendar file. I will tell you their answers."
        )
    elif not done.invitation_ids:
        lines.append("No parent or carer with parental responsibility is linked to this pupil.")
    lines += _by_channel(done.channels, done.guardians_without_chat)
    return "\n".join(lines)


def _by_channel(channels: Sequence[tuple[str, str]], unreachable: Sequence[str]) -> list[str]:
    """Who is reached by email or by text message (Telegram is the default and goes unsaid),
    and who has no channel at all: no Telegram, no email address and no mobile number."""
    lines = []
    for platform, words in (("email", "By email"), ("sms", "By text message")):
        names = [name for name, channel in channels if channel == platform]
        if names:
            lines.append(f"{words}: {', '.join(names)}.")
    if unreachable:
        lines.append(
            "No Telegram, email address or mobile number, so please send a letter or call: "
            + ", ".join(unreachable)
            + "."
        )
    return lines


SCHEDULE_MEETING: StaffFlow = Flow(
    name="schedule_meeting",
    title="Schedule a meeting with parents",
    triggers=("meeting", "schedule meeting", "schedule a meeting", "review meeting"),
    intro="Let's book a meeting. The parents are invited when you save.",
    describe="book a review or parent meeting; the parents get an invitation with buttons",
    may_start=lambda actor: actor.has(Role.SENCO),
    submit=_schedule,
    outcome="meeting + invitations + outbox in one transaction; names parents with no channel",
    fields=(
        PupilField(name="pupil", label="Pupil", question="Which pupil is the meeting about?"),
        ChoiceField(
            name="kind", label="Kind", question="What kind of meeting is it?", choices=KINDS
        ),
        meeting_day(),
        day_check(),
        meeting_time(),
        ChoiceField(name="length", label="Length", question="How long?", choices=LENGTHS),
        ChoiceField(name="where", label="Where", question="In person or online?", choices=WHERE),
        TextField(
            name="place",
            label="Place",
            question="Where is it? (for example: Room 4, the school office)",
            max_length=meetings.PLACE_LIMIT,
            when=lambda answers: answers.get("where") in ("in_person", "both"),
        ),
        TextField(
            name="video_link",
            label="Video link",
            question="Paste the video link (for example https://meet.example.com/abc-defg).",
            max_length=meetings.LINK_LIMIT,
            check=_check_link,
            when=lambda answers: answers.get("where") in ("online", "both"),
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


# --- moving or cancelling a booked meeting -----------------------------------------------


def _upcoming(turn: Turn, answers: Answers) -> list[meetings.Upcoming]:
    key = f"upcoming:{answers['pupil']}"
    if key not in turn.memo:
        turn.memo[key] = meetings.upcoming_meetings(
            turn.session, turn.actor, int(answers["pupil"]), turn.now
        )
    return list(turn.memo[key])


def _meeting_label(turn: Turn, meeting: meetings.Upcoming) -> str:
    kind = next((o.label for o in KINDS if o.value == meeting.kind), "Meeting")
    return f"{kind}, {meeting.starts_at.astimezone(turn.tz):%a %-d %b %Y at %H:%M}"


def _meeting_options(turn: Turn, answers: Answers) -> list[Option]:
    return [
        Option(ref("meeting", m.meeting_id), _meeting_label(turn, m))
        for m in _upcoming(turn, answers)
    ]


def _chosen_meeting(turn: Turn, answers: Answers) -> meetings.Upcoming | None:
    if "meeting" not in answers:
        return None
    wanted = ref_id(answers["meeting"])
    return next((m for m in _upcoming(turn, answers) if m.meeting_id == wanted), None)


def _meeting_choice(question: str) -> ChoiceField:
    return ChoiceField(
        name="meeting",
        label="Meeting",
        question=question,
        needs=("pupil",),
        source=_meeting_options,
        skip_if_empty=True,
    )


def _chosen_or_refuse(turn: Turn, answers: Answers) -> meetings.Upcoming:
    meeting = _chosen_meeting(turn, answers)
    if meeting is None:
        raise SubmitRefused("There is no meeting still to come for this pupil.")
    return meeting


def _parents_or_carers(count: int) -> str:
    return f"{count} parent or carer" if count == 1 else f"{count} parents or carers"


def _told(changed: meetings.Changed) -> list[str]:
    lines = []
    if changed.told:
        lines.append(
            f"{_parents_or_carers(len(changed.told))} told, in their own "
            "language, with a calendar file: " + ", ".join(changed.told) + "."
        )
    return lines + _by_channel(changed.channels, changed.guardians_without_chat)


def _move(turn: Turn, answers: Answers) -> str:
    meeting = _chosen_or_refuse(turn, answers)
    starts = _starts_at(turn, answers)
    length = (meeting.ends_at - meeting.starts_at) if meeting.ends_at else None
    try:
        changed = meetings.move(
            turn.session,
            turn.actor,
            meeting.meeting_id,
            starts_at=starts,
            ends_at=starts + length if length else None,
            now=turn.now,
        )
    except meetings.MeetingInvalid as exc:
        raise SubmitRefused(str(exc)) from exc
    lines = [
        f"Meeting moved to {starts:%a %-d %b %Y at %H:%M}. Answers to the old time no longer "
        "count; I will tell you the new ones."
    ]
    return "\n".join(lines + _told(changed))


def _cancel(turn: Turn, answers: Answers) -> str:
    meeting = _chosen_or_refuse(turn, answers)
    try:
        changed = meetings.cancel(turn.session, turn.actor, meeting.meeting_id, now=turn.now)
    except meetings.MeetingInvalid as exc:
        raise SubmitRefused(str(exc)) from exc
    return "\n".join(["Meeting cancelled.", *_told(changed)])


MOVE_MEETING: StaffFlow = Flow(
    name="move_meeting",
    title="Move a meeting to a new time",
    triggers=("move meeting", "move a meeting", "reschedule", "reschedule meeting"),
    describe="move a booked meeting; the parents are told and asked again",
    may_start=lambda actor: actor.has(Role.SENCO),
    submit=_move,
    outcome="new time, invitations reset, new calendar files and notices in the outbox",
    fields=(
        PupilField(name="pupil", label="Pupil", question="Which pupil is the meeting about?"),
        _meeting_choice("Which meeting is moving?"),
        # Asked only once there is a meeting to move; with none, saving says so.
        meeting_day("Which new day? (for example 'next tue' or '9/3')", "New date", ("meeting",)),
        day_check(),
        meeting_time("New time", ("meeting",)),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Move it and tell the parents?",
            summary=lambda turn, answers: summary(
                MOVE_MEETING, turn, answers, "Please check the new time:"
            ),
            save_label="Move and tell them",
        ),
    ),
)

CANCEL_MEETING: StaffFlow = Flow(
    name="cancel_meeting",
    title="Cancel a meeting",
    triggers=("cancel meeting", "cancel a meeting"),
    describe="cancel a booked meeting; the parents are told",
    may_start=lambda actor: actor.has(Role.SENCO),
    submit=_cancel,
    outcome="meeting cancelled, cancellation notices and calendar files in the outbox",
    cancel_note="Stopped. Nothing was changed: the meeting is still booked.",
    fields=(
        PupilField(name="pupil", label="Pupil", question="Which pupil is the meeting about?"),
        _meeting_choice("Which meeting is cancelled?"),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Cancel this meeting and tell the parents?",
            summary=lambda turn, answers: summary(CANCEL_MEETING, turn, answers, "Please check:"),
            save_label="Yes, cancel the meeting",
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
