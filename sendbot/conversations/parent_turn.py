"""What the parents' flows are made of: the parent's turn (who, in which language, about
what), the kinds of question a parent is asked, and the wording every parent flow shares.

A declaration holds the English msgid of each question (marked with `_` for extraction);
the engine asks it in the parent's voice (`parent_voice`), through the parent's `Writer`,
so every string keeps its msgid.
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
from sendbot.services import action_ids, parents
from sendbot.services.action_ids import Action

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CANCEL = "cancel"
SKIP = "skip"
SEND = "send"
LINK = "parent.link"
LANGUAGE = "parent.language"
CHANNEL = "parent.channel"
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
    # A button was tapped (not text typed): 'Cancel' is only the button, and what it says
    # shows on the button too.
    tapped: bool = False

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


LANGUAGES = (ENGLISH, *PARENT_LANGUAGES)


def language_choices(session: Session) -> list[tuple[str, Button]]:
    """Every language in its own name and script, each with its code (the answer)."""
    return [
        (
            lang.code,
            Button(action_ids.encode(session, Action(action_ids.LANGUAGE, i)), lang.native_name),
        )
        for i, lang in enumerate(LANGUAGES)
    ]


def language_choice_buttons(session: Session) -> tuple[Button, ...]:
    return tuple(button for _, button in language_choices(session))


def tapped_language(action: Action) -> str | None:
    """The code of the language a sealed language button names; None for any other button."""
    if action.kind != action_ids.LANGUAGE or action.subject_id >= len(LANGUAGES):
        return None
    return LANGUAGES[action.subject_id].code


def word_button(session: Session, word: str, label: str, style: str | None = None) -> Button:
    """A parent's Cancel, Skip or Send, sealed like every other button."""
    return Button(action_ids.encode(session, Action(action_ids.WORD, 0, word)), label, style)


def tapped_word(action: Action) -> str | None:
    """'cancel', 'skip' or 'send' for a sealed word button; None for any other button."""
    return action.value if action.kind == action_ids.WORD else None


def command_descriptions(w: Writer) -> list[tuple[str, str]]:
    """The command menu in one language (for the platform's per-language command list)."""
    return [
        ("mychild", w._("What your child is working on, and the next review")),
        ("language", w._("Choose your language")),
        ("channel", w._("Choose how messages from school reach you")),
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
