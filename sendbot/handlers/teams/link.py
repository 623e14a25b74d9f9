"""`sendbot teams link`: every member of staff's Teams account found by the roster's email,
through Microsoft Graph, before anyone has written to sendbot.

Needs the app registration's Microsoft Graph application permission `User.Read.All`, with an
admin's consent. Members of the tenant only: guests are never linked. An account already
linked is left as it is. Linking does not let sendbot write to someone yet: Teams needs the
app installed for them (the setup policy of docs/teams-setup.md), and the install is when
sendbot keeps their chat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp

from sendbot.config import Settings
from sendbot.handlers.teams.connector import TokenSource
from sendbot.handlers.teams.plugin import credentials_from
from sendbot.services import teams_accounts
from sendbot.serving.core import build_core

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_PAGES = 200


@dataclass(frozen=True)
class Linked:
    linked: int
    already: int
    guests_skipped: int


class LinkError(Exception):
    """Something the person running the command can fix; the message says what."""


async def _users(settings: Settings, tokens: TokenSource) -> list[dict[str, Any]]:
    url: str | None = (
        settings.teams_graph_url.rstrip("/")
        + "/users?$select=id,mail,userPrincipalName,userType&$top=999"
    )
    found: list[dict[str, Any]] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for _ in range(MAX_PAGES):
            if url is None:
                break
            headers = {"Authorization": f"Bearer {await tokens.token()}"}
            async with http.get(url, headers=headers) as answer:
                if answer.status in (401, 403):
                    raise LinkError(
                        "Microsoft Graph refused: grant the app the User.Read.All application "
                        "permission, with an admin's consent, then try again."
                    )
                if answer.status != 200:
                    raise LinkError(f"Microsoft Graph answered {answer.status}; try again later.")
                page = await answer.json()
            found.extend(u for u in page.get("value", []) if isinstance(u, dict))
            next_link = page.get("@odata.nextLink")
            url = next_link if isinstance(next_link, str) else None
    return found


async def link(settings: Settings) -> Linked:
    if not settings.teams_configured():
        raise LinkError(
            "Set SENDBOT_TEAMS_APP_ID, SENDBOT_TEAMS_TENANT_ID and SENDBOT_TEAMS_APP_SECRET "
            "(or SENDBOT_TEAMS_CERTIFICATE_FILE) first."
        )
    credentials = credentials_from(settings)
    try:
        users = await _users(settings, TokenSource(credentials, scope=GRAPH_SCOPE))
    except ConnectionError as error:  # the token endpoint said no
        raise LinkError(
            f"Microsoft's sign-in did not give sendbot a token ({error}): check the app id, "
            "tenant id and secret or certificate."
        ) from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise LinkError(
            f"Microsoft Graph could not be reached ({type(error).__name__})."
        ) from error
    core = build_core(settings)

    def save() -> Linked:
        linked = already = guests = 0
        now = core.clock.now()
        with core.sessions() as session, session.begin():
            for user in users:
                aad, kind = str(user.get("id") or ""), str(user.get("userType") or "Member")
                email = str(user.get("mail") or user.get("userPrincipalName") or "")
                if not aad or not email:
                    continue
                if kind.lower() == "guest":
                    guests += 1
                    continue
                if teams_accounts.has_teams_identity(session, credentials.tenant_id, aad):
                    already += 1
                elif teams_accounts.link_by_email(session, credentials.tenant_id, aad, email, now):
                    linked += 1
        return Linked(linked, already, guests)

    try:
        return await asyncio.to_thread(save)
    finally:
        core.db.dispose()
