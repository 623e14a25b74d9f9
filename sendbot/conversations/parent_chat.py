"""The chat router: who a private chat is, and which flow or button handler answers.

Platform-neutral: an adapter turns an update into an `Incoming` and sends back the
`OutgoingMessage`s of the `Outcome`. Each call is one database transaction. The router holds
no dialog of its own: staff chats go to the conversation engine through `StaffChat`,
parents' messages to their declared flows (`parent_flows`), which the same engine steps in
the parent's language (`parent_voice`), and the few one-shot commands (/mychild, /help,
/stop) to `parent_commands`. Who the chat is gets re-read on every message and tap, and
every tapped id is re-authorised by the service it reaches. The update's id is claimed in
the same transaction, so a retried or raced update is handled once, and a failure leaves no
claim. The replies are saved in it too (`services.chat_replies`), so none is lost after the
commit: the adapter sends them, and the scheduler's sweep sends any the platform refused.
A linked parent's replies are finished here: the last one ends with the machine-translation
notice while the words their `Writer` used are unchecked (`honest.with_notice`).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sendbot.clock import Clock
from sendbot.conversations import parent_commands
from sendbot.conversations.chat import Incoming, Outcome, say
from sendbot.conversations.engine import Engine
from sendbot.conversations.parent_channel import PARENT_CHANNEL, tapped_channel
from sendbot.conversations.parent_link import PARENT_LANGUAGE, PARENT_LINK
from sendbot.conversations.parent_message import PARENT_MESSAGE
from sendbot.conversations.parent_rsvp import PARENT_RSVP
from sendbot.conversations.parent_turn import (
    CANCEL,
    SEND,
    SKIP,
    VIEWS,
    ParentTurn,
    command_descriptions,
    language_choice_buttons,
    meeting_gone,
    refused,
    tapped_language,
    tapped_word,
    writer_for,
)
from sendbot.conversations.parent_views import PARENT_VIEWS
from sendbot.conversations.parent_voice import asking, reads_typing
from sendbot.conversations.registry import REGISTRY
from sendbot.conversations.staff_chat import StaffChat
from sendbot.i18n.languages import ENGLISH, resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import with_notice
from sendbot.services import action_ids, chat_replies, inbound, meetings, parents
from sendbot.services.action_ids import Action
from sendbot.services.actors import StaffActor
from sendbot.services.conversation_state import ChatState, again_if_stale
from sendbot.services.policy import PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["ChatRouter", "Incoming", "Outcome", "command_descriptions", "language_choice_buttons"]

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "language", "channel", "mychild", "stop")
_say = say


def _speaks(sender: inbound.Sender) -> bool:
    """Whether this chat still speaks for its parent: linked, or only blocked for now."""
    return sender.active or sender.resumable


def _noticed(w: Writer, outcome: Outcome) -> Outcome:
    """The parent's last reply ending with the machine-translation notice, in their language,
    when any reply of this turn used words nobody fluent has checked; once a turn. Not where a
    reply says it already: the language choice tells it in the language just chosen."""
    if not outcome.replies or outcome.language is not None:
        return outcome
    if any(reply.notice for reply in outcome.replies):
        return outcome
    outcome.replies[-1] = with_notice(w, outcome.replies[-1])
    return outcome


class ChatRouter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        engine: Engine | None = None,
        *,
        claim_replies_as: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        # Who sends the replies straight after the commit (`services.chat_replies`).
        self.claim_replies_as = claim_replies_as
        self.staff_chat = StaffChat(engine or Engine(sessions, REGISTRY, clock))
        self.engine = self.staff_chat.engine

    # --- entry -----------------------------------------------------------------------------

    def staff_chat_of(self, platform: str, chat_key: str) -> bool:
        """Whether this chat is a member of staff's, so a photo sent there is worth fetching."""
        with self.sessions() as session, session.begin():
            sender = inbound.identify(session, platform, chat_key, self.clock.now())
            return sender is not None and sender.staff is not None

    def handle(self, incoming: Incoming) -> Outcome:
        """One update, one transaction; tried again once if another worker changed the same
        conversation meanwhile (the first try is rolled back whole, its claim included)."""

        def once() -> Outcome:
            with self.sessions() as session, session.begin():
                outcome = self._entry(session, incoming)
                if not outcome.duplicate:
                    # Saved with the update, so a 429 or a crash after the commit delays
                    # the answer instead of losing it.
                    outcome.reply_ids = chat_replies.queue(
                        session,
                        incoming.platform,
                        incoming.chat_key,
                        outcome.replies,
                        self.clock.now(),
                        claim_as=self.claim_replies_as,
                    )
                return outcome

        return again_if_stale(once)

    def _entry(self, session: Session, incoming: Incoming) -> Outcome:
        admission = inbound.admit(
            session,
            incoming.platform,
            incoming.event_id,
            incoming.chat_key,
            self.clock.now(),
            workspace=incoming.workspace,
        )
        if isinstance(admission, inbound.Duplicate):
            return Outcome(duplicate=True)
        if isinstance(admission, inbound.SlowedDown):
            text = self._slow_down(session, incoming, admission.sender)
            return _say(text, toast=incoming.kind == "tap")
        sender = admission.sender if isinstance(admission, inbound.Admitted) else None
        if incoming.kind == "photo" and (sender is None or sender.staff is None):
            # Only typed text reaches the school from a parent, for now.
            incoming = dataclasses.replace(incoming, kind="text", text="", photo=None)
        return self._handle(session, incoming, sender)

    def _slow_down(self, session: Session, m: Incoming, sender: inbound.Sender | None) -> str:
        """The rate limit's message, in the parent's chosen language when we know them."""
        if sender is not None and sender.guardian_id is not None and _speaks(sender):
            w = self._writer(session, sender.guardian_id)
        else:
            w = Writer(resolve(m.client_language) if m.client_language else ENGLISH)
        return w._(
            "You're sending messages faster than I can read them. Please wait a minute, then "
            "carry on: nothing you've already answered is lost."
        )

    def _writer(self, session: Session, guardian_id: int) -> Writer:
        return writer_for(session, guardian_id)

    def _handle(self, session: Session, m: Incoming, owner: inbound.Sender | None) -> Outcome:
        """`owner` is who the gate found this chat speaks for, read once per update."""
        now = self.clock.now()
        stranger_w = Writer(resolve(m.client_language) if m.client_language else ENGLISH)
        if not m.private:
            return say(
                stranger_w._("I only talk in private chats. Please message me directly."),
                toast=m.kind == "tap",
            )
        if m.kind == "command" and m.text == "start" and m.args.strip():
            turn = ParentTurn(session, None, stranger_w, now, m.platform, m.chat_key)
            return self.engine.begin_parent(turn, PARENT_LINK, {"code": m.args.strip()})
        if owner is None:
            return parent_commands.stranger(stranger_w, tapped=m.kind == "tap")
        if owner.staff is not None:
            return self._staff(session, m, owner.staff, now)
        assert owner.guardian_id is not None and owner.identity_id is not None
        if not _speaks(owner):
            # Stopped, replaced or unlinked: nothing of the parent's, not even their language.
            return parent_commands.unlinked(stranger_w, tapped=m.kind == "tap")
        w = self._writer(session, owner.guardian_id)
        return _noticed(w, self._guardian(session, m, owner, w, now))

    def _guardian(
        self, session: Session, m: Incoming, owner: inbound.Sender, w: Writer, now: datetime
    ) -> Outcome:
        """A linked parent's message or tap, answered in their language through `w`."""
        assert owner.guardian_id is not None and owner.identity_id is not None
        if not owner.active:
            return parent_commands.stopped(session, m, owner.identity_id, w, now)
        if m.kind == "edited":
            return say(
                w._(
                    "I cannot pass on changes to a message you already sent. "
                    "Please send a new message instead."
                )
            )
        turn = ParentTurn(
            session, owner.guardian_id, w, now, m.platform, m.chat_key, tapped=m.kind == "tap"
        )
        if m.kind == "command":
            return self._command(turn, m, owner.identity_id)
        if m.kind == "tap":
            return self._tap(turn, m)
        return self._text(turn, m)

    # --- staff -----------------------------------------------------------------------------

    def _staff(self, session: Session, m: Incoming, actor: StaffActor, now: datetime) -> Outcome:
        return self.staff_chat.answer(session, m, actor, now)

    # --- guardians -------------------------------------------------------------------------

    def _command(self, turn: ParentTurn, m: Incoming, identity_id: int) -> Outcome:
        """Any command leaves an unfinished flow; /language asks its one question."""
        self.engine.forget(
            turn.session, self.engine.parent_state(turn.session, m.platform, m.chat_key), flush=True
        )
        if m.text == "language":
            return self.engine.begin_parent(turn, PARENT_LANGUAGE)
        if m.text == "channel":
            return self.engine.begin_parent(turn, PARENT_CHANNEL)
        return parent_commands.command(turn, m.text, identity_id)

    def _tap(self, turn: ParentTurn, m: Incoming) -> Outcome:
        """Every button is a sealed id, decoded here once; anything else is out of date."""
        session, w, data = turn.session, turn.w, m.text
        action = action_ids.decode(session, data)
        if action is None:
            return refused(w)
        language = tapped_language(action)
        if language is not None:
            return self.engine.begin_parent(turn, PARENT_LANGUAGE, {"language": language})
        channel = tapped_channel(action)
        if channel is not None:
            return self.engine.begin_parent(turn, PARENT_CHANNEL, {"channel": channel})
        state = self.engine.parent_state(session, m.platform, m.chat_key)
        word = tapped_word(action)
        if word == CANCEL:
            self.engine.forget(session, state)
            return say(w._("Cancelled. Nothing was sent."), toast=True)
        if word in (SKIP, SEND) and state is not None and state.flow == VIEWS:
            return self.engine.answer_parent(turn, state, word)
        if action.kind == "rsvp":
            return self.engine.begin_parent(turn, PARENT_RSVP, {"answer": data})
        if action.kind in ("views", "views_skip"):
            return self._views_tap(turn, action)
        if action.kind == "child":
            return self._child_tap(turn, action, state)
        return refused(w)

    def _child_tap(self, turn: ParentTurn, action: Action, state: ChatState | None) -> Outcome:
        """A child's button: under /mychild, or answering 'which child is this about?'."""
        session, w = turn.session, turn.w
        try:
            child = parents.require_child(session, turn.guardian, action.subject_id)
        except PermissionDenied:
            return refused(w)
        if action.value == "mychild":
            return parent_commands.my_child(turn, child.pupil_id)
        if action.value == "message" and state is not None and self._asks_for_child(state):
            return self.engine.answer_parent(turn, state, str(child.pupil_id))
        return say(w._("This button is too old. Please type your message again."), toast=True)

    def _asks_for_child(self, state: ChatState) -> bool:
        """Whether the chat's message to school waits for the child it is about."""
        asked = asking(state)
        return state.flow == PARENT_MESSAGE.name and asked is not None and asked.name == "child"

    def _views_tap(self, turn: ParentTurn, action: Action) -> Outcome:
        """'Share my views' (or 'Not now') on a review invitation, re-authorised now."""
        session, w = turn.session, turn.w
        target = meetings.views_target_for(session, turn.guardian, action, turn.now)
        if target.status == "refused":
            return refused(w)
        if target.status != "ok":
            return meeting_gone(target.status, w)
        if action.kind == "views_skip":
            return say(
                w._("That is fine. You can still tell us your views at the meeting."),
                toast=True,
            )
        about = {"child": target.child_name or "", "invitation_id": target.invitation_id}
        note = (
            w._("Your new answers will replace the ones you sent before.")
            if target.already
            else None
        )
        return self.engine.begin_parent(
            replace(turn, about=about),
            PARENT_VIEWS,
            scratch={"invitation_id": target.invitation_id},
            note=note,
        )

    def _text(self, turn: ParentTurn, m: Incoming) -> Outcome:
        """Typed text answers the open question; otherwise it is a message to school."""
        state = self.engine.parent_state(turn.session, m.platform, m.chat_key)
        said = m.text.strip()
        if state is not None and reads_typing(state):
            return self.engine.answer_parent(turn, state, said)
        self.engine.forget(turn.session, state, flush=True)
        if not said:
            return Outcome([parent_commands.help_message(turn.w)])
        return self.engine.begin_parent(turn, PARENT_MESSAGE, {"text": said})
