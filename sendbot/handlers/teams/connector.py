"""The bot's own calls to Teams: a token for the Bot Connector, and the SDK's client.

The token is the app's own (OAuth 2.0 client credentials for the Bot Framework's scope),
asked of the tenant's token endpoint (configurable so tests use a local one) and kept until
five minutes before it expires. With a certificate instead of a secret, the SDK's MSAL
provider asks Microsoft's endpoint (`microsoft_agents.authentication.msal`). The REST calls
themselves are the SDK's `TeamsConnectorClient`, over one kept HTTP session per service
URL (`Clients`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

BOT_SCOPE = "https://api.botframework.com/.default"
EARLY_SECONDS = 300


def default_token_url(tenant_id: str) -> str:
    return f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"


@dataclass(frozen=True)
class AppCredentials:
    app_id: str
    tenant_id: str
    secret: str | None = None
    certificate_file: Path | None = None
    token_url: str | None = None


class TokenSource:
    """The app's Bot Connector token, cached; safe to share between tasks."""

    def __init__(self, credentials: AppCredentials, scope: str = BOT_SCOPE) -> None:
        self.credentials = credentials
        self.scope = scope
        self._token = ""
        self._until = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token and time.monotonic() < self._until:
                return self._token
            token, lifetime = await self._fetch()
            self._token, self._until = token, time.monotonic() + max(lifetime - EARLY_SECONDS, 30)
            return self._token

    def forget(self) -> None:
        """After a 401: the next call asks for a new token."""
        self._token, self._until = "", 0.0

    async def _fetch(self) -> tuple[str, float]:
        c = self.credentials
        if c.secret is None and c.certificate_file is not None:
            return await self._msal_certificate()
        url = c.token_url or default_token_url(c.tenant_id)
        form = {
            "grant_type": "client_credentials",
            "client_id": c.app_id,
            "client_secret": c.secret or "",
            "scope": self.scope,
        }
        timeout = aiohttp.ClientTimeout(total=20)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, data=form) as answer,
        ):
            if answer.status != 200:
                raise ConnectionError(f"the token endpoint answered {answer.status}")
            body = await answer.json(content_type=None)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConnectionError("the token endpoint gave no access token")
        lifetime = body.get("expires_in", 3600)
        return token, float(lifetime) if isinstance(lifetime, (int, float, str)) else 3600.0

    async def _msal_certificate(self) -> tuple[str, float]:
        from microsoft_agents.authentication.msal import MsalAuth
        from microsoft_agents.hosting.core.authorization import (
            AgentAuthConfiguration,
            AuthTypes,
        )

        c = self.credentials
        config = AgentAuthConfiguration(
            auth_type=AuthTypes.certificate,
            client_id=c.app_id,
            tenant_id=c.tenant_id,
            cert_pfx_file=str(c.certificate_file),
        )
        token = await MsalAuth(config).get_access_token(self.scope, [self.scope])
        return token, 3600.0


class Clients:
    """The SDK's connector client for each conversation service, over one kept HTTP session
    per service URL (a new connection for every message would cost more than the message)."""

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    async def client(self, service_url: str) -> TeamsConnectorClient:
        token = await self.tokens.token()
        base = service_url if service_url.endswith("/") else service_url + "/"
        session = self._sessions.get(base)
        if session is None or session.closed:
            timeout = aiohttp.ClientTimeout(total=30)
            session = aiohttp.ClientSession(base_url=base, timeout=timeout)
            self._sessions[base] = session
        return TeamsConnectorClient(base, token, session=session)

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
