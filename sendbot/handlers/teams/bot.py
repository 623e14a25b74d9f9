"""Teams activities into the core: the personal chat as a text chat over the staff engine.

An authenticated activity (`auth`) from the school's tenant is turned into an `Incoming`
and handed to the platform-neutral chat router in a worker thread, like Telegram's updates:
the activity id is claimed in the same transaction as the work (a channel retry is handled
once), the sender is identified by Entra object id and tenant, counted against the inbound
limit, and any refusal logged (`services.inbound`). Replies are saved in that transaction and
sent straight after by the courier, so a 429 delays a reply and never loses it.

Before that, outside the transaction: the personal chat's reference is kept for the outbox,
and a first message from an account not linked yet asks Teams who it is (the member's email
or user principal name, through the SDK's connector client) and links it to the roster.
Guests are told kindly who to ask; group chats and channels are answered once, there, that
sendbot works in personal chat, and nothing in them is read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import aiohttp
from microsoft_agents.activity import Activity

from sendbot.conversations.chat import Incoming, Outcome, say
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_chat import ChatRouter
from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.handlers.teams import connector, form_cards
from sendbot.handlers.teams.cards import activity_for, tapped
from sendbot.handlers.teams.forms import CardForms
from sendbot.handlers.teams.sender import TeamsSender
from sendbot.messages import registry
from sendbot.scheduling.replies import ReplyCourier
from sendbot.services import action_ids, inbound, teams_accounts
from sendbot.services.actors import StaffActor
from sendbot.services.teams_accounts import TEAMS, ConversationRef
from sendbot.serving.core import Core

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PLATFORM = TEAMS
PERSONAL_ONLY = (
    "sendbot works in personal chat, so that nothing about a child is posted where others "
    "can read it. Open a chat with sendbot (Chat > New chat > sendbot) and type help."
)
GUEST = (
    "Hello. sendbot is for the school's own staff, and your account here is a guest "
    "account. Please ask the school office or the SENCO to add you to the staff list with "
    "your school account."
)
NOT_ON_ROSTER = (
    "Hello. I could not find your school email on sendbot's staff list, so I cannot help "
    "you yet. Please ask the school office or the SENCO to check the staff list has your "
    "email exactly as Teams shows it, then say hello again."
)


class TeamsRouter(ChatRouter):
    """The chat router with Teams' answers for strangers: staff only, personal chat only."""

    def _handle(self, session: Session, m: Incoming, owner: inbound.Sender | None) -> Outcome:
        if not m.private:
            return say(PERSONAL_ONLY, toast=m.kind == "tap")
        if owner is None or owner.staff is None:
            return say(NOT_ON_ROSTER, toast=m.kind == "tap")
        return self._staff(session, m, owner.staff, self.clock.now())


@dataclass(frozen=True)
class Refusal:
    """Why an authenticated activity was not taken in (the HTTP status to answer)."""

    status: int
    reason: str


def _same(session: Session, button: Button, tapped: action_ids.Action) -> bool:
    """Whether a redrawn button stands for what was tapped (sealed ids differ each time)."""
    found = action_ids.decode(session, button.action_id)
    return found is not None and (found.kind, found.subject_id, found.value) == (
        tapped.kind,
        tapped.subject_id,
        tapped.value,
    )


def tenant_of(activity: Activity) -> str:
    conversation_tenant = activity.conversation.tenant_id if activity.conversation else None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return str(conversation_tenant or (tenant or {}).get("id") or "")


