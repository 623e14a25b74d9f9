"""The python-telegram-bot Application: thin handlers over the chat router and staff engine.

Every update is claimed by its `update_id` in the database first, so a webhook retry or a
second worker never handles it twice. Handlers build an `Incoming`, call the platform-neutral
core in a worker thread (`asyncio.to_thread`), and send back what it says.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from sendbot.conversations.engine import ChatRef, Reply
from sendbot.conversations.parent_chat import (
    COMMANDS,
    ChatRouter,
    Incoming,
    Outcome,
    command_descriptions,
)
from sendbot.delivery.concern_alerts import ACK, VIEW
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.handlers.telegram.layout import deliver
from sendbot.i18n.languages import ENGLISH, PARENT_LANGUAGES, resolve
from sendbot.i18n.writer import Writer
from sendbot.scheduling import actions as scheduler_actions
from sendbot.services import events, safeguarding
from sendbot.services.actors import StaffActor
from sendbot.serving.core import Core
from sendbot.store.models import School

log = logging.getLogger(__name__)

PLATFORM = "telegram"
DEFAULT_API_ROOT = "https://api.telegram.org"
OPTION_PREFIX = "o:"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_root: str = DEFAULT_API_ROOT


def telegram_language_code(code: str) -> str:
    """Telegram's command menus are keyed by two-letter ISO 639-1 codes."""
    return code.split("_")[0].lower()


def _step_tag(flow: str | None, field: str | None) -> str:
    return hashlib.sha256(f"{flow}/{field}".encode()).hexdigest()[:8]


def staff_reply_message(reply: Reply) -> OutgoingMessage:
    """An engine reply with its options as buttons tied to the question they answer."""
    tag = _step_tag(reply.flow, reply.field)
    buttons = tuple(
        Button(f"{OPTION_PREFIX}{number}:{tag}", option.label[:60])
        for number, option in enumerate(reply.options, start=1)
    )
    return OutgoingMessage(reply.text, buttons=buttons)


