"""Parents' and carers' side of the chat: linking, language, /mychild, views, talk to school.

Platform-neutral: an adapter turns an update into an `Incoming` and sends back the
`OutgoingMessage`s of the `Outcome`. Each call is one database transaction; the half-finished
dialogs (parents' views, a message waiting for "which child?", a staff reply) are rows in
`conversation_state`, never process memory. Who the chat is gets re-read on every message
and tap, and every tapped id is re-authorised by the service it reaches.

Staff chats go to the staff conversation engine (`StaffChat`) in the same transaction, except
a staff reply to a parent's message, which is handled here. The update's id is claimed in that
transaction too, so a retried or raced update is handled once, and a failure leaves no claim.

The parent-facing strings go through the language team's `Writer._`; the ones their
catalogs do not hold yet show in English until extracted (see docs/flows/parents.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sendbot.clock import Clock
from sendbot.conversations.chat import Incoming, Outcome
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.conversations.staff_chat import StaffChat
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.i18n.languages import ENGLISH, PARENT_LANGUAGES, resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.freetext import FreeText
from sendbot.services import action_ids, events, invites, meetings, parents, rate_limit
from sendbot.services.action_ids import Action
from sendbot.services.actors import StaffActor
from sendbot.services.conversation_state import ChatState, again_if_stale
from sendbot.services.policy import PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

LANG_PREFIX = "lang:"
CANCEL = "cancel"
SKIP = "skip"
SEND = "send"
VIEWS_FLOW = "parent.views"
MESSAGE_FLOW = "parent.message"
OUR_FLOWS = (VIEWS_FLOW, MESSAGE_FLOW)
COMMANDS = ("start", "help", "language", "mychild", "stop")


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


class ChatRouter:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, engine: Engine | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.staff_chat = StaffChat(engine or Engine(sessions, REGISTRY, clock))
        self.states = self.staff_chat.engine.states

    # --- entry -----------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Outcome:
        """One update, one transaction; tried again once if another worker changed the same
        conversation meanwhile (the first try is rolled back whole, its claim included)."""

        def once() -> Outcome:
            with self.sessions() as session, session.begin():
                return self._entry(session, incoming)

        return again_if_stale(once)

    def _entry(self, session: Session, incoming: Incoming) -> Outcome:
        now = self.clock.now()
        if incoming.event_id is not None and not events.claim_in(
            session, incoming.platform, incoming.event_id, now
        ):
            return Outcome(duplicate=True)
        scope = f"{incoming.platform}:chat"
        if not rate_limit.admit(session, scope, incoming.chat_key, now):
            return _say(self._slow_down(session, incoming), toast=incoming.kind == "tap")
        return self._handle(session, incoming)

    def _slow_down(self, session: Session, m: Incoming) -> str:
        """The rate limit's message, in the parent's chosen language when we know them."""
        owner = invites.owner_of(session, m.platform, m.chat_key, self.clock.now())
        if owner is not None and owner.guardian_id is not None:
            w = self._writer(session, owner.guardian_id)
        else:
            w = Writer(resolve(m.client_language) if m.client_language else ENGLISH)
        return w._(
            "You're sending messages faster than I can read them. Please wait a minute, then "
            "carry on: nothing you've already answered is lost."
        )

    def _handle(self, session: Session, m: Incoming) -> Outcome:
        now = self.clock.now()
        stranger_w = Writer(resolve(m.client_language) if m.client_language else ENGLISH)
        if not m.private:
            return _say(
                stranger_w._("I only talk in private chats. Please message me directly."),
                toast=m.kind == "tap",
            )
        if m.kind == "command" and m.text == "start" and m.args.strip():
            return self._redeem(session, m, now, stranger_w)
        owner = invites.owner_of(session, m.platform, m.chat_key, now)
        if owner is None:
            return self._stranger(m, stranger_w)
        if owner.staff is not None:
            return self._staff(session, m, owner.staff, now)
        assert owner.guardian_id is not None
        w = self._writer(session, owner.guardian_id)
        if not owner.active:
            if m.kind == "command" and m.text == "start":
                parents.resume(session, owner.identity_id, now)
                out = _say(w._("Welcome back. You will get messages from me again."))
                out.replies.append(self._help(w))
                return out
            return _say(
                w._("You have stopped messages from me. To start again, send /start."),
                toast=m.kind == "tap",
            )
        if m.kind == "edited":
            return _say(
                w._(
                    "I cannot pass on changes to a message you already sent. "
                    "Please send a new message instead."
                )
            )
        if m.kind == "command":
            return self._command(session, m, owner.guardian_id, owner.identity_id, w, now)
        if m.kind == "tap":
            return self._tap(session, m, owner.guardian_id, w, now)
        return self._text(session, m, owner.guardian_id, w, now)

    # --- people we do not know -----------------------------------------------------------

    def _stranger(self, m: Incoming, w: Writer) -> Outcome:
        text = w._(
            "Hello. I am the messaging service of your child's school. I only talk to "
            "parents and carers the school has invited. To join, open the link or scan the "
            "QR code in the letter from school."
        )
        return _say(text, toast=m.kind == "tap")

    def _redeem(self, session: Session, m: Incoming, now: datetime, w: Writer) -> Outcome:
        result = invites.redeem(session, m.platform, m.chat_key, m.args.strip(), now)
        if result.status == "slowed":
            return _say(
                w._(
                    "That did not work several times. Please wait {minutes} minutes and try "
                    "again, or ask the school for a new link.",
                    minutes=w.number(result.wait_minutes),
                )
            )
        if result.status == "taken":
            return _say(
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
            return _say(
                reason
                + "\n\n"
                + w._("Please ask the school for a new link. They can send you a new letter.")
            )
        if result.staff_id is not None:
            out = _say(
                f"Hello {result.first_name}. This Telegram account is now linked to your "
                f"staff account at {result.school_name}. Type 'menu' to see what you can do."
            )
            out.linked = "staff"
            return out
        assert result.guardian_id is not None
        gw = self._writer(session, result.guardian_id)
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
        out = Outcome([OutgoingMessage(text, buttons=language_choice_buttons())], linked="guardian")
        return out

    # --- staff -----------------------------------------------------------------------------

    def _staff(self, session: Session, m: Incoming, actor: StaffActor, now: datetime) -> Outcome:
        return self.staff_chat.answer(session, m, actor, now)

    # --- guardians -------------------------------------------------------------------------

    def _writer(self, session: Session, guardian_id: int) -> Writer:
        language, script, timezone = parents.reading(session, guardian_id)
        return Writer(resolve(language, script), timezone)

    def _help(self, w: Writer) -> OutgoingMessage:
        lines = [w._("This is what I can do:")]
        lines += [f"/{name} - {text}" for name, text in command_descriptions(w)]
        lines.append(w._("To send a message to the school, just type it here."))
        return OutgoingMessage("\n".join(lines), language=w.language.code)

    def _command(
        self,
        session: Session,
        m: Incoming,
        guardian_id: int,
        identity_id: int,
        w: Writer,
        now: datetime,
    ) -> Outcome:
        self._clear_state(session, m)
        if m.text == "language":
            return Outcome(
                [
                    OutgoingMessage(
                        w._("Which language would you like me to use?"),
                        buttons=language_choice_buttons(),
                    )
                ]
            )
        if m.text == "mychild":
            kids = parents.children(session, guardian_id)
            if not kids:
                return _say(w._("I cannot find a child linked to you. Please ask the school."))
            if len(kids) == 1:
                return self._my_child(session, guardian_id, kids[0].pupil_id, w, now)
            return Outcome(
                [
                    OutgoingMessage(
                        w._("Which child?"),
                        buttons=tuple(
                            Button(
                                action_ids.encode(session, Action("child", k.pupil_id, "mychild")),
                                k.name,
                            )
                            for k in kids
                        ),
                    )
                ]
            )
        if m.text == "stop":
            parents.stop(session, identity_id, now)
            return _say(
                w._(
                    "You will not get any more messages from me. We have told the school. "
                    "To start again, send /start."
                )
            )
        if m.text == "start":
            return _say(w._("Hello again. You are connected to the school."), self._help(w))
        return Outcome([self._help(w)])

    def _my_child(
        self, session: Session, guardian_id: int, pupil_id: int, w: Writer, now: datetime
    ) -> Outcome:
        summary = parents.my_child(session, guardian_id, pupil_id, now)
        free = FreeText(w)
        parts = [summary.name]
        kind = {
            "sen_support": w._(
                "{child} gets extra help in school (SEN support).", child=summary.name
            ),
            "ehc_plan": w._(
                "{child} has an Education, Health and Care plan (EHC plan).", child=summary.name
            ),
            "monitoring": w._(
                "The school is keeping a close eye on how {child} is doing.", child=summary.name
            ),
        }.get(summary.plan_kind or "")
        if kind:
            parts.append(kind)
        if summary.targets:
            lines = [w._("What {child} is working on now:", child=summary.name)]
            for target in summary.targets:
                line = "• " + free(target.wording)
                if target.due_on:
                    line += " " + w._("(by {date})", date=w.date(target.due_on))
                lines.append(line)
            parts.append("\n".join(lines))
        else:
            parts.append(w._("There are no targets for {child} at the moment.", child=summary.name))
        if summary.next_meeting_at:
            parts.append(
                w._(
                    "Next meeting: {date} at {time}",
                    date=w.local_date(summary.next_meeting_at),
                    time=w.time(summary.next_meeting_at),
                )
            )
        if summary.next_review_on:
            parts.append(w._("Next review: {date}", date=w.date(summary.next_review_on)))
        parts += free.notes()
        return Outcome([OutgoingMessage("\n\n".join(parts), language=w.language.code)])

    # --- taps ------------------------------------------------------------------------------

    def _tap(
        self, session: Session, m: Incoming, guardian_id: int, w: Writer, now: datetime
    ) -> Outcome:
        data = m.text
        if data.startswith(LANG_PREFIX):
            return self._choose_language(session, guardian_id, data[len(LANG_PREFIX) :], now)
        state = self._state(session, m)
        if data == CANCEL:
            if state is not None:
                self.states.clear(session, state, flush=False)
            return _say(w._("Cancelled. Nothing was sent."), toast=True)
        if data in (SKIP, SEND) and state is not None and state.flow == VIEWS_FLOW:
            return self._views_step(session, m, state, guardian_id, w, now, data)
        action = action_ids.decode(session, data)
        if action is None:
            return self._refused(w)
        if action.kind == "rsvp":
            return self._rsvp(session, guardian_id, data, w, now)
        if action.kind in ("views", "views_skip"):
            target = meetings.views_target_for(session, guardian_id, action, now)
            if target.status == "refused":
                return self._refused(w)
            if target.status != "ok":
                return self._meeting_gone(target.status, w)
            if action.kind == "views_skip":
                return _say(
                    w._("That is fine. You can still tell us your views at the meeting."),
                    toast=True,
                )
            self._save_state(
                session, m, VIEWS_FLOW, "going_well", {"invitation_id": target.invitation_id}, now
            )
            intro = w._(
                "Thank you. I will ask three short questions about {child}. You can skip any of them.",
                child=target.child_name,
            )
            if target.already:
                intro = (
                    w._("Your new answers will replace the ones you sent before.") + "\n\n" + intro
                )
            return Outcome(
                [
                    OutgoingMessage(intro),
                    self._views_question("going_well", target.child_name or "", w),
                ]
            )
        if action.kind == "child":
            try:
                child = parents.require_child(session, guardian_id, action.subject_id)
            except PermissionDenied:
                return self._refused(w)
            if action.value == "mychild":
                return self._my_child(session, guardian_id, child.pupil_id, w, now)
            if action.value == "message" and state is not None and state.flow == MESSAGE_FLOW:
                text = str(state.scratch.get("text", ""))
                self.states.clear(session, state, flush=False)
                return self._send_to_school(session, guardian_id, child.pupil_id, text, w, now)
            return _say(w._("This button is too old. Please type your message again."), toast=True)
        return self._refused(w)

    def _refused(self, w: Writer) -> Outcome:
        return _say(
            w._("Sorry, I cannot do that. This button is too old, or it is not for you."),
            toast=True,
        )

    def _meeting_gone(self, status: str, w: Writer) -> Outcome:
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
        return _say(text, toast=True)

    def _choose_language(
        self, session: Session, guardian_id: int, code: str, now: datetime
    ) -> Outcome:
        try:
            language = parents.set_language(session, guardian_id, code, now)
        except ValueError:
            return Outcome(toast="?")
        w = Writer(language, parents.reading(session, guardian_id)[2])
        text = w._("Thank you. I will write to you in {language}.", language=language.native_name)
        out = _say(text, self._help(w), toast=True)
        out.language = language.code
        return out

    def _rsvp(
        self, session: Session, guardian_id: int, token: str, w: Writer, now: datetime
    ) -> Outcome:
        result = meetings.answer(session, guardian_id, token, now)
        if result.status == "refused":
            return self._refused(w)
        if result.status in ("stale", "past", "cancelled"):
            return self._meeting_gone(result.status, w)
        if result.status == "unchanged":
            return _say(w._("You already told us this. Thank you."), toast=True)
        if result.status == "interpreter_again":
            return _say(
                w._("We already know you would like an interpreter. The school will arrange it."),
                toast=True,
            )
        if result.status == "interpreter":
            return _say(
                w._(
                    "Thank you. We have asked the school to book an interpreter for you. "
                    "It is free."
                ),
                toast=True,
            )
        said = {
            "yes": w._("Thank you. We have told the school you will come."),
            "no": w._("Thank you for telling us. We have told the school you cannot come."),
            "other_time": w._("Thank you. The school will contact you to offer another time."),
        }[result.answer or ""]
        if result.previous:
            said = w._("We have changed your answer.") + " " + said
        return _say(said, toast=True)

    # --- typed text ------------------------------------------------------------------------

    def _text(
        self, session: Session, m: Incoming, guardian_id: int, w: Writer, now: datetime
    ) -> Outcome:
        state = self._state(session, m)
        said = m.text.strip()
        if state is not None and state.flow == VIEWS_FLOW:
            if said.lower() in ("cancel", "/cancel"):
                self.states.clear(session, state, flush=False)
                return _say(w._("Cancelled. Nothing was sent."))
            return self._views_step(session, m, state, guardian_id, w, now, said)
        if state is not None:
            self.states.clear(session, state)
        if not said:
            return Outcome([self._help(w)])
        if len(said) > parents.MESSAGE_LIMIT:
            return _say(
                w._(
                    "That message is too long. Please send it in parts of up to {limit} characters.",
                    limit=w.number(parents.MESSAGE_LIMIT),
                )
            )
        kids = parents.children(session, guardian_id)
        if not kids:
            return _say(w._("I cannot find a child linked to you. Please ask the school."))
        if len(kids) == 1:
            return self._send_to_school(session, guardian_id, kids[0].pupil_id, said, w, now)
        self._save_state(session, m, MESSAGE_FLOW, "child", {"text": said}, now)
        buttons = tuple(
            Button(action_ids.encode(session, Action("child", k.pupil_id, "message")), k.name)
            for k in kids
        ) + (Button(CANCEL, w._("Cancel")),)
        return Outcome(
            [OutgoingMessage(w._("Which child is this message about?"), buttons=buttons)]
        )

    def _send_to_school(
        self, session: Session, guardian_id: int, pupil_id: int, text: str, w: Writer, now: datetime
    ) -> Outcome:
        sent = parents.message_school(session, guardian_id, pupil_id, text, w.language.code, now)
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
        return _say("\n\n".join(parts))

    # --- parents' views --------------------------------------------------------------------

    def _views_question(self, step: str, child: str, w: Writer) -> OutgoingMessage:
        question = {
            "going_well": w._("What is going well for {child}?", child=child),
            "worries": w._("Is there anything that worries you about {child}?", child=child),
            "hopes": w._("What do you hope for {child} in the next year?", child=child),
        }[step]
        return OutgoingMessage(
            question,
            buttons=(Button(SKIP, w._("Skip this question")), Button(CANCEL, w._("Cancel"))),
        )

    def _views_step(
        self,
        session: Session,
        m: Incoming,
        state: ChatState,
        guardian_id: int,
        w: Writer,
        now: datetime,
        said: str,
    ) -> Outcome:
        invitation_id = int(state.scratch["invitation_id"])
        target = meetings.views_target_for(
            session, guardian_id, Action("views", invitation_id), now
        )
        if target.status == "refused":
            self.states.clear(session, state, flush=False)
            return self._refused(w)
        child = target.child_name or ""
        answers: dict[str, Any] = dict(state.answers)
        step = state.step or "going_well"
        if said == SEND and step != "confirm":
            return Outcome([self._views_question(step, child, w)])
        if step == "confirm":
            if said == SEND:
                meetings.save_views(
                    session, guardian_id, invitation_id, answers, w.language.code, now
                )
                self.states.clear(session, state, flush=False)
                return _say(
                    w._(
                        "Thank you. Your views are saved for the meeting about {child}.",
                        child=child,
                    ),
                    toast=True,
                )
            return Outcome([self._views_summary(answers, child, w)])
        if len(said) > meetings.VIEWS_LIMIT:
            return _say(
                w._(
                    "Please keep each answer under {limit} characters.",
                    limit=w.number(meetings.VIEWS_LIMIT),
                ),
                self._views_question(step, child, w),
            )
        answers[step] = None if said == SKIP or said.lower() == "skip" else said
        order = list(meetings.VIEW_QUESTIONS)
        following = order[order.index(step) + 1] if step != order[-1] else "confirm"
        state.answers = answers
        state.step = following
        self.states.save(session, m.platform, m.chat_key, state, now)
        if following == "confirm":
            return Outcome([self._views_summary(answers, child, w)])
        return Outcome([self._views_question(following, child, w)])

    def _views_summary(self, answers: dict[str, Any], child: str, w: Writer) -> OutgoingMessage:
        titles = {
            "going_well": w._("Going well"),
            "worries": w._("Worries"),
            "hopes": w._("Hopes"),
        }
        lines = [w._("Your views about {child}:", child=child)]
        for key in meetings.VIEW_QUESTIONS:
            value = answers.get(key)
            lines.append(f"{titles[key]}: {w.isolate(value) if value else '-'}")
        lines.append(w._("Shall I send these to the school?"))
        return OutgoingMessage(
            "\n".join(lines),
            buttons=(
                Button(SEND, w._("Send to the school"), "primary"),
                Button(CANCEL, w._("Cancel")),
            ),
        )

    # --- state -----------------------------------------------------------------------------

    def _state(self, session: Session, m: Incoming) -> ChatState | None:
        row = self.states.load(session, m.platform, m.chat_key)
        if row is None or row.flow not in OUR_FLOWS:
            return None
        if row.expired(self.clock.now()):
            self.states.clear(session, row)
            return None
        return row

    def _clear_state(self, session: Session, m: Incoming) -> None:
        row = self._state(session, m)
        if row is not None:
            self.states.clear(session, row)

    def _save_state(
        self,
        session: Session,
        m: Incoming,
        flow: str,
        step: str,
        scratch: dict[str, Any],
        now: datetime,
    ) -> None:
        state = self.states.load(session, m.platform, m.chat_key) or ChatState(flow)
        state.flow = flow
        state.step = step
        state.answers = {}
        state.history = []
        state.scratch = scratch
        self.states.save(session, m.platform, m.chat_key, state, now)
        session.flush()


def _say(text: str, *more: OutgoingMessage, toast: bool | str = False) -> Outcome:
    """One reply (and any more); `toast` also shows the first line on the tapped button."""
    note = None
    if toast:
        note = toast if isinstance(toast, str) else text.split("\n")[0][:190]
    return Outcome([OutgoingMessage(text), *more], toast=note)
