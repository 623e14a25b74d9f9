"""The conversation engine: one message in, exactly one reply out, state in the database.

Each turn is one transaction: load the chat's state, apply the message, save the state (and,
on the final step, the record the flow creates). If anything fails, the transaction rolls
back and the person's earlier answers are exactly as they were, so a typo, a restart or a
second worker never loses a half-finished concern.

One engine runs every declared flow: staff flows step by step here, the parents' flows in
their own language through `parents` (`parent_dialogs`), both over one conversation-state
store with one expiry (`states`). Slack modals show the same flows as forms (`forms`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sendbot.clock import Clock
from sendbot.conversations.fields import (
    CHANGE,
    DEFAULT_WORDS,
    SAVE,
    Accept,
    Clarify,
    ConfirmField,
    Field,
    Option,
    Outcome,
    Reject,
    skips,
)
from sendbot.conversations.flow import Flow, FlowRegistry, SubmitRefused
from sendbot.conversations.parent_dialogs import ParentDialogs
from sendbot.conversations.turn import Turn
from sendbot.domain.people import ROLE_LABELS
from sendbot.services import rate_limit
from sendbot.services.actors import StaffActor
from sendbot.services.conversation_state import (
    ChatState,
    ConversationStore,
    StoreUnavailable,
    again_if_stale,
    unavailable_as_ours,
)
from sendbot.services.policy import PermissionDenied
from sendbot.services.school_time import school_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["BACK", "CANCEL", "HELP", "MENU", "ChatRef", "Engine", "Reply", "again_if_stale"]

log = logging.getLogger(__name__)

BACK = ("back", "/back")
CANCEL = ("cancel", "/cancel", "stop")
HELP = ("help", "/help", "?")
MENU = ("menu", "/menu", "start", "/start", "hi", "hello")
UNAVAILABLE = (
    "Sorry, I can't reach the school's records just now. Nothing you typed is lost: "
    "please try again in a minute."
)
# Field kinds that read numbers themselves ('2,5' absentees, '30' minutes), not as options.
OWN_NUMBERING = ("number", "multi_choice")


@dataclass(frozen=True)
class ChatRef:
    """Where a conversation happens: the platform and its own key for the chat and person."""

    platform: str
    chat_key: str


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    flow: str | None = None
    field: str | None = None
    done: bool = False


@dataclass
class _Working:
    """The state of one chat while a turn is handled."""

    flow: Flow
    answers: dict[str, Any]
    history: list[str]
    scratch: dict[str, Any] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        registry: FlowRegistry,
        clock: Clock,
        ttl: timedelta = timedelta(hours=24),
        limit: rate_limit.RateLimit | None = rate_limit.DEFAULT,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.clock = clock
        self.ttl = ttl
        self.states = ConversationStore(ttl)
        # The parents' flows, in their language, over the same store and expiry.
        self.parents = ParentDialogs(self.states, clock)
        self.limit = limit

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
        turn = self._make_turn(session, actor)
        row = self._load(session, chat)
        if row is None:
            return self._menu(turn, greeting=True)
        working = self._working(row)
        if working is None:
            return self._menu(turn, greeting=True)
        reply = self._ask(turn, working)
        return Reply(
            f"You have an unfinished {working.flow.title.lower()}. Let's carry on.\n\n{reply.text}",
            reply.options,
            reply.flow,
            reply.field,
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
        turn = self._make_turn(session, actor)
        row = self._load(session, chat)
        working = _Working(flow, dict(prefill or {}), list(prefill or {}))
        return self._begin(turn, chat, row, working)

    def leave_on_command(self, session: Session, chat: ChatRef) -> bool:
        """Forget a flow a command leaves unfinished (a reply to a parent); True if one was."""
        row = self._load(session, chat)
        flow = self.registry.get(row.flow) if row is not None else None
        if row is None or flow is None or not flow.ends_on_command:
            return False
        self.states.clear(session, row)
        return True

    # --- one turn ----------------------------------------------------------------------

    def _make_turn(self, session: Session, actor: StaffActor) -> Turn:
        now = self.clock.now()
        tz = school_zone(session, actor.school_id)
        return Turn(session=session, actor=actor, now=now, today=now.astimezone(tz).date(), tz=tz)

    def _load(self, session: Session, chat: ChatRef) -> ChatState | None:
        return self.states.load(session, chat.platform, chat.chat_key)

    def _working(self, row: ChatState) -> _Working | None:
        flow = self.registry.get(row.flow)
        if flow is None:
            return None
        return _Working(flow, dict(row.answers), list(row.history), dict(row.scratch))

    def turn_in(self, session: Session, chat: ChatRef, actor: StaffActor, text: str) -> Reply:
        """One message inside the caller's transaction, which has already counted it against
        the sender's rate limit; the caller retries the whole transaction on StaleDataError."""
        turn = self._make_turn(session, actor)
        row = self._load(session, chat)
        said = " ".join(text.strip().lower().split())
        expired_note = ""
        if row is not None and row.expired(turn.now):
            flow = self.registry.get(row.flow)
            title = flow.title.lower() if flow else "conversation"
            expired_note = f"Your unfinished {title} was more than {self._ttl_words()} old, so I cleared it.\n\n"
            self.states.clear(session, row)
            row = None
        working = self._working(row) if row is not None else None

        if working is None:
            reply = self._idle(turn, chat, row, said, text)
            return Reply(
                expired_note + reply.text, reply.options, reply.flow, reply.field, reply.done
            )

        if said in CANCEL:
            assert row is not None
            self.states.clear(session, row, flush=False)
            if working.flow.cancel_note is not None:
                return Reply(working.flow.cancel_note, flow=working.flow.name, done=True)
            return Reply(f"Cancelled. Nothing was saved.\n\n{self._menu_text(turn)}", done=True)
        if said in HELP:
            reply = self._ask(turn, working)
            current = working.flow.next_field(working.answers, self._for(turn, working))
            help_text = current.help if current is not None else ""
            lines = [help_text] if help_text else []
            lines.append(
                "Type 'back' to change your last answer, or 'cancel' to stop. Nothing is saved until the last step."
            )
            return Reply(
                "\n".join(lines) + "\n\n" + reply.text, reply.options, reply.flow, reply.field
            )
        if said in BACK:
            return self._back(session, turn, chat, row, working)
        return self._answer(session, turn, chat, row, working, text)

    def _idle(
        self, turn: Turn, chat: ChatRef, row: ChatState | None, said: str, text: str
    ) -> Reply:
        flow = self.registry.match(turn.actor, said, turn)
        if flow is None:
            if said in HELP:
                return self._help(turn)
            if said in MENU:
                return self._menu(turn, greeting=True)
            return Reply(
                f"Sorry, I didn't understand '{text.strip()[:60]}'.\n\n{self._menu_text(turn)}"
            )
        return self._begin(turn, chat, row, _Working(flow, {}, []))

    def _begin(self, turn: Turn, chat: ChatRef, row: ChatState | None, working: _Working) -> Reply:
        """Ask the first question; a read-only flow with nothing to ask answers at once."""
        if working.flow.next_field(working.answers, self._for(turn, working)) is None:
            if row is not None:
                self.states.clear(turn.session, row, flush=False)
            return self._submit(turn.session, turn, None, working)
        reply = self._ask(turn, working, intro=True)
        self._save(turn.session, chat, row, working, reply)
        return reply

    def _back(
        self,
        session: Session,
        turn: Turn,
        chat: ChatRef,
        row: ChatState | None,
        working: _Working,
    ) -> Reply:
        if working.scratch.get("candidates"):
            working.scratch = {}
        elif working.history:
            last = working.history.pop()
            working.answers.pop(last, None)
            working.answers = working.flow.applicable_answers(
                working.answers, self._for(turn, working)
            )
        else:
            reply = self._ask(turn, working)
            return Reply(
                "This is the first question.\n\n" + reply.text,
                reply.options,
                reply.flow,
                reply.field,
            )
        reply = self._ask(turn, working)
        self._save(session, chat, row, working, reply)
        return reply

    def _answer(
        self,
        session: Session,
        turn: Turn,
        chat: ChatRef,
        row: ChatState | None,
        working: _Working,
        text: str,
    ) -> Reply:
        turn = self._for(turn, working)
        current = working.flow.next_field(working.answers, turn)
        assert current is not None
        try:
            outcome = self._parse(turn, working, current, text)
        except PermissionDenied as exc:
            return self._ask(turn, working, note=str(exc))
        if isinstance(outcome, Reject):
            return self._ask(turn, working, note=outcome.message)
        if isinstance(outcome, Clarify):
            working.scratch = dict(outcome.scratch)
            reply = Reply(outcome.text, outcome.options, working.flow.name, current.name)
            self._save(session, chat, row, working, reply)
            return reply
        assert isinstance(outcome, Accept)
        if current.check is not None and outcome.value is not None:
            problem = current.check(turn, outcome.value)
            if problem:
                working.scratch = {}
                reply = self._ask(turn, working, note=problem)
                self._save(session, chat, row, working, reply)
                return reply
        working.scratch = {}
        if isinstance(current, ConfirmField):
            if outcome.value == CHANGE:
                return self._back(session, turn, chat, row, working)
            assert outcome.value == SAVE
            return self._submit(session, turn, row, working)
        working.answers[current.name] = outcome.value
        working.answers = working.flow.applicable_answers(working.answers, self._for(turn, working))
        working.history.append(current.name)
        if working.flow.next_field(working.answers, self._for(turn, working)) is None:
            return self._submit(session, turn, row, working)
        note = current.after(outcome.value) if current.after else None
        reply = self._ask(turn, working, note=note)
        self._save(session, chat, row, working, reply)
        return reply

    def _parse(self, turn: Turn, working: _Working, current: Field, text: str) -> Outcome:
        """Defaults ('ok' or nothing), skips of optional questions, then the field's parsing."""
        raw = text if current.kind in OWN_NUMBERING else self._option_value(working, text)
        said = " ".join(raw.strip().lower().split())
        if not working.scratch.get("candidates"):
            if skips(current, raw):
                return Accept(None)
            if current.default is not None and said in DEFAULT_WORDS:
                return current.parse(turn, current.default(turn, turn.answers), working.scratch)
        return current.parse(turn, raw, working.scratch)

    def _submit(
        self, session: Session, turn: Turn, row: ChatState | None, working: _Working
    ) -> Reply:
        turn = self._for(turn, working)
        answers = working.flow.applicable_answers(working.answers, turn)
        try:
            with session.begin_nested():
                confirmation = working.flow.submit(replace(turn, answers=answers), answers)
        except (SubmitRefused, PermissionDenied, ValueError) as exc:
            if working.flow.read_only:
                # Nothing to confirm or change: the refusal is the answer.
                if row is not None:
                    self.states.clear(session, row, flush=False)
                return Reply(str(exc), flow=working.flow.name, done=True)
            turn.memo.clear()  # what the submit undid may change what the menu offers
            reply = self._ask(turn, working)
            return Reply(f"{exc}\n\n{reply.text}", reply.options, reply.flow, reply.field)
        turn.memo.clear()  # what was saved may change what the menu offers
        if row is not None:
            self.states.clear(session, row, flush=False)
        return Reply(confirmation, flow=working.flow.name, done=True)

    # --- asking ------------------------------------------------------------------------

    def _option_value(self, working: _Working, text: str) -> str:
        """'2' means the second option shown; other text is passed on as typed."""
        shown: list[str] = working.scratch.get("shown", [])
        said = text.strip()
        if said.isdecimal() and 1 <= int(said) <= len(shown):
            return shown[int(said) - 1]
        return text

    def _for(self, turn: Turn, working: _Working) -> Turn:
        return replace(turn, answers=dict(working.answers))

    def _ask(
        self, turn: Turn, working: _Working, note: str | None = None, intro: bool = False
    ) -> Reply:
        turn = self._for(turn, working)
        current = working.flow.next_field(working.answers, turn)
        assert current is not None
        if working.scratch.get("candidates") and "question" in working.scratch:
            question = working.scratch["question"]
            options = tuple(Option(v, label) for v, label in working.scratch.get("labels", []))
        elif isinstance(current, ConfirmField):
            question = (
                current.summary(turn, working.flow.applicable_answers(working.answers, turn))
                + "\n\n"
                + current.question
            )
            options = current.options(turn, working.answers)
        else:
            question = current.ask(turn, working.answers)
            options = current.options(turn, working.answers)
        parts = []
        if intro and working.flow.intro:
            parts.append(working.flow.intro)
        if note:
            parts.append(note)
        parts.append(question)
        return Reply("\n\n".join(parts), options, working.flow.name, current.name)

    def _save(
        self,
        session: Session,
        chat: ChatRef,
        row: ChatState | None,
        working: _Working,
        reply: Reply,
    ) -> None:
        scratch = dict(working.scratch)
        scratch["shown"] = [o.value for o in reply.options]
        if scratch.get("candidates"):
            scratch["question"] = reply.text
            scratch["labels"] = [[o.value, o.label] for o in reply.options]
        state = row if row is not None else ChatState(working.flow.name)
        state.flow = working.flow.name
        state.step = reply.field
        state.answers = dict(working.answers)
        state.history = list(working.history)
        state.scratch = scratch
        self.states.save(
            session,
            chat.platform,
            chat.chat_key,
            state,
            self.clock.now(),
            known_absent=row is None,
        )
        working.scratch = scratch

    # --- menu --------------------------------------------------------------------------

    def _menu_text(self, turn: Turn) -> str:
        flows = self.registry.menu(turn)
        if not flows:
            return "There is nothing you can do here yet. Please ask your SENCO."
        lines = ["What would you like to do?"]
        lines += [f"{i}. {flow.title}" for i, flow in enumerate(flows, start=1)]
        return "\n".join(lines)

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
