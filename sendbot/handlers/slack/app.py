"""The Bolt app: thin listeners that turn Slack payloads into calls on the core.

Every listener acknowledges inside Slack's three seconds and does slower work after the
ack (Bolt sends the HTTP response as soon as `ack` is called). The synchronous core runs
in a thread (`asyncio.to_thread`). Three global middlewares run first: one makes each
`event_id` count once however often Slack retries it; the next finds the staff member
behind the Slack user, or answers politely that they are not set up, and nothing more; the
last holds each person to the inbound rate limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Select, select

from sendbot.conversations.flow import Flow
from sendbot.conversations.forms import Forms
from sendbot.domain.people import Role
from sendbot.handlers.slack import blocks
from sendbot.scheduling import actions as scheduler_actions
from sendbot.services import (
    action_ids,
    dashboard,
    events,
    identities,
    parents,
    policy,
    rate_limit,
    safeguarding,
)
from sendbot.services.actors import StaffActor, actor_for_staff
from sendbot.services.policy import PermissionDenied
from sendbot.serving.core import Core
from sendbot.store.models import Identity, ParentMessage, School, Staff, StaffRole

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Sorry, you are not set up for sendbot at this school. Please ask your SENCO to add "
    "you, using the email address of your Slack account."
)
CANT_CHECK = "Sorry, I couldn't check your Slack account just now. Please try again in a minute."
SORRY = (
    "Sorry, something went wrong on our side and nothing was saved. Please try again in a "
    "minute; if it keeps happening, tell your SENCO."
)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "concern": ("log_concern", "Log a concern about a pupil"),
    "session": ("record_session", "Record an intervention session"),
    "targets": ("check_targets", "A pupil's current targets and next review (add a name)"),
    "due": ("whats_due", "What is due: reviews, targets and deadlines"),
}
MESSAGE_SHORTCUT = "log_concern_from_message"
PLATFORM = "slack"
RATE_SCOPE = f"{PLATFORM}:user"
# A sealed button id (services.action_ids): every button on a message (alerts, reminders,
# the scheduler's prompts, a parent message's Reply).
SEALED_ACTION = re.compile(rf"^{re.escape(action_ids.PREFIX)}[A-Za-z0-9_-]{{22}}$")
REPLY_CALLBACK = "parent.reply"
# "Record decision" in a safeguarding concern's details: the DSL's decision form, filled in.
DECISION_FLOW = "record_decision"
DECISION_START = "decision.start:"

Listener = Callable[[Any, dict[str, Any], AsyncWebClient, Any], Awaitable[None]]


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _input_block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]


def _note_block_ids(view: dict[str, Any]) -> list[str]:
    return [
        b["block_id"]
        for b in view.get("blocks", [])
        if str(b.get("block_id", "")).startswith(blocks.NOTE_PREFIX)
    ]


def _user_id(body: dict[str, Any]) -> str | None:
    if "user_id" in body:
        return str(body["user_id"])
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event") or {}
    return event.get("user") if isinstance(event.get("user"), str) else None


class SlackApp:
    """Holds the core and builds the Bolt app whose listeners call into it."""

    def __init__(self, core: Core, bolt: AsyncApp) -> None:
        self.core = core
        self.bolt = bolt
        self.forms = Forms(core.sessions, core.conversations.registry, core.clock)
        self._refreshing: set[str] = set()  # Slack users whose Home tab is being drawn
        # ... and the latest person and time zone to draw it for, when it changed meanwhile
        self._refresh_again: dict[str, tuple[StaffActor, str]] = {}
        self._register()

    # --- plumbing -----------------------------------------------------------------------

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The synchronous core, off the event loop."""
        return await asyncio.to_thread(fn, *args)

    def _tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.core.sessions() as session, session.begin():
            return fn(session, *args)

    def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Reading only (the Home tab): never queues behind, or holds up, someone saving."""
        with self.core.sessions() as session:
            return fn(session, *args)

    def _register(self) -> None:
        app = self.bolt
        app.middleware(self._once)
        app.middleware(self._identify)
        app.middleware(self._throttle)
        app.command("/send")(self._wrap(self.on_send))
        app.shortcut(MESSAGE_SHORTCUT)(self._wrap(self.on_message_shortcut))
        app.shortcut(re.compile(r"^[a-z_]+$"))(self._wrap(self.on_global_shortcut))
        app.action(re.compile(r"^field\."))(self._wrap(self.on_field_change))
        app.action(re.compile(r"^home\.start:"))(self._wrap(self.on_home_start))
        app.action(re.compile(rf"^{re.escape(DECISION_START)}\d+$"))(
            self._wrap(self.on_decision_start)
        )
        app.action(SEALED_ACTION)(self._wrap(self.on_sealed_button))
        app.view(REPLY_CALLBACK)(self._wrap(self.on_reply_submit))
        app.options(re.compile(r"^field\."))(self._wrap(self.on_options))
        app.view(re.compile(rf"^{blocks.FLOW_CALLBACK}"))(self._wrap(self.on_submit))
        app.view_closed(re.compile(".*"))(self._wrap(self.on_closed))
        app.event("app_home_opened")(self._wrap(self.on_home_opened))
        app.error(self._on_error)

    def _wrap(self, fn: Listener) -> Callable[..., Awaitable[None]]:
        """A failure is logged and answered kindly, never dropped in silence."""

        async def listener(
            ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
        ) -> None:
            acked = False

            async def tracked_ack(*args: Any, **kwargs: Any) -> Any:
                nonlocal acked
                acked = True
                return await ack(*args, **kwargs)

            try:
                await fn(tracked_ack, body, client, context)
            except Exception:
                log.exception("slack listener %s failed", fn.__name__)
                await self._kind_error(ack if not acked else None, body, client, context)
                event_id = context.get("claimed_event")
                if event_id:
                    await self.db(events.release, self.core.sessions, PLATFORM, event_id)

        listener.__name__ = fn.__name__
        return listener

    async def _kind_error(
        self, ack: Any | None, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        try:
            if ack is not None:
                if body.get("type") == "view_submission":
                    await ack(
                        response_action="update",
                        view=blocks.message_modal("Sorry", SORRY, "sendbot.error"),
                    )
                elif "command" in body:
                    await ack(response_type="ephemeral", text=SORRY)
                else:
                    await ack()
                return
            user = _user_id(body)
            if context.get("respond") is not None and body.get("response_url"):
                await context["respond"](
                    text=SORRY, response_type="ephemeral", replace_original=False
                )
            elif user:
                await client.chat_postMessage(channel=user, text=SORRY)
        except Exception:
            log.exception("could not tell the person about an error")

    async def _on_error(
        self, error: Exception, body: dict[str, Any], logger: logging.Logger
    ) -> None:
        log.error("slack request failed: %s", error, exc_info=error)

    # --- middleware ---------------------------------------------------------------------

    async def _once(
        self, body: dict[str, Any], context: Any, request: Any, next: Callable[[], Awaitable[Any]]
    ) -> Any:
        """Slack retries an event it thinks we missed; the event id makes it count once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return await next()
        retry = (request.headers.get("x-slack-retry-num") or [None])[0]
        try:
            first = await self.db(
                events.claim, self.core.sessions, PLATFORM, str(event_id), self.core.clock.now()
            )
        except Exception:  # better handled twice than dropped: the listeners are idempotent
            log.exception("could not record slack event %s; handling it anyway", event_id)
            return await next()
        if not first:
            log.info("slack event %s already processed (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        context["claimed_event"] = str(event_id)
        return await next()

    async def _identify(
        self,
        body: dict[str, Any],
        context: Any,
        client: AsyncWebClient,
        next: Callable[[], Awaitable[Any]],
    ) -> Any:
        user_id = context.user_id or _user_id(body)
        team_id = context.team_id
        if not user_id or not team_id:
            return await next()
        now = self.core.clock.now()
        counted = body.get("type") != "block_suggestion"
        try:
            found = await self.db(self._tx, self._known, team_id, user_id, now, counted)
            if found is not None:
                found, context["admitted"] = found[:2], found[2]
            else:
                email = await self._email(client, user_id)
                if email:
                    found = await self.db(self._tx, self._link, team_id, user_id, email, now)
        except SlackApiError as error:
            log.warning("users.info failed for a Slack user: %s", error.response.get("error"))
            return await self._refuse(body, client, CANT_CHECK)
        except Exception:
            log.exception("could not check who a Slack user is")
            return await self._refuse(body, client, SORRY)
        if found is None:
            log.info("refused a Slack user who is not set up in workspace %s", team_id)
            return await self._refuse(body, client, NOT_SET_UP)
        context["actor"], context["tz"] = found
        return await next()

    async def _throttle(
        self,
        body: dict[str, Any],
        context: Any,
        client: AsyncWebClient,
        next: Callable[[], Awaitable[Any]],
    ) -> Any:
        """Each person's requests count against the inbound limit every worker shares.

        Pupil-search suggestions are left out: Slack sends one per keystroke."""
        user_id = context.user_id or _user_id(body)
        if "actor" not in context or not user_id or body.get("type") == "block_suggestion":
            return await next()
        admitted = context.get("admitted")  # counted when they were identified
        if admitted is None:
            now = self.core.clock.now()
            admitted = await self.db(self._tx, rate_limit.admit, RATE_SCOPE, user_id, now)
        if not admitted:
            return await self._refuse(body, client, rate_limit.SLOW_DOWN)
        return await next()

    @staticmethod
    def _school_tz(session: Any, actor: StaffActor) -> str:
        school = session.get(School, actor.school_id)
        return school.timezone if school else "Europe/London"

    def _known(
        self, session: Any, team_id: str, user_id: str, now: Any, counted: bool
    ) -> tuple[StaffActor, str, bool | None] | None:
        """Who this is and, in the same transaction, the request counted against their
        limit (None when it does not count): one write for both, not two."""
        actor = identities.slack_staff(session, team_id, user_id, now)
        if actor is None:
            return None
        admitted = rate_limit.admit(session, RATE_SCOPE, user_id, now) if counted else None
        return actor, self._school_tz(session, actor), admitted

    def _link(
        self, session: Any, team_id: str, user_id: str, email: str, now: Any
    ) -> tuple[StaffActor, str] | None:
        actor = identities.link_slack_by_email(session, team_id, user_id, email, now)
        return (actor, self._school_tz(session, actor)) if actor else None

    async def _email(self, client: AsyncWebClient, user_id: str) -> str | None:
        info = await client.users_info(user=user_id)
        user = info.get("user") or {}
        if user.get("deleted") or user.get("is_bot"):
            return None
        return (user.get("profile") or {}).get("email")

    async def _refuse(
        self, body: dict[str, Any], client: AsyncWebClient, text: str
    ) -> BoltResponse:
        """The polite refusal, shaped for wherever the person is; nothing else is done."""
        kind = body.get("type")
        try:
            if "command" in body:
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
            if kind == "block_suggestion":
                return BoltResponse(status=200, body={"options": []})
            if kind == "view_submission":
                view = blocks.message_modal("sendbot", text, "sendbot.refused")
                return BoltResponse(status=200, body={"response_action": "update", "view": view})
            if kind == "event_callback":
                event = body.get("event") or {}
                if event.get("type") == "app_home_opened" and event.get("tab", "home") == "home":
                    await client.views_publish(
                        user_id=event["user"], view=blocks.refusal_home(text)
                    )
                return BoltResponse(status=200, body="")
            if body.get("trigger_id"):
                await client.views_open(
                    trigger_id=body["trigger_id"],
                    view=blocks.message_modal("sendbot", text, "sendbot.refused"),
                )
        except SlackApiError as error:
            log.warning("could not show the refusal: %s", error.response.get("error"))
        return BoltResponse(status=200, body="")

    # --- opening flows ------------------------------------------------------------------

    def help_text(self, actor: StaffActor) -> str:
        registry = self.core.conversations.registry
        lines = ["*sendbot* can do these for you:"]
        for word, (flow_name, what) in SUBCOMMANDS.items():
            flow = registry.get(flow_name)
            if flow is None:
                lines.append(f"• `/send {word}`: {what} (coming soon)")
            elif flow.may_start(actor):
                lines.append(f"• `/send {word}`: {what}")
        lines.append("• `/send help`: this list")
        lines.append("You can also use the shortcuts (the ⚡ button) and the sendbot Home tab.")
        return "\n".join(lines)

    def coming_soon(self, word: str) -> str:
        what = SUBCOMMANDS[word][1] if word in SUBCOMMANDS else "That"
        return (
            f"{what}: this is coming to sendbot soon. Until then, please tell your SENCO "
            "directly. Type `/send help` to see what you can do now."
        )

    async def open_flow(
        self,
        client: AsyncWebClient,
        trigger_id: str,
        actor: StaffActor,
        flow: Flow,
        prefill: dict[str, Any] | None = None,
        respond: Any = None,
    ) -> None:
        """The flow's modal; a flow with no questions at all simply answers."""
        raw = dict(prefill or {})
        preview = await self.db(self.forms.preview, actor, flow, raw)
        if not preview.views:
            result = await self.db(self.forms.submit, actor, flow, raw)
            if respond is not None:
                await respond(text=blocks.escape(result.confirmation), response_type="ephemeral")
            else:
                await client.views_open(
                    trigger_id=trigger_id,
                    view=blocks.message_modal(flow.title, result.confirmation, "sendbot.done"),
                )
            return
        view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
        await client.views_open(trigger_id=trigger_id, view=view)

    async def open_named(
        self, client: AsyncWebClient, trigger_id: str, actor: StaffActor, flow_name: str, **kw: Any
    ) -> None:
        flow = self.forms.flow_for(actor, flow_name)
        if flow is None:
            exists = self.core.conversations.registry.get(flow_name) is not None
            word = next((w for w, (n, _) in SUBCOMMANDS.items() if n == flow_name), flow_name)
            text = (
                "That isn't something you can do in sendbot." if exists else self.coming_soon(word)
            )
            await client.views_open(
                trigger_id=trigger_id, view=blocks.message_modal("sendbot", text)
            )
            return
        await self.open_flow(client, trigger_id, actor, flow, **kw)

    # --- listeners ----------------------------------------------------------------------

    async def on_send(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        actor: StaffActor = context["actor"]
        text = " ".join(str(body.get("text") or "").split())
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in ("", "help", "?"):
            await ack(response_type="ephemeral", text=self.help_text(actor))
            return
        registry = self.core.conversations.registry
        if word in SUBCOMMANDS:
            flow_name = SUBCOMMANDS[word][0]
            flow = registry.get(flow_name)
            if flow is None:
                await ack(response_type="ephemeral", text=self.coming_soon(word))
                return
        else:
            flow = registry.match(actor, text)
            if flow is None:
                await ack(
                    response_type="ephemeral",
                    text=f"Sorry, I don't know `/send {blocks.escape(text[:40])}`.\n\n{self.help_text(actor)}",
                )
                return
        if not flow.may_start(actor):
            await ack(response_type="ephemeral", text="That isn't something you can do in sendbot.")
            return
        await ack()
        prefill: dict[str, Any] = {}
        searched = next((f for f in flow.fields if f.kind == "pupil"), None)
        if rest and searched is not None:
            matches = await self.db(self.forms.search_options, actor, flow, {}, searched.name, rest)
            if len(matches) == 1:
                prefill[searched.name] = matches[0][0]
        await self.open_flow(
            client, body["trigger_id"], actor, flow, prefill, respond=context.get("respond")
        )

    async def on_global_shortcut(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        await ack()
        await self.open_named(client, body["trigger_id"], context["actor"], body["callback_id"])

    async def on_message_shortcut(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """'Log as a concern' on a message: the concern modal, the message's words filled in."""
        await ack()
        message_text = str((body.get("message") or {}).get("text") or "")
        flow = self.forms.flow_for(context["actor"], "log_concern")
        narrative = next((f.name for f in flow.fields if f.kind == "text"), None) if flow else None
        prefill = {narrative: message_text} if narrative and message_text else {}
        await self.open_named(
            client, body["trigger_id"], context["actor"], "log_concern", prefill=prefill
        )

    async def on_home_start(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        await ack()
        flow_name = body["actions"][0]["action_id"].split(":", 1)[1]
        await self.open_named(client, body["trigger_id"], context["actor"], flow_name)

    async def on_field_change(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """Redraw the modal when a choice changes which fields apply or what note shows."""
        await ack()
        view = body["view"]
        flow = self.forms.flow_for(context["actor"], _metadata(view).get("flow", ""))
        if flow is None:
            return
        raw = blocks.state_values(view)
        preview = await self.db(self.forms.preview, context["actor"], flow, raw)
        wanted_notes = [f"{blocks.NOTE_PREFIX}{name}" for name in preview.notes]
        if preview.names == _input_block_ids(view) and wanted_notes == _note_block_ids(view):
            return
        new_view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
        new_view["private_metadata"] = view.get("private_metadata", new_view["private_metadata"])
        try:
            await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # A newer change is already on its way; it will redraw the modal.

    async def on_options(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """The search behind an external select: only records this person may see."""
        view = body.get("view") or {}
        flow = self.forms.flow_for(context["actor"], _metadata(view).get("flow", ""))
        if flow is None:
            await ack(options=[])
            return
        found = await self.db(
            self.forms.search_options,
            context["actor"],
            flow,
            blocks.state_values(view),
            str(body.get("block_id") or ""),
            str(body.get("value") or ""),
        )
        await ack(options=[blocks.option(value, label) for value, label in found[:100]])

    async def on_submit(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        actor: StaffActor = context["actor"]
        view = body["view"]
        flow = self.forms.flow_for(actor, _metadata(view).get("flow", ""))
        if flow is None:
            await ack(
                response_action="update",
                view=blocks.message_modal("sendbot", "That isn't something you can do in sendbot."),
            )
            return
        raw = blocks.state_values(view)
        result = await self.db(self.forms.submit, actor, flow, raw)
        if not result.done:
            shown = set(_input_block_ids(view))
            if set(result.errors) <= shown:
                await ack(response_action="errors", errors=result.errors)
                return
            # A follow-up question applies that the modal is not showing yet: show it.
            preview = await self.db(self.forms.preview, actor, flow, raw)
            redrawn = blocks.flow_modal(flow, preview.views, notes=preview.notes)
            redrawn["private_metadata"] = view.get("private_metadata", redrawn["private_metadata"])
            await ack(response_action="update", view=redrawn)
            return
        await ack(
            response_action="update",
            view=blocks.message_modal(flow.title, result.confirmation, "sendbot.done"),
        )
        await self.refresh_homes(client, actor)

    async def on_closed(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        await ack()

    async def on_acknowledge(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        await ack()
        actor: StaffActor = context["actor"]
        concern_id = context["button"].subject_id
        now = self.core.clock.now()
        result = await self.db(self._tx, safeguarding.acknowledge, actor, concern_id, now)
        if not result.acknowledged:
            await client.views_open(
                trigger_id=body["trigger_id"], view=blocks.message_modal("sendbot", result.message)
            )
            return
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        message = body.get("message") or {}
        if result.first and channel and message.get("ts"):
            await client.chat_update(
                channel=channel,
                ts=message["ts"],
                text=f"{message.get('text', '')}\nAcknowledged by {blocks.escape(str(result.by))}",
                blocks=blocks.acknowledged_blocks(
                    message.get("blocks", []), result.by or "", now, context["tz"]
                ),
            )
        elif not result.first and result.at is not None:
            when = result.at.astimezone(ZoneInfo(context["tz"])).strftime("%H:%M on %a %-d %b")
            await client.views_open(
                trigger_id=body["trigger_id"],
                view=blocks.message_modal(
                    "Already acknowledged",
                    f"{result.by or 'Someone'} acknowledged this at {when}.",
                ),
            )
        await self.refresh_homes(client, actor)

    async def on_view_details(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """Details open in a modal for someone allowed; the attempt is audited either way."""
        await ack()
        actor: StaffActor = context["actor"]
        concern_id = context["button"].subject_id
        result = await self.db(
            self._tx, safeguarding.view_details, actor, concern_id, self.core.clock.now()
        )
        if result.allowed and result.details is not None:
            view = blocks.details_modal(result.details, context["tz"])
            if result.details.safeguarding and self.forms.flow_for(actor, DECISION_FLOW):
                view["blocks"].append(
                    {
                        "type": "actions",
                        "block_id": "decision",
                        "elements": [
                            blocks.button(
                                "Record decision",
                                f"{DECISION_START}{concern_id}",
                                style="primary",
                            )
                        ],
                    }
                )
        else:
            view = blocks.message_modal("Not available", result.message, "concern.refused")
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_scheduler_button(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """Done, "they have replied", "I have chased them", "look at them together": the
        scheduler's action handler re-authorises the tap; the message then says what was done."""
        await ack()
        actor: StaffActor = context["actor"]
        action_id = body["actions"][0]["action_id"]
        now = self.core.clock.now()
        result = await self.db(self._tx, scheduler_actions.tap, actor, action_id, now)
        if result is None:
            return
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        message = body.get("message") or {}
        if result.done and result.kind != scheduler_actions.REVIEW_PUPIL and message.get("ts"):
            await client.chat_update(
                channel=channel,
                ts=message["ts"],
                text=f"{message.get('text', '')}\n{result.text}",
                blocks=blocks.tapped_blocks(
                    message.get("blocks", []), result.text, actor.name, now, context["tz"]
                ),
            )
        else:
            title = "Concerns together" if result.done else "sendbot"
            await client.views_open(
                trigger_id=body["trigger_id"], view=blocks.message_modal(title, result.text)
            )
        if result.done:
            await self.refresh_homes(client, actor)

    async def on_decision_start(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """From the details: the decision form over them, with this concern chosen."""
        await ack()
        actor: StaffActor = context["actor"]
        concern_id = body["actions"][0]["action_id"].split(":", 1)[1]
        flow = self.forms.flow_for(actor, DECISION_FLOW)
        if flow is None:
            view = blocks.message_modal("sendbot", "That isn't something you can do in sendbot.")
        else:
            preview = await self.db(self.forms.preview, actor, flow, {"concern": concern_id})
            view = blocks.flow_modal(flow, preview.views, notes=preview.notes)
        await client.views_push(trigger_id=body["trigger_id"], view=view)

    def _reply_target(self, session: Any, token: str) -> int | None:
        action = action_ids.decode(session, token)
        return action.subject_id if action is not None and action.kind == "reply" else None

    def _may_reply(self, session: Any, actor: StaffActor, token: str) -> str | None:
        """Why this person cannot answer (asked before they type), or None if they can."""
        message_id = self._reply_target(session, token)
        message = session.get(ParentMessage, message_id) if message_id is not None else None
        if message is None:
            return "That button is out of date, or it is not for you."
        if not policy.may_reply_to_parent(session, actor, message):
            return "Only the SENCO or the child's teacher can answer this message."
        return None

    async def on_sealed_button(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """A parent message's Reply: a small form, for someone the policy lets answer (the
        parents service checks again on sending). The other staff buttons go to their own."""
        token = body["actions"][0]["action_id"]
        button = await self.db(self._read, scheduler_actions.staff_button, token)
        if button is not None:
            context["button"] = button
            if button.kind == scheduler_actions.ACKNOWLEDGE:
                return await self.on_acknowledge(ack, body, client, context)
            if button.kind == scheduler_actions.VIEW_DETAILS:
                return await self.on_view_details(ack, body, client, context)
            return await self.on_scheduler_button(ack, body, client, context)
        await ack()
        actor: StaffActor = context["actor"]
        refusal = await self.db(self._tx, self._may_reply, actor, token)
        if refusal is not None:
            view = blocks.message_modal("sendbot", refusal)
        else:
            view = blocks.reply_modal(REPLY_CALLBACK, token)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_reply_submit(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        actor: StaffActor = context["actor"]
        view = body["view"]
        token = str(_metadata(view).get("reply") or "")
        text = blocks.reply_text(view)
        now = self.core.clock.now()

        def send(session: Any) -> str:
            message_id = self._reply_target(session, token)
            if message_id is None:
                raise PermissionDenied("That button is out of date, or it is not for you.")
            parents.staff_reply(session, actor, message_id, text, now)
            return parents.reply_sent_note(text)

        try:
            note = await self.db(self._tx, send)
        except ValueError as error:
            await ack(response_action="errors", errors={blocks.REPLY_BLOCK: str(error)})
            return
        except PermissionDenied as error:
            await ack(
                response_action="update",
                view=blocks.message_modal("Not sent", f"{error} Nothing was sent."),
            )
            return
        await ack(
            response_action="update",
            view=blocks.message_modal("Reply sent", note),
        )

    async def on_home_opened(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        await ack()
        event = body.get("event") or {}
        if event.get("tab", "home") != "home":
            return
        await self.publish_home(client, context["actor"], event["user"], context["tz"])

    # --- linking staff who have not used sendbot yet -----------------------------------

    async def link_unlinked_staff(self) -> int:
        """Find each unlinked staff member's Slack account by email (users.lookupByEmail),
        so the first safeguarding alert reaches a DSL who never opened sendbot."""
        client = self.bolt.client
        team_id = str((await client.auth_test()).get("team_id") or "")
        if not team_id:
            return 0
        unlinked = await self.db(self._tx, identities.unlinked_slack_staff, team_id)
        linked = 0
        for _staff_id, email in unlinked:
            try:
                found = await client.users_lookupByEmail(email=email)
            except SlackApiError as error:
                code = error.response.get("error")
                if code == "ratelimited":
                    wait = float(error.response.headers.get("Retry-After", 30))
                    log.info("users.lookupByEmail rate limited; waiting %.0f s", wait)
                    await asyncio.sleep(wait)
                elif code != "users_not_found":
                    log.warning("users.lookupByEmail failed: %s", code)
                continue
            user = found.get("user") or {}
            if user.get("deleted") or user.get("is_bot") or user.get("team_id", team_id) != team_id:
                continue
            now = self.core.clock.now()
            if await self.db(self._tx, self._link, team_id, user["id"], email, now):
                linked += 1
        return linked

    # --- the Home tab -------------------------------------------------------------------

    def _board(self, session: Any, actor: StaffActor) -> dashboard.Dashboard:
        return dashboard.dashboard(session, actor, self.core.clock.now())

    async def publish_home(
        self, client: AsyncWebClient, actor: StaffActor, user_id: str, tz: str
    ) -> None:
        board = await self.db(self._read, self._board, actor)
        flows = [(f.name, f.title) for f in self.core.conversations.registry.for_actor(actor)]
        await client.views_publish(user_id=user_id, view=blocks.home_view(board, flows, tz))

    def _leads(self, session: Any, school_id: int) -> list[tuple[StaffActor, str, str]]:
        """Slack accounts whose dashboards change when a record changes: SENCO and leads."""
        roles = [Role.SENCO.value, Role.DSL.value, Role.DEPUTY_DSL.value]
        rows = session.execute(identities_query(school_id, roles)).all()
        school = session.get(School, school_id)
        tz = school.timezone if school else "Europe/London"
        return [(actor_for_staff(staff), user_id, tz) for staff, user_id in rows]

    async def refresh_homes(self, client: AsyncWebClient, actor: StaffActor) -> None:
        """After a change: the person's own Home tab, then the SENCO's and the leads'."""
        found = await self.db(self._read, self._leads, actor.school_id)
        mine = await self.db(self._read, self._my_slack, actor)
        targets = ([mine] if mine else []) + [t for t in found if not mine or t[1] != mine[1]]
        for who, user_id, tz in targets:
            await self._refresh_once(client, who, user_id, tz)

    async def _refresh_once(
        self, client: AsyncWebClient, actor: StaffActor, user_id: str, tz: str
    ) -> None:
        """One refresh of a person's Home tab at a time. A change during it asks for one more
        after, so 20 concerns saved at once redraw the SENCO's tab twice, not 20 times, and
        the last drawing always shows the last change, as the person is now."""
        self._refresh_again[user_id] = (actor, tz)
        if user_id in self._refreshing:
            return
        self._refreshing.add(user_id)
        try:
            while user_id in self._refresh_again:
                who, zone = self._refresh_again.pop(user_id)
                try:
                    await self.publish_home(client, who, user_id, zone)
                except SlackApiError as error:
                    log.warning("could not refresh a Home tab: %s", error.response.get("error"))
                except Exception:  # the next change redraws it; the others still get theirs
                    log.exception("could not refresh a Home tab")
        finally:
            self._refreshing.discard(user_id)

    def _my_slack(self, session: Any, actor: StaffActor) -> tuple[StaffActor, str, str] | None:
        address = identities.slack_address(session, actor.staff_id)
        if address is None:
            return None
        return actor, address[1], self._school_tz(session, actor)


def identities_query(school_id: int, roles: list[str]) -> Select[tuple[Staff, str]]:
    return (
        select(Staff, Identity.external_id)
        .join(Identity, Identity.staff_id == Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(
            Staff.school_id == school_id,
            Staff.active,
            Identity.platform == PLATFORM,
            Identity.active,
            StaffRole.role.in_(roles),
        )
        .distinct()
    )


def make_client(bot_token: str, api_url: str | None) -> AsyncWebClient:
    """The Web API client; `api_url` points it at a staging or test server."""
    if api_url:
        base = api_url if api_url.endswith("/") else api_url + "/"
        return AsyncWebClient(token=bot_token, base_url=base)
    return AsyncWebClient(token=bot_token)


def build_slack_app(
    core: Core,
    *,
    bot_token: str,
    signing_secret: str | None,
    api_url: str | None = None,
    socket_mode: bool = False,
) -> SlackApp:
    if not socket_mode and not signing_secret:
        raise ValueError("SENDBOT_SLACK_SIGNING_SECRET is needed to verify Slack's requests")
    bolt = AsyncApp(
        client=make_client(bot_token, api_url),
        signing_secret=signing_secret or "socket-mode",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        name="sendbot",
    )
    return SlackApp(core, bolt)