class TelegramBot:
    """Owns the Application and routes its updates into the core."""

    def __init__(self, core: Core, config: TelegramSettings) -> None:
        self.core = core
        self.router = ChatRouter(core.sessions, core.clock)
        # Updates that failed before anything was saved: the webhook asks Telegram to retry.
        self.retry_ids: set[int] = set()
        root = config.api_root.rstrip("/")
        self.application: Application = (  # type: ignore[type-arg]
            Application.builder()
            .token(config.token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .build()
        )
        app = self.application
        app.add_handler(TypeHandler(Update, self._claim), group=-1)
        only_new = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(list(COMMANDS), self._command, filters=only_new))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self._edited))
        app.add_handler(MessageHandler(only_new & filters.COMMAND, self._unknown_command))
        app.add_handler(MessageHandler(only_new & filters.TEXT, self._text))
        app.add_handler(MessageHandler(only_new, self._other))
        app.add_handler(CallbackQueryHandler(self._tap))
        app.add_error_handler(self._error)

    # --- once only -------------------------------------------------------------------------

    async def _claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        first = await asyncio.to_thread(
            events.claim,
            self.core.sessions,
            PLATFORM,
            str(update.update_id),
            self.core.clock.now(),
        )
        if not first:
            log.info("telegram update %s seen before; skipped", update.update_id)
            raise ApplicationHandlerStop

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and isinstance(context.error, SQLAlchemyError):
            # The database was unreachable: nothing was committed, so let the update come
            # again rather than lose a parent's message.
            self.retry_ids.add(update.update_id)
            try:
                await asyncio.to_thread(
                    events.release, self.core.sessions, PLATFORM, str(update.update_id)
                )
            except SQLAlchemyError:
                log.warning("could not release telegram update %s", update.update_id)

    def should_retry(self, update: Update) -> bool:
        """After `process_update`: True if Telegram should deliver this update again."""
        if update.update_id in self.retry_ids:
            self.retry_ids.discard(update.update_id)
            return True
        return False

    # --- handlers --------------------------------------------------------------------------

    def _incoming(self, update: Update, kind: str, text: str, args: str = "") -> Incoming:
        chat = update.effective_chat
        user = update.effective_user
        assert chat is not None
        return Incoming(
            platform=PLATFORM,
            chat_key=str(chat.id),
            kind=kind,
            text=text,
            args=args,
            client_language=user.language_code if user else None,
            private=chat.type == "private",
        )

    async def _command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        word, _, rest = message.text.strip().partition(" ")
        name = word.lstrip("/").split("@", 1)[0].lower()
        incoming = self._incoming(update, "command", name, rest.strip()[:128])
        await self._run(update, incoming, staff_text=message.text)

    async def _unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._run(update, self._incoming(update, "command", "help"), staff_text=message.text)

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._run(
            update, self._incoming(update, "text", message.text), staff_text=message.text
        )

    async def _edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, self._incoming(update, "edited", ""), staff_text=None)

    async def _other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Photos, stickers, voice notes: only typed text reaches the school for now.
        await self._run(update, self._incoming(update, "text", ""), staff_text=None)

    async def _tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        if update.effective_chat is None:
            await query.answer()
            return
        await self._run(update, self._incoming(update, "tap", data[:64]), staff_text=None)

    # --- running the core ------------------------------------------------------------------

    async def _run(self, update: Update, incoming: Incoming, staff_text: str | None) -> None:
        outcome: Outcome = await asyncio.to_thread(self.router.handle, incoming)
        if outcome.staff is not None:
            outcome = await self._staff(incoming, outcome, staff_text)
        chat_id = int(incoming.chat_key)
        query = update.callback_query
        if query is not None:
            await query.answer(text=outcome.toast[:200] if outcome.toast else None)
            if outcome.clear_buttons:
                # The step is done: take the buttons off so nobody taps them again.
                await query.edit_message_reply_markup(reply_markup=None)
        for message in outcome.replies:
            await deliver(self.application.bot, chat_id, message)
        if outcome.language is not None:
            await self.set_chat_commands(chat_id, outcome.language)

    async def _staff(self, incoming: Incoming, outcome: Outcome, text: str | None) -> Outcome:
        """A staff chat: the staff conversation engine, one reply a message."""
        actor = outcome.staff
        assert actor is not None
        chat = ChatRef(PLATFORM, incoming.chat_key)
        engine = self.core.conversations
        if incoming.kind == "tap" and scheduler_actions.is_ours(incoming.text):
            return await asyncio.to_thread(self._scheduler_tap, actor, incoming.text)
        if incoming.kind == "tap" and incoming.text.startswith((f"{ACK}:", f"{VIEW}:")):
            return await asyncio.to_thread(self._alert_tap, actor, incoming.text)
        if incoming.kind == "tap":
            said = await asyncio.to_thread(self._option_text, incoming)
            if said is None:
                reply = await asyncio.to_thread(engine.resume, chat, actor)
                note = "That button belongs to an earlier question.\n\n"
                message = staff_reply_message(reply)
                return Outcome(
                    [OutgoingMessage(note + message.text, buttons=message.buttons)],
                    toast="Out of date",
                )
            text = said
        if incoming.kind == "command" and incoming.text in ("start", "help"):
            text = "help" if incoming.text == "help" else "menu"
        if text is None or not text.strip():
            return Outcome(
                [OutgoingMessage("Please type your answer, or 'menu' to see what you can do.")]
            )
        reply = await asyncio.to_thread(engine.handle, chat, actor, text)
        return Outcome([staff_reply_message(reply)], toast=None)

    def _scheduler_tap(self, actor: StaffActor, action_id: str) -> Outcome:
        """A reminder's or prompt's button: the scheduler's handler re-authorises it."""
        with self.core.sessions() as session, session.begin():
            result = scheduler_actions.tap(session, actor, action_id, self.core.clock.now())
        if result is None:  # is_ours said it was; kept for safety
            return Outcome([OutgoingMessage("That button is out of date.")], toast="Out of date")
        outcome = Outcome([OutgoingMessage(result.text)], toast=result.text.split("\n")[0])
        outcome.clear_buttons = result.done and result.kind != scheduler_actions.REVIEW_PUPIL
        return outcome

    def _alert_tap(self, actor: StaffActor, data: str) -> Outcome:
        """An alert's or escalation's buttons. Acknowledge goes to the safeguarding service,
        which decides who may; the details are never sent into a Telegram chat, where they
        would stay in the phone's history."""
        kind, _, number = data.partition(":")
        if kind == VIEW or not number.isdigit():
            text = (
                "The details of a concern are not sent in Telegram. Open them with View "
                "details in sendbot on Slack, or ask the designated safeguarding lead."
            )
            return Outcome([OutgoingMessage(text)], toast="Not in Telegram")
        now = self.core.clock.now()
        with self.core.sessions() as session, session.begin():
            result = safeguarding.acknowledge(session, actor, int(number), now)
            tz = ZoneInfo(self._timezone(session, actor))
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

    @staticmethod
    def _timezone(session: Any, actor: StaffActor) -> str:
        school = session.get(School, actor.school_id)
        return school.timezone if school else "Europe/London"

    def _option_text(self, incoming: Incoming) -> str | None:
        """'o:2:tag' means option 2 of the question with that tag; None if it moved on."""
        if not incoming.text.startswith(OPTION_PREFIX):
            return None
        try:
            _, number, tag = incoming.text.split(":", 2)
        except ValueError:
            return None
        flow, field = self.router.current_step(incoming.platform, incoming.chat_key)
        if tag != _step_tag(flow, field) or not number.isdigit():
            return None
        return number

    # --- command menus ---------------------------------------------------------------------

    async def set_default_commands(self) -> None:
        """The command menu in English and in every parent language Telegram can key."""
        await self.application.bot.set_my_commands(_commands(Writer(ENGLISH)))
        for language in PARENT_LANGUAGES:
            await self.application.bot.set_my_commands(
                _commands(Writer(language)), language_code=telegram_language_code(language.code)
            )

    async def set_chat_commands(self, chat_id: int, language_code: str) -> None:
        """The menu in the language this parent chose, whatever their app's language."""
        await self.application.bot.set_my_commands(
            _commands(Writer(resolve(language_code))), scope=BotCommandScopeChat(chat_id)
        )


def _commands(w: Writer) -> list[BotCommand]:
    return [BotCommand(name, text[:256]) for name, text in command_descriptions(w)]
