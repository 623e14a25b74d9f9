"""A parent chooses how the school's messages reach them: Telegram, email or text message.

The buttons offer only the channels the school has an address for (the roster's email and
mobile number, and this chat); the choice goes first and the others stay as the fallback
(`services/guardian_channels.py`). State diagram: docs/flows/parent_channel.md.
"""

from __future__ import annotations

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_turn import (
    CHANNEL,
    ParentChoice,
    ParentFlow,
    ParentTurn,
    _,
    help_message,
)
from sendbot.delivery.contract import Button
from sendbot.i18n.writer import Writer
from sendbot.services import action_ids, guardian_channels
from sendbot.services.action_ids import Action
from sendbot.services.guardian_channels import EMAIL, ORDER, SMS, TELEGRAM


def _label(w: Writer, platform: str, address: str) -> str:
    if platform == EMAIL:
        return w._("Email to {address}", address=w.isolate(address))
    if platform == SMS:
        return w._("Text message to {number}", number=w.isolate(address))
    return w._("Telegram (here)")


def channel_choices(turn: ParentTurn, answers: Answers) -> list[tuple[str, Button]]:
    """A button for each channel the parent has, in the order they are tried now."""
    seen: dict[str, Button] = {}
    for channel in guardian_channels.channels_of(turn.session, turn.guardian):
        if channel.platform in seen:
            continue
        sealed = action_ids.encode(
            turn.session, Action(action_ids.CHANNEL, ORDER.index(channel.platform))
        )
        seen[channel.platform] = Button(sealed, _label(turn.w, channel.platform, channel.address))
    return list(seen.items())


def tapped_channel(action: Action) -> str | None:
    """The channel a sealed channel button names; None for any other button."""
    if action.kind != action_ids.CHANNEL or action.subject_id >= len(ORDER):
        return None
    return ORDER[action.subject_id]


def _choose_channel(turn: ParentTurn, answers: Answers) -> Outcome:
    """The parent's first channel, from the ones the school has an address for."""
    w = turn.w
    done = guardian_channels.set_preferred_channel(
        turn.session, turn.guardian, answers["channel"], turn.now, "guardian"
    )
    if not done.ok:
        return say(
            w._(
                "The school does not have that address for you. To get messages by email or "
                "text message, please give the school your email address or mobile number."
            ),
            toast=turn.tapped,
        )
    text = {
        TELEGRAM: w._("Thank you. Messages from school will come to you here, in Telegram."),
        EMAIL: w._("Thank you. Messages from school will come to you by email."),
        SMS: w._("Thank you. Messages from school will come to you by text message."),
    }[answers["channel"]]
    if len(done.available) > 1:
        text += "\n" + w._("If that does not work, I will try your other ways.")
    return say(text, help_message(w), toast=True)


PARENT_CHANNEL: ParentFlow = Flow(
    name=CHANNEL,
    title="Choose a channel",
    triggers=("channel",),
    fields=(
        ParentChoice(
            name="channel",
            label="Channel",
            question=_(
                "How would you like to get messages from school? To add email or text "
                "message, give the school your email address or mobile number."
            ),
            buttons=channel_choices,
        ),
    ),
    describe="/channel, then a channel button: only those the school has an address for",
    submit=_choose_channel,
    read_only=True,
    cancellable=False,
)
