"""A staff member's private chat (Telegram): the conversation engine with its options as
buttons, and the buttons on reminders, prompts and safeguarding alerts.

It runs inside the chat router's transaction, so a staff message is claimed, counted against
the sender's limit, answered and saved in one commit: one write, not three, and nothing half
done if the database fails midway.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from sendbot.conversations import web_link
from sendbot.conversations.chat import Incoming, Outcome
from sendbot.conversations.engine import ChatRef, Engine, Reply
from sendbot.conversations.flow import Flow
from sendbot.conversations.staff_reply import STAFF_REPLY
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.domain.safeguarding import too_big
from sendbot.services import action_ids, reply_buttons, safeguarding, staff_buttons
from sendbot.services.actors import StaffActor
from sendbot.services.school_time import school_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STAFF_COMMANDS = {"start": "menu", "cancel": "/cancel", "back": "/back"}
OUT_OF_DATE = "That button belongs to an earlier question.\n\n"


def step_tag(flow: str | None, field: str | None) -> int:
    """The question a button answers, as the stamp of its sealed id (32 bits of a hash)."""
    return int.from_bytes(hashlib.sha256(f"{flow}/{field}".encode()).digest()[:4], "big")


def staff_reply_message(session: Session, reply: Reply) -> OutgoingMessage:
    """An engine reply with its options as sealed buttons tied to the question they answer."""
    tag = step_tag(reply.flow, reply.field)
    buttons = tuple(
        Button(
            action_ids.encode(session, action_ids.Action(action_ids.OPTION, number, stamp=tag)),
            option.label[:60],
        )
        for number, option in enumerate(reply.options, start=1)
    )
    return OutgoingMessage(reply.text, buttons=buttons)


def _own_numbers(flow: Flow, field: str) -> bool:
    """Whether the question reads a typed number as a record's own number ("Concern 12"):
    a tapped button then answers with its option's value, not its position."""
    return any(f.name == field and f.own_numbers for f in flow.fields)


