"""The conversation engine: one message in, exactly one reply out, state in the database.

Each turn is one transaction: load the chat's state, apply the message, save the state (and,
on the final step, the record the flow creates). If anything fails, the transaction rolls
back and the person's earlier answers are exactly as they were, so a typo, a restart or a
second worker never loses a half-finished concern.

One engine runs every declared flow, staff's and parents', with one step loop (`_answer`,
`_onward`, `_submit`) over one conversation-state store with one expiry (`states`). How a
flow sounds is its audience's `Voice`: staff are asked in English with numbered options
(`staff_voice`), parents in their own language with buttons (`parent_voice`). Slack
modals show the same flows as forms (`forms`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sendbot.clock import Clock
from sendbot.conversations import web_link
from sendbot.conversations.chat import Outcome
from sendbot.conversations.fields import CHANGE, SAVE, Accept, Clarify, ConfirmField, Option, Reject
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.parent_turn import ParentFlow, ParentTurn
from sendbot.conversations.parent_voice import BY_NAME, ParentVoice
from sendbot.conversations.staff_voice import BACK, CANCEL, HELP, Reply, StaffVoice, chosen_option
from sendbot.conversations.turn import Turn
from sendbot.conversations.voice import KEPT, Voice, Working, kept_part
from sendbot.domain.people import ROLE_LABELS
from sendbot.domain.text import storable
from sendbot.services import concern_record, rate_limit
from sendbot.services.actors import StaffActor
from sendbot.services.conversation_state import (
    ChatState,
    ConversationStore,
    StoreUnavailable,
    again_if_stale,
    unavailable_as_ours,
)
from sendbot.services.school_time import school_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["BACK", "CANCEL", "HELP", "MENU", "ChatRef", "Engine", "Reply", "again_if_stale"]

log = logging.getLogger(__name__)

PHOTO_FLOW = "log_concern"  # the flow a photo sent mid-conversation is held for
MENU = ("menu", "/menu", "start", "/start", "hi", "hello")
UNAVAILABLE = (
    "Sorry, I can't reach the school's records just now. Nothing you typed is lost: "
    "please try again in a minute."
)


@dataclass(frozen=True)
class ChatRef:
    """Where a conversation happens: the platform and its own key for the chat and person."""

    platform: str
    chat_key: str


class Engine:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        registry: FlowRegistry,
        clock: Clock,
        ttl: timedelta = timedelta(hours=24),
        limit: rate_limit.RateLimit | None = rate_limit.DEFAULT,
        web_url: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.clock = clock
        self.ttl = ttl
        self.states = ConversationStore(ttl)
        self.staff = StaffVoice(registry)
        self.parents = ParentVoice()
        self.limit = limit
        # The staff web pages' address: 'sign in' and View details send a link to it.
        self.web_url = web_url

    # --- public ------------------------------------------------------------------------

    def handle(self, chat: ChatRef, actor: StaffActor, text: str) -> Reply:
        """Apply one message; retried once if another worker changed the chat meanwhile."""

        def once() -> Reply:
            with self.sessions() as session, session.begin():
                if not self._admit(session, chat):
                    return Reply(rate_limit.SLOW_DOWN)
                return self.turn_in(session, chat, actor, text)

        try:
            return unavailable_as_ours(lambda: again_if_stale(once))
        except StoreUnavailable:
            log.exception("database unavailable during a conversation turn")
            return Reply(UNAVAILABLE)

    def _admit(self, session: Session, chat: ChatRef) -> bool:
        """Per-sender inbound limit, counted in the database (shared by every worker)."""
        if self.limit is None:
            return True
        scope = f"{chat.platform}:staff"
        return rate_limit.admit(session, scope, chat.chat_key, self.clock.now(), self.limit)

    def resume(self, chat: ChatRef, actor: StaffActor) -> Reply:
        """What to say when someone comes back: their unfinished question, or the menu."""
        try:
            return unavailable_as_ours(lambda: self._resume(chat, actor))
        except StoreUnavailable:
            log.exception("database unavailable when resuming a conversation")
            return Reply(UNAVAILABLE)

    def _resume(self, chat: ChatRef, actor: StaffActor) -> Reply:
        with self.sessions() as session, session.begin():
            return self.resume_in(session, chat, actor)

    def resume_in(self, session: Session, chat: ChatRef, actor: StaffActor) -> Reply:
        """`resume` inside the caller's transaction."""
        turn = self._make_turn(session, actor, chat)
        row = self._load(session, chat)
        if row is None:
            return self._menu(turn, greeting=True)
        working = self._working(row)
        if working is None:
            return self._menu(turn, greeting=True)
        current = working.flow.next_field(working.answers, self.staff.view(turn, working))
        assert current is not None
        reply = self.staff.ask(turn, working, current)
        return replace(
            reply,
            text=f"You have an unfinished {working.flow.title.lower()}. Let's carry on.\n\n{reply.text}",
        )

    def start(
        self,
        chat: ChatRef,
        actor: StaffActor,
        flow_name: str,
        prefill: dict[str, Any] | None = None,
    ) -> Reply:
        """Begin a named flow directly (a slash command, a shortcut), replacing any other."""

        def once() -> Reply:
            with self.sessions() as session, session.begin():
                return self.start_in(session, chat, actor, flow_name, prefill)

        try:
            return unavailable_as_ours(once)
        except StoreUnavailable:
            log.exception("database unavailable when starting a conversation")
            return Reply(UNAVAILABLE)

    def start_in(
        self,
        session: Session,
        chat: ChatRef,
        actor: StaffActor,
        flow_name: str,
        prefill: dict[str, Any] | None = None,
    ) -> Reply:
        """`start` inside the caller's transaction."""
        flow = self.registry.get(flow_name)
        if flow is None or not flow.may_start(actor):
            return Reply("That isn't something you can do here.")
        turn = self._make_turn(session, actor, chat)
        row = self._load(session, chat)
        # What the caller filled in is not a step the person took: 'back' never undoes it.
        working = Working(flow, dict(prefill or {}), [])
        return self._begin(self.staff, turn, chat, row, working)

    def photo(self, chat: ChatRef, actor: StaffActor, data: bytes) -> Reply:
        """A photo sent into a staff chat (a written note, a body map): held for the concern
        being written here, or kept with the sender's concern saved in the last hour, or
        kindly refused. The question open in the chat is asked again; nothing of it is lost."""

        def once() -> Reply:
            with self.sessions() as session, session.begin():
                return self.photo_in(session, chat, actor, data)

        try:
            return unavailable_as_ours(once)
        except StoreUnavailable:
            log.exception("database unavailable when receiving a photo")
            return Reply(UNAVAILABLE)

    def photo_in(self, session: Session, chat: ChatRef, actor: StaffActor, data: bytes) -> Reply:
        """`photo` inside the caller's transaction (the caller has identified the sender)."""
        turn = self._make_turn(session, actor, chat)
        row = self._load(session, chat)
        working = self._working(row) if row is not None and not row.expired(turn.now) else None
        drafting = working is not None and working.flow.name == PHOTO_FLOW
        received = concern_record.receive(
            session, actor, turn.chat, data, chat.platform, turn.now, drafting=drafting
        )
        if working is None:
            return Reply(received.message)
        current = working.flow.next_field(working.answers, self.staff.view(turn, working))
        assert current is not None
        reply = self.staff.ask(turn, working, current)
        return Reply(f"{received.message}\n\n{reply.text}", reply.options, reply.flow, reply.field)

    def leave_on_command(self, session: Session, chat: ChatRef) -> bool:
        """Forget a flow a command leaves unfinished (a reply to a parent); True if one was."""
        row = self._load(session, chat)
        flow = self.registry.get(row.flow) if row is not None else None
        if row is None or flow is None or not flow.ends_on_command:
            return False
        self.states.clear(session, row)
        return True

    # --- a staff member's turn ------------------------------------------------------------

    def _make_turn(self, session: Session, actor: StaffActor, chat: ChatRef | None = None) -> Turn:
        now = self.clock.now()
        tz = school_zone(session, actor.school_id)
        where = f"{chat.platform}:{chat.chat_key}" if chat else ""
        return Turn(
            session=session,
            actor=actor,
            now=now,
            today=now.astimezone(tz).date(),
            tz=tz,
            platform=chat.platform if chat else "",
            chat=where,
        )

    def _load(self, session: Session, chat: ChatRef) -> ChatState | None:
        return self.states.load(session, chat.platform, chat.chat_key)

    def _working(self, row: ChatState) -> Working | None:
        flow = self.registry.get(row.flow)
        if flow is None:
            return None
        return Working(flow, dict(row.answers), list(row.history), dict(row.scratch))

    def turn_in(self, session: Session, chat: ChatRef, actor: StaffActor, text: str) -> Reply:
        """One message inside the caller's transaction, which has already counted it against
        the sender's rate limit; the caller retries the whole transaction on StaleDataError."""
        text = storable(text)  # a NUL or half an emoji would fail the whole turn's transaction
        turn = self._make_turn(session, actor, chat)
        row = self._load(session, chat)
        said = " ".join(text.strip().lower().split())
        expired_note = ""
        if row is not None and row.expired(turn.now):
            carried_on = self._past_expiry(session, chat, turn, row)
            if carried_on is not None:
                return carried_on
            flow = self.registry.get(row.flow)
            title = flow.title.lower() if flow else "conversation"
            expired_note = f"Your unfinished {title} was more than {self._ttl_words()} old, so I cleared it.\n\n"
            if flow is not None and flow.on_leave is not None:
                flow.on_leave(turn)
            self.states.clear(session, row)
            row = None
        working = self._working(row) if row is not None else None
        wanted = web_link.concern_asked(said)
        if wanted is not None:  # a concern's page, mid-flow too: the question is kept
            return self._details(turn, working, wanted)

        if working is None:
            reply = self._idle(turn, chat, row, said, text)
            return replace(reply, text=expired_note + reply.text)
        voice = self.staff
        # 'cancel' typed, or the number of a Cancel option shown (a Save step's '3. Cancel').
        if said in voice.cancel_words or chosen_option(working, text) in voice.cancel_words:
            assert row is not None
            if working.flow.on_leave is not None:
                working.flow.on_leave(turn)
            self.states.clear(session, row, flush=voice.flush)
            return self._cancelled(turn, working)
        if said in voice.help_words:
            return self._help_while(turn, working)
        if said in voice.back_words or chosen_option(working, text) in voice.back_words:
            return self._back(voice, turn, chat, row, working)
        return self._answer(voice, turn, chat, row, working, text)

    def _details(self, turn: Turn, working: Working | None, concern_id: int) -> Reply:
        """A one-time link to a concern's web page, then the open question again."""
        text = web_link.concern_details_reply(
            turn.session, turn.actor, self.web_url, concern_id, turn.now
        )
        if working is None:
            return Reply(text)
        current = working.flow.next_field(working.answers, self.staff.view(turn, working))
        assert current is not None
        reply = self.staff.ask(turn, working, current)
        return Reply(text + "\n\n" + reply.text, reply.options, reply.flow, reply.field)

    def _cancelled(self, turn: Turn, working: Working) -> Reply:
        reply = self.staff.cancelled(turn, working)
        hook = working.flow.on_cancel
        note = hook(self.staff.view(turn, working)) if hook is not None else None
        return replace(reply, text=f"{note}\n\n{reply.text}") if note else reply

    def _past_expiry(
        self, session: Session, chat: ChatRef, turn: Turn, row: ChatState
    ) -> Reply | None:
        """A flow that is not cleared when its state expires (an unfinished safeguarding
        report) asks its open question again, after its note, and its expiry moves on. The
        message that came is not read as the answer: it may be days later."""
        working = self._working(row)
        hook = working.flow.past_expiry if working is not None else None
        if working is None or hook is None:
            return None
        view = self.staff.view(turn, working)
        note = hook(view)
        current = working.flow.next_field(working.answers, view)
        if note is None or current is None:
            return None
        reply = self.staff.ask(turn, working, current, note=note)
        self._save(self.staff, session, chat, row, working, reply, current.name)
        return reply

    def _help_while(self, turn: Turn, working: Working) -> Reply:
        """The open question's help, how to go back or stop, and the question again."""
        current = working.flow.next_field(working.answers, self.staff.view(turn, working))
        assert current is not None
        reply = self.staff.ask(turn, working, current)
        help_text = current.help
        lines = [help_text] if help_text else []
        lines.append(
            "Type 'back' to change your last answer, or 'cancel' to stop. Nothing is saved until the last step."
        )
        return replace(reply, text="\n".join(lines) + "\n\n" + reply.text, done=False)

    def _idle(
        self, turn: Turn, chat: ChatRef, row: ChatState | None, said: str, text: str
    ) -> Reply:
        flow = self.registry.match(turn.actor, said, turn)
        if flow is None:
            if said in HELP:
                return self._help(turn)
            if said in MENU:
                return self._menu(turn, greeting=True)
            if said in web_link.SIGN_IN_WORDS:
                return Reply(
                    web_link.sign_in_reply(turn.session, turn.actor, self.web_url, turn.now)
                )
            return Reply(
                f"Sorry, I didn't understand '{text.strip()[:60]}'.\n\n{self._menu_text(turn)}"
            )
        return self._begin(self.staff, turn, chat, row, Working(flow, {}, []))

    # --- a parent's turn -------------------------------------------------------------------

    def parent_state(self, session: Session, platform: str, chat_key: str) -> ChatState | None:
        """The chat's unfinished parent flow, if it has one that has not expired."""
        row = self.states.load(session, platform, chat_key)
        if row is None or row.flow not in BY_NAME:
            return None
        if row.expired(self.clock.now()):
            self.states.clear(session, row)
            return None
        return row

    def forget(self, session: Session, state: ChatState | None, *, flush: bool = True) -> None:
        if state is not None:
            self.states.clear(session, state, flush=flush)

    def begin_parent(
        self,
        turn: ParentTurn,
        flow: ParentFlow,
        given: dict[str, Any] | None = None,
        scratch: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> Outcome:
        """Start a parent's flow with what is known already (a code, a tapped answer, the
        message typed); ask its first open question, or submit when nothing is left."""
        voice = self.parents
        working = Working(flow, {}, [], dict(scratch or {}))
        for name, value in (given or {}).items():
            field = flow.field(name)
            taken = voice.take(turn, field, value)
            if isinstance(taken, Reject):
                return voice.ask(turn, working, field, note=taken.message)
            assert isinstance(taken, Accept)
            working.answers[name] = taken.value
            working.history.append(name)
        chat = ChatRef(turn.platform, turn.chat_key)
        return self._begin(voice, turn, chat, None, working, note=note, loaded=False)

    def answer_parent(self, turn: ParentTurn, state: ChatState, said: str) -> Outcome:
        """The next message (typed, or a tapped 'skip', 'send' or choice) in an open flow;
        what the flow is about is looked up and re-authorised first."""
        flow = BY_NAME[state.flow]
        if flow.subject is not None:
            found = flow.subject(turn, state.scratch)
            if found.refusal is not None:
                self.forget(turn.session, state)
                return found.refusal
            turn = replace(turn, about=found.about)
        voice = self.parents
        working = Working(flow, dict(state.answers), list(state.history), dict(state.scratch))
        if voice.cancels(turn, said):
            self.forget(turn.session, state)
            return voice.cancelled(turn, working)
        chat = ChatRef(turn.platform, turn.chat_key)
        return self._answer(voice, turn, chat, state, working, said)

    # --- the step loop, for every flow -------------------------------------------------------

    def _begin(
        self,
        voice: Voice[Any, Any],
        turn: Any,
        chat: ChatRef,
        row: ChatState | None,
        working: Working,
        note: str | None = None,
        loaded: bool = True,
    ) -> Any:
        """Ask the first open question (with the flow's intro); a flow with nothing left to
        ask is submitted at once."""
        return self._onward(voice, turn, chat, row, working, note, intro=True, loaded=loaded)

    def _onward(
        self,
        voice: Voice[Any, Any],
        turn: Any,
        chat: ChatRef,
        row: ChatState | None,
        working: Working,
        note: str | None = None,
        intro: bool = False,
        loaded: bool = True,
    ) -> Any:
        """Settle what needs no asking, then submit, or ask the next question and save."""
        settled = voice.settle(turn, working)
        if settled is not None:
            self.forget(turn.session, row, flush=voice.flush)
            return settled
        current = working.flow.next_field(working.answers, voice.view(turn, working))
        if current is None:
            return self._submit(voice, turn, row, working)
        reply = voice.ask(turn, working, current, note=note, intro=intro)
        self._save(voice, turn.session, chat, row, working, reply, current.name, loaded)
        return reply

    def _back(
        self,
        voice: Voice[Any, Any],
        turn: Any,
        chat: ChatRef,
        row: ChatState | None,
        working: Working,
    ) -> Any:
        if working.scratch.get("candidates"):
            working.scratch = kept_part(working.scratch)
        elif working.history:
            last = working.history.pop()
            working.answers.pop(last, None)
            working.answers = working.flow.applicable_answers(
                working.answers, voice.view(turn, working)
            )
        else:
            current = working.flow.next_field(working.answers, voice.view(turn, working))
            assert current is not None
            return voice.ask(turn, working, current, note="This is the first question.")
        current = working.flow.next_field(working.answers, voice.view(turn, working))
        assert current is not None
        reply = voice.ask(turn, working, current)
        self._save(voice, turn.session, chat, row, working, reply, current.name)
        return reply

    def _answer(
        self,
        voice: Voice[Any, Any],
        turn: Any,
        chat: ChatRef,
        row: ChatState | None,
        working: Working,
        text: str,
    ) -> Any:
        """Read the message as the answer to the open question, and step on."""
        view = voice.view(turn, working)
        current = working.flow.next_field(working.answers, view)
        assert current is not None
        outcome = voice.read(view, working, current, text)
        if isinstance(outcome, Reject):
            return voice.ask(turn, working, current, note=outcome.message)
        if isinstance(outcome, Clarify):
            working.scratch = dict(outcome.scratch)
            reply = voice.clarify(working, current, outcome)
            self._save(voice, turn.session, chat, row, working, reply, current.name)
            return reply
        assert isinstance(outcome, Accept)
        if current.check is not None and outcome.value is not None:
            problem = current.check(view, outcome.value)
            if problem:
                working.scratch = voice.answered(working)
                reply = voice.ask(turn, working, current, note=problem)
                self._save(voice, turn.session, chat, row, working, reply, current.name)
                return reply
        working.scratch = voice.answered(working)
        if isinstance(current, ConfirmField):
            if outcome.value == CHANGE:
                return self._back(voice, turn, chat, row, working)
            assert outcome.value == SAVE
            return self._submit(voice, turn, row, working)
        working.answers[current.name] = outcome.value
        working.answers = working.flow.applicable_answers(
            working.answers, voice.view(turn, working)
        )
        working.history.append(current.name)
        note = current.after(outcome.value) if current.after else None
        hook = working.flow.on_answer
        if hook is not None:
            progress = hook(voice.view(turn, working), current.name, chat.platform)
            working.scratch[KEPT] = dict(progress.kept)
            note = progress.note or note
        return self._onward(voice, turn, chat, row, working, note)

    def _submit(
        self, voice: Voice[Any, Any], turn: Any, row: ChatState | None, working: Working
    ) -> Any:
        reply, over = voice.submit(turn, working)
        if over:
            self.forget(turn.session, row, flush=voice.flush)
        return reply

    def _save(
        self,
        voice: Voice[Any, Any],
        session: Session,
        chat: ChatRef,
        row: ChatState | None,
        working: Working,
        reply: Any,
        step: str,
        loaded: bool = True,
    ) -> None:
        """Where the chat is now: the flow, its open question and the answers so far.
        `loaded`: the chat's state was read in this turn (so `row` None means it has none)."""
        scratch = voice.remember(working, reply)
        working.scratch = scratch
        if not voice.keeps(working):
            return
        state = row if row is not None else ChatState(working.flow.name)
        state.flow = working.flow.name
        state.step = step
        state.answers = dict(working.answers)
        state.history = list(working.history)
        state.scratch = scratch
        self.states.save(
            session,
            chat.platform,
            chat.chat_key,
            state,
            self.clock.now(),
            known_absent=row is None and loaded,
            flush=voice.flush,
        )

    # --- menu --------------------------------------------------------------------------

    def _menu_text(self, turn: Turn) -> str:
        return self.staff.menu_text(turn)

    def _menu(self, turn: Turn, greeting: bool = False) -> Reply:
        flows = self.registry.menu(turn)
        options = tuple(Option(flow.name, flow.title) for flow in flows)
        # The options carry the list; the text only asks (a renderer numbers or buttons them).
        text = "What would you like to do?" if flows else self._menu_text(turn)
        if greeting:
            text = f"Hello {turn.actor.name.split()[0]}. " + text
        return Reply(text, options)

    def _help(self, turn: Turn) -> Reply:
        """What this person can do, by role, in one message (flows not on the menu too)."""
        flows = self.registry.for_actor(turn.actor)
        if not flows:
            return Reply("There is nothing you can do here yet. Please ask your SENCO.")
        order = list(ROLE_LABELS)
        roles = [ROLE_LABELS[r] for r in sorted(turn.actor.roles, key=order.index)]
        article = "an" if roles[0][0] in "aeiou" else "a"
        lines = [f"You are signed in as {article} {_and(roles)}. You can:"]
        for flow in flows:
            word = flow.triggers[0] if flow.triggers else flow.name
            lines.append(f"- {flow.title} ('{word}'): {flow.describe}".rstrip(": "))
        if self.web_url:
            lines.append(web_link.HELP_LINE)
        lines.append(
            "Type a word in quotes or 'menu' to start. While answering, 'back', 'cancel' "
            "and 'help' always work."
        )
        options = tuple(Option(f.name, f.title) for f in self.registry.menu(turn))
        return Reply("\n".join(lines), options)

    def _ttl_words(self) -> str:
        hours = int(self.ttl.total_seconds() // 3600)
        return f"{hours} hours" if hours != 1 else "1 hour"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