class TeamsBot:
    def __init__(self, core: Core, tokens: connector.TokenSource, tenant_id: str) -> None:
        self.core = core
        self.tokens = tokens
        self.clients = connector.Clients(tokens)
        self.tenant_id = tenant_id
        self.sender = TeamsSender(
            self.clients, self._lookup, on_blocked=self._forget, peek=self._peek
        )
        self.courier = ReplyCourier(core.sessions, core.clock, {PLATFORM: self.sender})
        # Chats whose reference is stored and whose account was linked, as this
        # process last saw them: a message from one needs no look-up before the gate.
        self.known: dict[str, ConversationRef] = {}
        self.cards = CardForms(core, self.clients)
        self.router = TeamsRouter(
            core.sessions, core.clock, core.conversations, claim_replies_as=self.courier.worker_id
        )

    # --- the outbox's look-up ---------------------------------------------------------------

    def _peek(self, aad_object_id: str, tenant_id: str) -> ConversationRef | None:
        kept = self.known.get(aad_object_id)
        return kept if kept is not None and tenant_id in ("", kept.tenant_id) else None

    def _lookup(self, aad_object_id: str, tenant_id: str) -> ConversationRef | None:
        with self.core.sessions() as session:
            return teams_accounts.conversation_for(session, aad_object_id, tenant_id)

    # --- one activity -----------------------------------------------------------------------

    async def handle(self, activity: Activity) -> Refusal | None:
        tenant = tenant_of(activity)
        if tenant.lower() != self.tenant_id.lower():
            log.info("teams: refused an activity from another tenant")
            return Refusal(403, "unknown tenant")
        if activity.type != "message":  # installs, members added, typing: nothing to answer
            if activity.type in ("conversationUpdate", "installationUpdate"):
                await self._installed(activity, tenant)
            return None
        conversation = activity.conversation
        if conversation is None or activity.from_property is None:
            return Refusal(400, "no conversation or sender")
        if (conversation.conversation_type or "personal") != "personal":
            log.info("teams: answered a message outside personal chat")
            await self._reply_there(activity, PERSONAL_ONLY)
            return None
        aad = activity.from_property.aad_object_id
        if not aad:
            log.info("teams: a message without an Entra account; ignored")
            return None
        if not await self._remember(activity, tenant):
            refusal_text = await self._link(activity, tenant, aad)
            if refusal_text is not None:
                await self._reply_there(activity, refusal_text)
                return None
        await self._personal(activity, tenant, aad)
        return None

    async def _personal(self, activity: Activity, tenant: str, aad: str) -> None:
        """A linked account's message in personal chat: a card sent back, a word that opens
        a card, or anything else for the chat router."""
        value = activity.value if isinstance(activity.value, dict) else {}
        if form_cards.FORM_KEY in value:
            await self.cards.submit(activity, aad, tenant, value)
            return
        steps = value.get(form_cards.STEPS_KEY)
        if isinstance(steps, str) and self.cards.may_open_card(steps):  # the same, step by step
            incoming = replace(self._incoming(activity, tenant, aad), kind="text", text=steps)
            await self._run(incoming)
            return
        if not value and await self._card(activity, tenant, aad):
            return
        await self._run(self._incoming(activity, tenant, aad), activity)

    async def _installed(self, activity: Activity, tenant: str) -> None:
        """The app installed for someone (by them, or for all staff by the school's setup
        policy): their chat is kept and their account linked from the roster now, so an
        alert can reach a lead who has never written to sendbot. Nothing is said to them."""
        aad = activity.from_property.aad_object_id if activity.from_property else None
        if aad and not await self._remember(activity, tenant):
            await self._link(activity, tenant, aad)

    async def _card(self, activity: Activity, tenant: str, aad: str) -> bool:
        """A typed word that opens its flow's card: True when it was answered so."""
        word = (activity.text or "").strip()
        if not self.cards.may_open_card(word):
            return False

        def which() -> tuple[StaffActor, Flow] | None:
            with self.core.sessions() as session:
                actor = teams_accounts.teams_staff(session, tenant, aad, self.core.clock.now())
                flow = self.cards.opens_card(session, actor, aad, word) if actor else None
            return (actor, flow) if actor is not None and flow is not None else None

        found = await asyncio.to_thread(which)
        # A flow with nothing to ask (what's due) answers in the chat instead.
        if found is None or not await asyncio.to_thread(self.cards.asks_something, *found):
            return False
        admitted = await asyncio.to_thread(self.cards.admit, activity.id, aad, tenant)
        if isinstance(admitted, str):
            await self._reply_there(activity, admitted)
        elif admitted is not None:
            await self.cards.open(activity, admitted, found[1])
        return True

    def _incoming(self, activity: Activity, tenant: str, aad: str) -> Incoming:
        button = tapped(activity.value)
        text = (activity.text or "").strip()
        return Incoming(
            platform=PLATFORM,
            chat_key=aad,
            kind="tap" if button else "text",
            text=button or text[:4000],
            client_language=None,
            private=True,
            event_id=activity.id,
            workspace=tenant,
        )

    async def _run(self, incoming: Incoming, activity: Activity | None = None) -> None:
        outcome: Outcome = await asyncio.to_thread(self.router.handle, incoming)
        if outcome.duplicate:
            log.info("teams activity seen before; skipped")
            return
        if outcome.clear_buttons and activity is not None and activity.reply_to_id:
            done = outcome.replies[0].text if outcome.replies else "Done."
            await self._clear_buttons(activity, incoming, outcome.clear_only_tapped, done)
        try:
            if outcome.reply_ids:
                await self.courier.send_claimed(
                    PLATFORM, incoming.chat_key, outcome.reply_ids, outcome.replies
                )
            elif outcome.replies:
                await self.courier.send_chat(PLATFORM, incoming.chat_key)
        except Exception:
            log.exception("teams replies saved but not sent now; the sweep will send them")

    async def _clear_buttons(
        self, activity: Activity, incoming: Incoming, only_tapped: bool, done: str
    ) -> None:
        """The tapped card's step is done: the card is drawn again as it was queued, without
        its buttons (or without the tapped one; View details stays), and put in place of the
        old one; when nothing is left to show, the card says what was done (`done`). Only
        the outbox's cards can be drawn again; a chat reply's buttons stay, and are refused
        kindly if tapped again."""
        assert activity.reply_to_id is not None and activity.conversation is not None
        card_id = activity.reply_to_id

        def redraw() -> OutgoingMessage | None:
            with self.core.sessions() as session, session.begin():
                sent = teams_accounts.sent_card(
                    session, card_id, incoming.workspace, incoming.chat_key
                )
                if sent is None:
                    return None
                params = {
                    **sent.params,
                    "_now": self.core.clock.now().isoformat(),
                    "_timezone": sent.timezone,
                    "_school_id": sent.school_id,
                    "_recipient_staff_id": sent.recipient_staff_id,
                    "_recipient_guardian_id": None,
                    "_outbox_id": sent.outbox_id,
                }
                message = registry.render(sent.template, params, "en_GB", session)
                if message is None:  # nothing left to show: what was done instead
                    return OutgoingMessage(done)
                tapped = action_ids.decode(session, incoming.text)
                kept = tuple(
                    b
                    for b in message.buttons
                    if b.stays
                    or (only_tapped and tapped is not None and not _same(session, b, tapped))
                )
                return dataclasses.replace(message, buttons=kept, attachments=())

        try:
            message = await asyncio.to_thread(redraw)
            if message is None:
                return
            client = await self.clients.client(activity.service_url or "")
            update = activity_for(message)
            update.id = card_id
            await client.conversations.update_activity(activity.conversation.id, card_id, update)
        except Exception as error:  # best effort: the reply already says what was done
            log.warning("teams: could not take a card's buttons off (%s)", type(error).__name__)

    # --- identity ---------------------------------------------------------------------------

    async def _link(self, activity: Activity, tenant: str, aad: str) -> str | None:
        """Link a first-time account by its email; the text to answer a guest, else None
        (the router then answers anyone still unknown, counted and logged by the gate)."""
        assert activity.conversation is not None and activity.from_property is not None
        try:
            client = await self.clients.client(activity.service_url or "")
        except (aiohttp.ClientError, ConnectionError, TimeoutError):
            log.warning("teams: could not get a token to look up a new member")
            return None
        try:
            member = await client.get_conversation_member(
                activity.conversation.id, activity.from_property.id
            )
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("teams: could not look up a new member (%s)", type(error).__name__)
            return None
        if (member.user_role or "").lower() == "guest":
            log.info("teams: a guest account wrote; not linked")
            return GUEST
        email = member.email or member.user_principal_name or ""

        def link() -> None:
            with self.core.sessions() as session, session.begin():
                teams_accounts.link_by_email(session, tenant, aad, email, self.core.clock.now())

        await asyncio.to_thread(link)
        return None

    async def _remember(self, activity: Activity, tenant: str) -> bool:
        """Keep the sender's personal chat reference (written only when it changed); whether
        their account was ever linked (a first-time account is looked up and linked)."""
        sender, conversation = activity.from_property, activity.conversation
        if sender is None or conversation is None or not sender.aad_object_id:
            return False
        if (conversation.conversation_type or "personal") != "personal" or not activity.service_url:
            return False
        aad = sender.aad_object_id
        ref = ConversationRef(
            tenant_id=tenant,
            aad_object_id=sender.aad_object_id,
            user_id=sender.id,
            service_url=activity.service_url,
            conversation_id=conversation.id,
            bot_id=activity.recipient.id if activity.recipient else "",
        )

        if self.known.get(aad) == ref:
            return True

        def keep() -> bool:
            # Read first, without the write lock: the reference rarely changes.
            with self.core.sessions() as session:
                kept = teams_accounts.conversation_for(session, aad, tenant)
                linked = teams_accounts.has_teams_identity(session, tenant, aad)
                blocked = teams_accounts.blocked_account(session, tenant, aad)
            if kept != ref or blocked is not None:
                with self.core.sessions() as session, session.begin():
                    now = self.core.clock.now()
                    teams_accounts.remember_conversation(session, ref, now)
                    if blocked is not None:  # Teams refused a message; they are back
                        teams_accounts.resume(session, blocked, now)
            return linked

        linked = await asyncio.to_thread(keep)
        if linked:
            self.known[aad] = ref
        return linked

    def _forget(self, aad_object_id: str) -> None:
        """Teams refused a message to this account: look it up again when it writes."""
        self.known.pop(aad_object_id, None)

    async def _reply_there(self, activity: Activity, text: str) -> None:
        """A direct answer in the activity's own conversation (best effort, not kept)."""
        if activity.conversation is None or not activity.service_url:
            return
        try:
            client = await self.clients.client(activity.service_url)
        except (aiohttp.ClientError, ConnectionError, TimeoutError):
            log.warning("teams: could not get a token to answer")
            return
        try:
            reply = activity_for(OutgoingMessage(text))
            await client.conversations.send_to_conversation(activity.conversation.id, reply)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("teams: could not answer (%s)", type(error).__name__)
