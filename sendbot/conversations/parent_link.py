"""Linking a parent's chat with the code from the school's letter, and choosing a language.

State diagram: docs/flows/parent_link_and_language.md.
"""

from __future__ import annotations

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_turn import (
    LANGUAGE,
    LINK,
    ParentChoice,
    ParentFlow,
    ParentText,
    ParentTurn,
    _,
    help_message,
    language_choice_buttons,
    language_choices,
    writer_for,
)
from sendbot.delivery.contract import OutgoingMessage
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import machine_notice
from sendbot.services import invites, parents


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
    if result.status == "already":
        return _already(turn, result)
    if result.status in ("invalid", "used", "expired"):
        reason = {
            "invalid": w._("I do not recognise that link."),
            "used": w._("That link has already been used. Each link works only once.")
            + (" " + w._("We have told the school.") if result.school_told else ""),
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
    return Outcome(
        [OutgoingMessage(text, buttons=language_choice_buttons(turn.session))], linked="guardian"
    )


def _already(turn: ParentTurn, result: invites.Redeemed) -> Outcome:
    """The link tapped again from the chat it linked: nothing changes, nobody is told."""
    if result.staff_id is not None:
        return say(
            f"This Telegram account is already linked to your staff account at {result.school_name}."
        )
    assert result.guardian_id is not None
    gw = writer_for(turn.session, result.guardian_id)
    return say(gw._("Hello again. You are connected to the school."), help_message(gw))


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
    # Told once here, and again under every message the school sends: a computer
    # translated these words and nobody fluent has checked them yet.
    notice = machine_notice(w)
    out = say(f"{text}\n\n{notice}" if notice else text, help_message(w), toast=True)
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
            buttons=lambda turn, answers: language_choices(turn.session),
        ),
    ),
    describe="/language, then a language button (or a button right after linking)",
    submit=_choose_language,
    read_only=True,
    cancellable=False,
)
