"""The python-telegram-bot Application: thin handlers over the chat router and staff engine.

Handlers build an `Incoming`, hand it to the platform-neutral chat router in a worker thread
(`asyncio.to_thread`), and send back what it says. The router claims the `update_id` in the
same transaction as the work, so a webhook retry or a second worker never handles it twice;
the replies are saved in it too and sent straight after (`scheduling.replies`), so a 429
delays a reply and never loses it. Every Bot API call is paced (`pacing.py`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sendbot.conversations.chat import Incoming, Outcome
from sendbot.conversations.parent_chat import ChatRouter, command_descriptions
from sendbot.domain.safeguarding import MAX_IMAGE_BYTES
from sendbot.handlers.telegram.pacing import DEFAULT_CALLS_PER_SECOND, CallPacer
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.handlers.telegram.transport import AiohttpRequest
from sendbot.i18n.languages import ENGLISH, PARENT_LANGUAGES, resolve
from sendbot.i18n.writer import Writer
from sendbot.scheduling.replies import ReplyCourier
from sendbot.serving.core import Core

log = logging.getLogger(__name__)


def _photo_of(message: Message | None) -> tuple[str, int] | None:
    """(file id, declared size) of a photo (its largest size) or a file (checked later: only
    an image is kept, and anything else is answered kindly)."""
    if message is None:
        return None
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_size or 0
    document = message.document
    if document is not None:
        return document.file_id, document.file_size or 0
    return None


PLATFORM = "telegram"
DEFAULT_API_ROOT = "https://api.telegram.org"


def _without(query: CallbackQuery, tapped: str) -> InlineKeyboardMarkup | None:
    """The tapped message's keyboard without the tapped button (None if none is left)."""
    old = query.message.reply_markup if isinstance(query.message, Message) else None
    if old is None:
        return None
    rows = [[b for b in row if b.callback_data != tapped] for row in old.inline_keyboard]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_root: str = DEFAULT_API_ROOT
    # Bot API calls a second from this process (every call counts: pacing.py).
    calls_per_second: float | None = DEFAULT_CALLS_PER_SECOND


def telegram_language_code(code: str) -> str:
    """Telegram's command menus are keyed by two-letter ISO 639-1 codes."""
    return code.split("_")[0].lower()


class TelegramBot:
    """Owns the Application and routes its updates into the core."""

    def __init__(self, core: Core, config: TelegramSettings) -> None:
        self.core = core
        # Updates that failed before anything was saved: the webhook asks Telegram to retry.
        self.retry_ids: set[int] = set()
        root = config.api_root.rstrip("/")
        self.application: Application = (
            Application.builder()
            .token(config.token)
            .request(AiohttpRequest())
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .rate_limiter(CallPacer(config.calls_per_second))
            .build()
        )
        app = self.application
        self.sender = TelegramSender(app.bot)
        # Replies are saved with the update and claimed for this courier, which sends them
        # straight after the commit; the scheduler's sweep sends any Telegram refused.
        self.courier = ReplyCourier(core.sessions, core.clock, {PLATFORM: self.sender})
        self.router = ChatRouter(
            core.sessions,
            core.clock,
            core.conversations,
            claim_replies_as=self.courier.worker_id,
        )
        only_new = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self._edited))
        # Every command, ours or not: parents get help for one we do not have, and staff
        # chats pass it to the engine, which knows /menu, /back and /cancel.
        app.add_handler(MessageHandler(only_new & filters.COMMAND, self._command))
        app.add_handler(MessageHandler(only_new & filters.TEXT, self._text))
        app.add_handler(MessageHandler(only_new, self._other))
        app.add_handler(CallbackQueryHandler(self._tap))
        app.add_error_handler(self._error)

    # --- failures ---------------------------------------------------------------------------

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and isinstance(context.error, SQLAlchemyError):
            # The database was unreachable: the update's transaction, its claim included,
            # rolled back, so let it come again rather than lose a parent's message.
            self.retry_ids.add(update.update_id)

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
            event_id=str(update.update_id),
        )

    async def _command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        word, _, rest = message.text.strip().partition(" ")
        name = word.lstrip("/").split("@", 1)[0].lower()
        incoming = self._incoming(update, "command", name, rest.strip()[:128])
        await self._run(update, incoming)

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._run(update, self._incoming(update, "text", message.text))

    async def _edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, self._incoming(update, "edited", ""))

    async def _other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A member of staff's photo (a written note, a body map) goes with a concern; from
        # anyone else, and stickers and voice notes from anyone, only typed text counts.
        incoming = self._incoming(update, "text", "")
        found = _photo_of(update.effective_message)
        if found is not None and incoming.private:
            staff = await asyncio.to_thread(self.router.staff_chat_of, PLATFORM, incoming.chat_key)
            if staff:
                incoming = await self._with_photo(incoming, *found)
        await self._run(update, incoming)

    async def _with_photo(self, incoming: Incoming, file_id: str, declared: int) -> Incoming:
        """The photo fetched from Telegram (getFile, then the file's URL with the bot's
        token), unless the size Telegram declares is over the limit: then only its size."""
        photo: bytes | None = None
        size = declared
        if declared <= MAX_IMAGE_BYTES:
            found = await self.application.bot.get_file(file_id)
            photo = bytes(await found.download_as_bytearray())
            size = len(photo)
        return dataclasses.replace(incoming, kind="photo", photo=photo, photo_size=size)

    async def _tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        if update.effective_chat is None:
            await query.answer()
            return
        await self._run(update, self._incoming(update, "tap", data[:64]))

    # --- running the core ------------------------------------------------------------------

    async def _run(self, update: Update, incoming: Incoming) -> None:
        outcome: Outcome = await asyncio.to_thread(self.router.handle, incoming)
        query = update.callback_query
        if outcome.duplicate:
            log.info("telegram update %s seen before; skipped", update.update_id)
            if query is not None:  # stop the button's spinner, nothing more
                await _best_effort("answer a tap", query.answer())
            return
        chat_id = int(incoming.chat_key)
        if query is not None:
            await _best_effort(
                "answer a tap", query.answer(text=outcome.toast[:200] if outcome.toast else None)
            )
            if outcome.clear_buttons:
                # The step is done: take the buttons off so nobody taps them again.
                markup = _without(query, query.data or "") if outcome.clear_only_tapped else None
                await _best_effort(
                    "clear buttons", query.edit_message_reply_markup(reply_markup=markup)
                )
        await self._send_replies(incoming.chat_key, outcome)
        if outcome.language is not None:
            await _best_effort("set the menu", self.set_chat_commands(chat_id, outcome.language))

    async def _send_replies(self, chat_key: str, outcome: Outcome) -> None:
        """The replies are saved already: what cannot go now, the sweep sends later."""
        try:
            if outcome.reply_ids:
                await self.courier.send_claimed(
                    PLATFORM, chat_key, outcome.reply_ids, outcome.replies
                )
            elif outcome.replies:  # behind an earlier unsent reply: in turn
                await self.courier.send_chat(PLATFORM, chat_key)
        except Exception:
            log.exception("telegram replies saved but not sent now; the sweep will send them")

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


async def _best_effort(what: str, call: Awaitable[object]) -> None:
    """A toast, a keyboard taken off, a menu: worth doing, not worth losing a reply over."""
    try:
        await call
    except TelegramError as error:
        log.warning("telegram: could not %s: %s", what, error.message)


def _commands(w: Writer) -> list[BotCommand]:
    return [BotCommand(name, text[:256]) for name, text in command_descriptions(w)]
