"""The parents' flows, declared like every other: their questions in order and a submit that
calls a service. Linking an account, choosing a language, answering an invitation, sharing
views before a review and sending a message to school.

Every question and reply is worded for the parent's language: a declaration holds the
English msgid (marked with `_` for extraction) and `parent_dialogs` shows it through the
parent's `Writer`. State diagrams: docs/flows/parent_*.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers, ConfirmField, Field, TextField
from sendbot.conversations.flow import Flow
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.i18n.languages import ENGLISH, PARENT_LANGUAGES, resolve
from sendbot.i18n.writer import Writer
from sendbot.services import action_ids, invites, meetings, parents
from sendbot.services.action_ids import Action

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LANG_PREFIX = "lang:"
CANCEL = "cancel"
SKIP = "skip"
SEND = "send"
LINK = "parent.link"
LANGUAGE = "parent.language"
RSVP = "parent.rsvp"
VIEWS = "parent.views"
MESSAGE = "parent.message"


def _(msgid: str) -> str:
    """Marks a parent-facing msgid in a declaration; it is translated when shown."""
    return msgid


CANCELLED = _("Cancelled. Nothing was sent.")


@dataclass(frozen=True)
class ParentTurn:
    """What a parent's flow may use while handling one message. `guardian_id` is None only
    while a stranger links their account; `about` is what the flow is about, re-read and
    re-authorised on every message (the child's name)."""

    session: Session
    guardian_id: int | None
    w: Writer
    now: datetime
    platform: str
    chat_key: str
    about: dict[str, Any] = field(default_factory=dict)

    @property
    def guardian(self) -> int:
        assert self.guardian_id is not None, "a linked parent's flow"
        return self.guardian_id


ParentFlow = Flow[ParentTurn, Outcome]


@dataclass(frozen=True, kw_only=True)
class ParentText(TextField):
    """Typed text; `too_long` says so in the parent's words (with {limit})."""

    too_long: str = ""
    skip_words: tuple[str, ...] = (SKIP,)
    min_length: int = 0


@dataclass(frozen=True, kw_only=True)
class ParentChoice(Field):
    """Answered by tapping a button; `buttons` lists them for this parent now. With `single`,
    one button only is no question: its value is the answer. `none` is said when there is
    nothing to choose from."""

    kind: str = "choice"
    # (the answer a button stands for, the button): a sealed id may stand for a child.
    buttons: Callable[[ParentTurn, Answers], Sequence[tuple[str, Button]]] = lambda turn, answers: ()
    single: bool = False
    none: str = ""
    cancel: bool = False


@dataclass(frozen=True, kw_only=True)
class ParentConfirm(ConfirmField):
    """The last step: the answers in the parent's words (`summary_for`), then send."""

    summary_for: Callable[[ParentTurn, Answers], str] = lambda turn, answers: ""
    may_change: bool = False  # send or cancel: a parent answers the questions again


@dataclass(frozen=True)
class Subject:
    """What the flow is about, looked up again for this message, or why it cannot go on."""

    about: dict[str, Any] = field(default_factory=dict)
    refusal: Outcome | None = None


def refused(w: Writer) -> Outcome:
    return say(
        w._("Sorry, I cannot do that. This button is too old, or it is not for you."),
        toast=True,
    )


def meeting_gone(status: str, w: Writer) -> Outcome:
    text = {
        "stale": w._(
            "This meeting has changed since that message. "
            "Please use the buttons in the newest message about it."
        ),
        "past": w._(
            "This meeting has already happened. To talk to the school, just type a message here."
        ),
        "cancelled": w._("This meeting was cancelled. You do not need to do anything."),
    }[status]
    return say(text, toast=True)


def language_choice_buttons() -> tuple[Button, ...]:
    """Every language in its own name and script."""
    return tuple(
        Button(LANG_PREFIX + lang.code, lang.native_name) for lang in (ENGLISH, *PARENT_LANGUAGES)
    )


def command_descriptions(w: Writer) -> list[tuple[str, str]]:
    """The command menu in one language (for the platform's per-language command list)."""
    return [
        ("mychild", w._("What your child is working on, and the next review")),
        ("language", w._("Choose your language")),
        ("help", w._("What I can do")),
        ("stop", w._("Stop all messages from me")),
    ]


def help_message(w: Writer) -> OutgoingMessage:
    lines = [w._("This is what I can do:")]
    lines += [f"/{name} - {text}" for name, text in command_descriptions(w)]
    lines.append(w._("To send a message to the school, just type it here."))
    return OutgoingMessage("\n".join(lines), language=w.language.code)


def writer_for(session: Session, guardian_id: int) -> Writer:
    """The parent's own language, script and school time zone."""
    language, script, timezone = parents.reading(session, guardian_id)
    return Writer(resolve(language, script), timezone)


# --- linking an account and choosing a language ------------------------------------------


def _link(turn: ParentTurn, answers: Answers) -> Outcome:
    """The one-time code from the school's letter links this chat to a parent (or a member
    of staff), then the parent chooses their language."""
    w = turn.w
    result = invites.redeem(turn.session, turn.platform, turn.chat_key, answers["code"], turn.now)
    if result.status == "slowed":
        return say(
            w._(
                "That did not work several times. Please wait {minutes} minutes and try "
                "again, or ask the school for a new link.",
                minutes=w.number(result.wait_minutes),
            )
        )
    if result.status == "taken":
        return say(
            w._(
                "This Telegram account is already linked to someone else at the school. "
                "Please ask the school office to help."
            )
        )
    if result.status in ("invalid", "used", "expired"):
        reason = {
            "invalid": w._("I do not recognise that link."),
            "used": w._("That link has already been used. Each link works only once."),
            "expired": w._("That link is too old. Links work for 14 days."),
        }[result.status]
        return say(
            reason
            + "\n\n"
            + w._("Please ask the school for a new link. They can send you a new letter.")
        )
    if result.staff_id is not None:
        out = say(
            f"Hello {result.first_name}. This Telegram account is now linked to your "
            f"staff account at {result.school_name}. Type 'menu' to see what you can do."
        )
        out.linked = "staff"
        return out
    assert result.guardian_id is not None
    gw = writer_for(turn.session, result.guardian_id)
    text = "\n\n".join(
        [
            gw._(
                "Hello {name}. You are now connected to {school}.",
                name=result.first_name,
                school=result.school_name,
            ),
            gw._(
                "I will send you messages about your child's support, and invitations "
                "to meetings. You can also send a message to the school here."
            ),
            gw._("Which language would you like me to use?"),
        ]
    )
    return Outcome([OutgoingMessage(text, buttons=language_choice_buttons())], linked="guardian")


PARENT_LINK: ParentFlow = Flow(
    name=LINK,
    title="Link a parent's chat",
    triggers=(),
    fields=(ParentText(name="code", label="Code", question="", max_length=10**6),),
    describe="the link in the school's letter (/start CODE)",
    submit=_link,
    read_only=True,
    cancellable=False,
)


def _choose_language(turn: ParentTurn, answers: Answers) -> Outcome:
    """The parent's language, from our list only, for every message from now on."""
    try:
        language = parents.set_language(turn.session, turn.guardian, answers["language"], turn.now)
    except ValueError:
        return Outcome(toast="?")
    w = Writer(language, parents.reading(turn.session, turn.guardian)[2])
    text = w._("Thank you. I will write to you in {language}.", language=language.native_name)
    out = say(text, help_message(w), toast=True)
    out.language = language.code
    return out


PARENT_LANGUAGE: ParentFlow = Flow(
    name=LANGUAGE,
    title="Choose a language",
    triggers=("language",),
    fields=(
        ParentChoice(
            name="language",
            label="Language",
            question=_("Which language would you like me to use?"),
            buttons=lambda turn, answers: [
                (b.action_id[len(LANG_PREFIX) :], b) for b in language_choice_buttons()
            ],
        ),
    ),
    describe="/language, then a language button (or a button right after linking)",
    submit=_choose_language,
    read_only=True,
    cancellable=False,
)


# --- answering an invitation -------------------------------------------------------------


def _rsvp(turn: ParentTurn, answers: Answers) -> Outcome:
    """The tapped answer, re-authorised by the meetings service, which tells the SENCO."""
    w = turn.w
    result = meetings.answer(turn.session, turn.guardian, answers["answer"], turn.now)
    if result.status == "refused":
        return refused(w)
    if result.status in ("stale", "past", "cancelled"):
        return meeting_gone(result.status, w)
    if result.status == "unchanged":
        return say(w._("You already told us this. Thank you."), toast=True)
    if result.status == "interpreter_again":
        return say(
            w._("We already know you would like an interpreter. The school will arrange it."),
            toast=True,
        )
    if result.status == "interpreter":
        return say(
            w._("Thank you. We have asked the school to book an interpreter for you. It is free."),
            toast=True,
        )
    said = {
        "yes": w._("Thank you. We have told the school you will come."),
        "no": w._("Thank you for telling us. We have told the school you cannot come."),
        "other_time": w._("Thank you. The school will contact you to offer another time."),
    }[result.answer or ""]
    if result.previous:
        said = w._("We have changed your answer.") + " " + said
    return say(said, toast=True)


PARENT_RSVP: ParentFlow = Flow(
    name=RSVP,
    title="Answer an invitation",
    triggers=(),
    fields=(
        # The invitation's own buttons (attend, can't, another time, interpreter): sealed.
        ParentChoice(name="answer", label="Answer", question=""),
    ),
    describe="a button on the invitation",
    submit=_rsvp,
    read_only=True,
    cancellable=False,
)


# --- a parent's views before a review ----------------------------------------------------


def views_subject(turn: ParentTurn, scratch: dict[str, Any]) -> Subject:
    """The invitation the views are for, re-authorised on every message."""
    invitation_id = int(scratch["invitation_id"])
    target = meetings.views_target_for(
        turn.session, turn.guardian, Action("views", invitation_id), turn.now
    )
    if target.status == "refused":
        return Subject(refusal=refused(turn.w))
    return Subject({"child": target.child_name or "", "invitation_id": invitation_id})


def _views_summary(turn: ParentTurn, answers: Answers) -> str:
    w = turn.w
    lines = [w._("Your views about {child}:", child=turn.about["child"])]
    for question in VIEWS_QUESTIONS:
        value = answers.get(question.name)
        lines.append(f"{w._(question.label)}: {w.isolate(value) if value else '-'}")
    return "\n".join(lines)


def _save_views(turn: ParentTurn, answers: Answers) -> Outcome:
    """The views go with the invitation (encrypted) and the SENCO is told."""
    w = turn.w
    views = {name: answers.get(name) for name in meetings.VIEW_QUESTIONS}
    meetings.save_views(
        turn.session,
        turn.guardian,
        int(turn.about["invitation_id"]),
        views,
        w.language.code,
        turn.now,
    )
    return say(
        w._(
            "Thank you. Your views are saved for the meeting about {child}.",
            child=turn.about["child"],
        ),
        toast=True,
    )


_VIEWS_TOO_LONG = _("Please keep each answer under {limit} characters.")
VIEWS_QUESTIONS = (
    ParentText(
        name="going_well",
        label=_("Going well"),
        question=_("What is going well for {child}?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
    ParentText(
        name="worries",
        label=_("Worries"),
        question=_("Is there anything that worries you about {child}?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
    ParentText(
        name="hopes",
        label=_("Hopes"),
        question=_("What do you hope for {child} in the next year?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
)

PARENT_VIEWS: ParentFlow = Flow(
    name=VIEWS,
    title="Share views before a review",
    triggers=(),
    intro=_("Thank you. I will ask three short questions about {child}. You can skip any of them."),
    fields=(
        *VIEWS_QUESTIONS,
        ParentConfirm(
            name="confirm",
            label="Confirm",
            question=_("Shall I send these to the school?"),
            summary_for=_views_summary,
            save_label=_("Send to the school"),
        ),
    ),
    describe="'Share my views' on a review invitation",
    submit=_save_views,
    cancel_note=CANCELLED,
)


# --- a message to school -----------------------------------------------------------------


def _children(turn: ParentTurn, answers: Answers) -> list[tuple[str, Button]]:
    return [
        (
            str(k.pupil_id),
            Button(action_ids.encode(turn.session, Action("child", k.pupil_id, "message")), k.name),
        )
        for k in parents.children(turn.session, turn.guardian)
    ]


def _send_to_school(turn: ParentTurn, answers: Answers) -> Outcome:
    """Stored encrypted; the SENCO and the child's class teacher are told, with a Reply
    button; out of hours the parent is told when it will be read."""
    w = turn.w
    sent = parents.message_school(
        turn.session,
        turn.guardian,
        int(answers["child"]),
        answers["text"],
        w.language.code,
        turn.now,
    )
    parts = [
        w._(
            "Thank you. Your message about {child} has gone to the school.",
            child=sent.child_name,
        )
    ]
    if sent.opens_at is not None:
        parts.append(
            w._(
                "The school is closed now. Staff will read your message on {date} after {time}.",
                date=w.local_date(sent.opens_at),
                time=w.time(sent.opens_at),
            )
        )
        parts.append(
            w._(
                "If you are worried about a child's safety and it is urgent, call the school. "
                "If a child is in danger now, call 999."
            )
        )
    else:
        parts.append(w._("Staff will read it soon."))
    return say("\n\n".join(parts))


PARENT_MESSAGE: ParentFlow = Flow(
    name=MESSAGE,
    title="Send a message to school",
    triggers=(),
    fields=(
        ParentText(
            name="text",
            label="Message",
            question="",
            max_length=parents.MESSAGE_LIMIT,
            too_long=_(
                "That message is too long. Please send it in parts of up to {limit} characters."
            ),
            optional=False,
            skip_words=(),
        ),
        ParentChoice(
            name="child",
            label="Child",
            question=_("Which child is this message about?"),
            buttons=_children,
            single=True,
            none=_("I cannot find a child linked to you. Please ask the school."),
            cancel=True,
        ),
    ),
    describe="the parent types a message",
    submit=_send_to_school,
    read_only=True,
    cancel_note=CANCELLED,
)

PARENT_FLOWS: tuple[ParentFlow, ...] = (
    PARENT_LINK,
    PARENT_LANGUAGE,
    PARENT_RSVP,
    PARENT_VIEWS,
    PARENT_MESSAGE,
)
SUBJECTS: dict[str, Callable[[ParentTurn, dict[str, Any]], Subject]] = {VIEWS: views_subject}
