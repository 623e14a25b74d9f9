"""The flows as Adaptive Cards in the personal chat: one card per form.

Typing a flow's word (`concern`, `session`, `targets`, `decision`, `plan`, ...: any flow the
person may start that asks something), when no step-by-step flow is under way, opens that
flow's card, as `/send <word>` opens a Slack modal; drawn from the flow's declaration by `form_cards`; its "Step by step instead"
button answers the same questions one at a time in the chat, as on a phone. A submitted
card goes through the same gate as every message (the activity id claimed, the sender
identified and counted), and then through the same checks and the same save as a Slack
modal (`conversations.forms`). A card that needs fixing, or that now asks more (the
safeguarding questions once a concern is flagged), comes back with what to fix; when it
saves, the card itself changes to say what was saved, so nobody sends it twice.

The card's own id, with the form's version, is claimed as it saves (`inbound`): a second
press, or a second copy of the card, is told kindly that it was saved already. A card from
before a change to the form is answered with the current card, its answers kept.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
from microsoft_agents.activity import Activity, Attachment

from sendbot.conversations.flow import Flow
from sendbot.conversations.forms import FormCheck, Forms
from sendbot.delivery.contract import OutgoingMessage
from sendbot.handlers.teams import form_cards
from sendbot.handlers.teams.cards import CARD, activity_for
from sendbot.handlers.teams.connector import Clients
from sendbot.services import inbound
from sendbot.services.actors import StaffActor
from sendbot.serving.core import Core

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PLATFORM = "teams"
SAVED_BEFORE = (
    "This card was sent already, and what it held is saved: nothing was saved twice. "
    "Type menu to see what else you can do."
)
CHANGED = (
    "This form has changed since that card was sent, so nothing was saved yet. Your "
    "answers are kept below: please check them and send again."
)
FIX = "Please check the questions marked below, then send again."
SLOW = (
    "You're sending messages faster than I can read them. Please wait a minute, then carry "
    "on: nothing you've already answered is lost."
)
SEVERAL = "Several match '{typed}': please choose one below."
SEARCHED_ONE = ("pupil", "lookup")


class CardForms:
    def __init__(self, core: Core, clients: Clients) -> None:
        self.core = core
        self.clients = clients
        self.forms = Forms(core.sessions, core.conversations.registry, core.clock)

    # --- the gate --------------------------------------------------------------------------

    def admit(
        self, activity_id: str | None, aad: str, tenant: str, once: tuple[str, ...] = ()
    ) -> StaffActor | str | None:
        """The gate, in its own transaction: the staff member; a text to answer instead; or
        None when there is nothing to answer (a repeat of this very activity)."""
        now = self.core.clock.now()
        with self.core.sessions() as session, session.begin():
            if activity_id and not inbound.first_time(session, PLATFORM, activity_id, now):
                return None
            admission = inbound.admit(
                session, PLATFORM, None, aad, now, workspace=tenant, once=once
            )
        if isinstance(admission, inbound.Duplicate):
            return SAVED_BEFORE
        if isinstance(admission, inbound.SlowedDown):
            return SLOW
        if isinstance(admission, inbound.Admitted) and admission.sender.staff is not None:
            return admission.sender.staff
        return None

    def may_open_card(self, text: str) -> bool:
        """Whether a typed word names a flow at all (no database): most messages do not."""
        said = " ".join(text.strip().lower().split())
        return not said.isdecimal() and any(
            said in _words(flow) for flow in self.forms.registry.flows
        )

    def opens_card(self, session: Session, actor: StaffActor, aad: str, text: str) -> Flow | None:
        """The flow a typed word opens as a card: only when no step-by-step flow is under
        way in this chat (there the word may be an answer), and only one this person may do."""
        if not self.may_open_card(text):
            return None
        row = self.core.conversations.states.load(session, PLATFORM, aad)
        if row is not None and not row.expired(self.core.clock.now()):
            return None
        return self.forms.registry.match(actor, text)

    def asks_something(self, actor: StaffActor, flow: Flow) -> bool:
        """Whether the flow's card would have a question on it (in its own transaction)."""
        return bool(self.forms.preview(actor, flow, {}).views)

    # --- opening ---------------------------------------------------------------------------

    async def open(self, activity: Activity, actor: StaffActor, flow: Flow) -> None:
        preview = await asyncio.to_thread(self.forms.preview, actor, flow, {})
        card = form_cards.form_card(
            flow,
            preview.views,
            uuid.uuid4().hex[:16],
            notes=preview.notes,
            steps_word=_word_for(flow),
        )
        await self._send(activity, card)

    # --- a submitted card ------------------------------------------------------------------

    async def submit(
        self, activity: Activity, aad: str, tenant: str, value: Mapping[str, Any]
    ) -> None:
        flow_name, card_id = value.get(form_cards.FORM_KEY), value.get(form_cards.CARD_KEY)
        if not isinstance(flow_name, str) or not isinstance(card_id, str) or not card_id:
            return
        card_version = str(value.get(form_cards.VERSION_KEY, ""))
        keys = (inbound.submission_key(card_id[:64], card_version[:32]),)
        admitted = await asyncio.to_thread(self.admit, activity.id, aad, tenant, keys)
        if admitted is None:
            return
        if isinstance(admitted, str):
            await self._say(activity, admitted)
            return
        actor = admitted
        flow = self.forms.flow_for(actor, flow_name)
        if flow is None:
            await self._say(activity, "That isn't something you can do in sendbot.")
            return
        raw = form_cards.raw_answers(value)
        if card_version != form_cards.version(flow):
            inbound.release_submission(self.core.sessions, PLATFORM, keys)
            preview = await asyncio.to_thread(self.forms.preview, actor, flow, raw)
            await self._card_again(activity, flow, card_id, preview, {}, {}, CHANGED)
            return
        candidates, errors = await asyncio.to_thread(self._resolve, actor, flow, raw)
        if errors:  # a name to choose first: nothing is saved until it is chosen
            inbound.release_submission(self.core.sessions, PLATFORM, keys)
            preview = await asyncio.to_thread(self.forms.preview, actor, flow, raw)
            await self._card_again(activity, flow, card_id, preview, errors, candidates, FIX)
            return
        result = await asyncio.to_thread(self.forms.submit, actor, flow, raw)
        if result.done:
            await self._saved(activity, flow, result.confirmation)
            return
        inbound.release_submission(self.core.sessions, PLATFORM, keys)
        assert result.check is not None
        await self._card_again(
            activity, flow, card_id, result.check, result.errors, candidates, FIX
        )

    def _resolve(
        self, actor: StaffActor, flow: Flow, raw: dict[str, Any]
    ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
        """Typed names to the records they name, in place in `raw`: one match is taken;
        several are offered on the card returned."""
        candidates: dict[str, list[tuple[str, str]]] = {}
        errors: dict[str, str] = {}
        kinds = {f.name: f.kind for f in flow.fields}
        for name, typed in list(raw.items()):
            kind = kinds.get(name)
            if kind not in (*SEARCHED_ONE, "pupils") or not typed.strip():
                continue
            parts = [p.strip() for p in typed.split(",")] if kind == "pupils" else [typed]
            chosen: list[str] = []
            for part in parts:
                if part.isdecimal():
                    chosen.append(part)
                    continue
                found = self.forms.search_options(actor, flow, raw, name, part)
                if len(found) == 1:
                    chosen.append(found[0][0])
                elif found:
                    candidates[name] = found[:25]
                    errors[name] = SEVERAL.format(typed=part[:40])
                else:
                    chosen.append(part)  # the form's own check says it is not found
            raw[name] = ",".join(chosen) if name not in candidates else ""
        return candidates, errors

    # --- answering -------------------------------------------------------------------------

    async def _card_again(
        self,
        activity: Activity,
        flow: Flow,
        card_id: str,
        check: FormCheck,
        errors: Mapping[str, str],
        candidates: Mapping[str, list[tuple[str, str]]],
        heading: str,
    ) -> None:
        card = form_cards.form_card(
            flow,
            check.views,
            card_id,
            errors=errors,
            notes=check.notes,
            candidates=candidates,
            heading=heading,
            steps_word=_word_for(flow),
        )
        await self._send(activity, card)

    async def _saved(self, activity: Activity, flow: Flow, confirmation: str) -> None:
        """The card changes in place to say it was sent; the confirmation follows."""
        done = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [
                {"type": "TextBlock", "text": flow.title, "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": "Sent.", "wrap": True, "isSubtle": True},
            ],
        }
        if activity.reply_to_id and activity.conversation is not None:
            update = Activity(
                type="message",
                id=activity.reply_to_id,
                attachments=[Attachment(content_type=CARD, content=done)],
            )
            try:
                client = await self.clients.client(activity.service_url or "")
                await client.conversations.update_activity(
                    activity.conversation.id, activity.reply_to_id, update
                )
            except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
                log.warning("teams: could not mark a card sent (%s)", type(error).__name__)
        await self._say(activity, confirmation)

    async def _say(self, activity: Activity, text: str) -> None:
        await self._post(activity, activity_for(OutgoingMessage(text)))

    async def _send(self, activity: Activity, card: dict[str, Any]) -> None:
        await self._post(
            activity,
            Activity(type="message", attachments=[Attachment(content_type=CARD, content=card)]),
        )

    async def _post(self, activity: Activity, reply: Activity) -> None:
        if activity.conversation is None or not activity.service_url:
            return
        try:
            client = await self.clients.client(activity.service_url)
            await client.conversations.send_to_conversation(activity.conversation.id, reply)
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
            log.warning("teams: could not send a form card (%s)", type(error).__name__)


def _words(flow: Flow) -> set[str]:
    return {flow.name, flow.title.lower(), *flow.triggers}


def _word_for(flow: Flow) -> str | None:
    """The word that starts the flow step by step in the chat."""
    return flow.triggers[0] if flow.triggers else flow.name