class StaffChat:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def answer(self, session: Session, m: Incoming, actor: StaffActor, now: datetime) -> Outcome:
        chat = ChatRef(m.platform, m.chat_key)
        if m.kind == "photo":
            return self._photo(session, chat, actor, m)
        text: str | None = m.text if m.kind in ("text", "command") else None
        message_id = reply_buttons.message_answered_by(session, m.text) if m.kind == "tap" else None
        if message_id is not None:
            return self._reply_tap(session, chat, actor, m.text, message_id, now)
        button = staff_buttons.staff_button(session, m.text) if m.kind == "tap" else None
        if button is not None and button.kind in staff_buttons.KINDS:
            return self._scheduler_tap(session, actor, m.text, now)
        if button is not None:
            return self._alert_tap(session, actor, button, now, self.engine.web_url)
        if m.kind == "tap":
            text = self._option_number(session, m, action_ids.decode(session, m.text), now)
            if text is None:
                message = staff_reply_message(session, self.engine.resume_in(session, chat, actor))
                return Outcome(
                    [OutgoingMessage(OUT_OF_DATE + message.text, buttons=message.buttons)],
                    toast="Out of date",
                )
        if m.kind == "command" and m.text != "cancel":
            self.engine.leave_on_command(session, chat)
        if m.kind == "command":
            # /cancel and /back do what they say, mid-flow too; any other command, a typo
            # included, asks for help rather than becoming the answer to a question.
            text = STAFF_COMMANDS.get(m.text, "help")
        if text is None or not text.strip():
            return Outcome(
                [OutgoingMessage("Please type your answer, or 'menu' to see what you can do.")]
            )
        reply = self.engine.turn_in(session, chat, actor, text)
        return Outcome([staff_reply_message(session, reply)])

    def _photo(self, session: Session, chat: ChatRef, actor: StaffActor, m: Incoming) -> Outcome:
        """A photo of a note or a body map: kept with the concern being written (or just
        saved); one too big to fetch is refused kindly, and the open question asked again."""
        if m.photo is None:
            resumed = self.engine.resume_in(session, chat, actor)
            text = too_big(m.photo_size)
            if resumed.flow is not None:
                text += "\n\n" + resumed.text.split("\n\n", 1)[-1]
            return Outcome([OutgoingMessage(text)])
        reply = self.engine.photo_in(session, chat, actor, m.photo)
        return Outcome([staff_reply_message(session, reply)])

    def _reply_tap(
        self,
        session: Session,
        chat: ChatRef,
        actor: StaffActor,
        token: str,
        message_id: int,
        now: datetime,
    ) -> Outcome:
        """A parent message's Reply: the policy is asked before anything is typed, and a
        half-finished flow (a concern being logged) is never dropped for it."""
        refusal = reply_buttons.refusal(session, actor, token)
        if refusal is not None:
            return Outcome([OutgoingMessage(refusal)], toast=refusal.split("\n")[0])
        busy = self._unfinished(session, chat, now)
        if busy is not None and busy.name != STAFF_REPLY.name:
            text = (
                f"You are in the middle of '{busy.title}'. Finish it, or type cancel, then "
                "tap Reply again. Nothing you have typed is lost."
            )
            return Outcome([OutgoingMessage(text)], toast="Finish or cancel first")
        prefill = {"message": str(message_id)}
        reply = self.engine.start_in(session, chat, actor, STAFF_REPLY.name, prefill)
        return Outcome([staff_reply_message(session, reply)], toast="Type your reply")

    def _unfinished(self, session: Session, chat: ChatRef, now: datetime) -> Flow | None:
        """The flow this chat is part way through, if any."""
        row = self.engine.states.load(session, chat.platform, chat.chat_key)
        if row is None or row.expired(now):
            return None
        return self.engine.registry.get(row.flow)

    def _option_number(
        self, session: Session, m: Incoming, tapped: action_ids.Action | None, now: datetime
    ) -> str | None:
        """Option N of the question the button's stamp names; None if the chat moved on, or
        for anything that is not a sealed option (an old plain-text button included)."""
        if tapped is None or tapped.kind != action_ids.OPTION:
            return None
        row = self.engine.states.load(session, m.platform, m.chat_key)
        flow, field = (None, None) if row is None or row.expired(now) else (row.flow, row.step)
        if tapped.stamp != step_tag(flow, field):
            return None
        if row is None or flow is None or field is None:  # the menu's options
            return str(tapped.subject_id)
        declared = self.engine.registry.get(flow)
        shown: list[str] = row.scratch.get("shown", [])
        own = declared is not None and _own_numbers(declared, field)
        if own and 1 <= tapped.subject_id <= len(shown):
            return shown[tapped.subject_id - 1]  # the record's own number, as typed
        return str(tapped.subject_id)

    @staticmethod
    def _scheduler_tap(
        session: Session, actor: StaffActor, action_id: str, now: datetime
    ) -> Outcome:
        """A reminder's or prompt's button: the scheduler's handler re-authorises it."""
        result = staff_buttons.tap(session, actor, action_id, now)
        if result is None:  # is_ours said it was; kept for safety
            return Outcome([OutgoingMessage("That button is out of date.")], toast="Out of date")
        outcome = Outcome([OutgoingMessage(result.text)], toast=result.text.split("\n")[0])
        outcome.clear_buttons = result.done and result.kind != staff_buttons.REVIEW_PUPIL
        outcome.clear_only_tapped = result.only_this_button
        return outcome

    @staticmethod
    def _alert_tap(
        session: Session,
        actor: StaffActor,
        button: action_ids.Action,
        now: datetime,
        web_url: str | None = None,
    ) -> Outcome:
        """An alert's or escalation's buttons. Acknowledge goes to the safeguarding service,
        which decides who may; the details are never sent into a chat, where they would stay
        in the phone's history: View details sends a one-time link to the concern's web page,
        which asks the policy again."""
        if button.kind == staff_buttons.VIEW_DETAILS:
            text = web_link.concern_details_reply(session, actor, web_url, button.subject_id, now)
            return Outcome([OutgoingMessage(text)], toast="Sign-in link sent")
        result = safeguarding.acknowledge(session, actor, button.subject_id, now)
        tz = school_zone(session, actor.school_id)
        if not result.acknowledged:
            text = result.message
        elif result.first:
            text = "Acknowledged. Nobody else will be escalated to about this alert."
        else:
            when = result.at.astimezone(tz).strftime("%H:%M on %a %-d %b") if result.at else ""
            text = f"{result.by or 'Someone'} acknowledged this at {when}."
        outcome = Outcome([OutgoingMessage(text)], toast=text.split("\n")[0])
        outcome.clear_buttons = result.acknowledged
        return outcome
