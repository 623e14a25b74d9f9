"""What every Slack listener shares: the core, the forms, and the Home tabs to redraw.

The synchronous core runs in a thread (`asyncio.to_thread`), one transaction a call; the
Home tab only reads, so it never queues behind, or holds up, someone saving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sendbot.conversations.forms import Forms
from sendbot.handlers.slack import record_blocks
from sendbot.services import dashboard, identities, staff_accounts
from sendbot.services.actors import StaffActor
from sendbot.services.staff_accounts import StaffAccount, StaffAdmission
from sendbot.serving.core import Core

log = logging.getLogger(__name__)

PLATFORM = identities.SLACK


class SlackApp:
    """Holds the core and the Bolt app whose listeners call into it."""

    def __init__(self, core: Core, bolt: AsyncApp) -> None:
        self.core = core
        self.bolt = bolt
        self.forms = Forms(core.sessions, core.conversations.registry, core.clock, PLATFORM)
        self._refreshing: set[str] = set()  # Slack users whose Home tab is being drawn
        # ... and the latest person and time zone to draw it for, when it changed meanwhile
        self._refresh_again: dict[str, tuple[StaffActor, str]] = {}

    # --- the core, off the event loop -----------------------------------------------------

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The synchronous core, off the event loop."""
        return await asyncio.to_thread(fn, *args)

    def tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(session, *args)` in one transaction."""
        with self.core.sessions() as session, session.begin():
            return fn(session, *args)

    def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Reading only (the Home tab): never queues behind, or holds up, someone saving."""
        with self.core.sessions() as session:
            return fn(session, *args)

    def now(self) -> datetime:
        return self.core.clock.now()

    def admit(
        self,
        session: Any,
        event_id: str | None,
        team_id: str,
        user_id: str,
        now: datetime,
        counted: bool,
        once: tuple[str, ...] = (),
    ) -> StaffAdmission:
        """The inbound gate for one request (run with `tx`)."""
        return staff_accounts.admit_slack_staff(
            session, event_id, team_id, user_id, now, counted=counted, once=once
        )

    # --- the Home tab -----------------------------------------------------------------------

    async def publish_home(
        self, client: AsyncWebClient, actor: StaffActor, user_id: str, tz: str
    ) -> None:
        board = await self.db(self.read, dashboard.dashboard, actor, self.now())
        flows = [(f.name, f.title) for f in self.core.conversations.registry.for_actor(actor)]
        await client.views_publish(user_id=user_id, view=record_blocks.home_view(board, flows, tz))

    async def refresh_homes(self, client: AsyncWebClient, actor: StaffActor) -> None:
        """After a change: the person's own Home tab, then the SENCO's and the leads'."""
        leads: list[StaffAccount] = await self.db(
            self.read, staff_accounts.slack_leads, actor.school_id
        )
        mine: StaffAccount | None = await self.db(
            self.read, staff_accounts.own_slack_account, actor
        )
        targets = ([mine] if mine else []) + [
            lead for lead in leads if not mine or lead.user_id != mine.user_id
        ]
        for account in targets:
            await self._refresh_once(client, account.actor, account.user_id, account.timezone)

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

    # --- linking staff who have not used sendbot yet -----------------------------------

    async def link_unlinked_staff(self) -> int:
        """Find each unlinked staff member's Slack account by email (users.lookupByEmail),
        so the first safeguarding alert reaches a DSL who never opened sendbot."""
        client = self.bolt.client
        team_id = str((await client.auth_test()).get("team_id") or "")
        if not team_id:
            return 0
        unlinked = await self.db(self.tx, identities.unlinked_slack_staff, team_id)
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
            account = await self.db(
                self.tx, staff_accounts.link_slack_by_email, team_id, user["id"], email, self.now()
            )
            if account is not None:
                linked += 1
        return linked
