"""Inbound Teams requests are authenticated the way the Agents SDK does it.

Every activity the Bot Framework channel posts carries a JWT signed with one of the keys the
channel publishes (its OpenID metadata names the key set). The SDK's `JwtTokenValidator`
checks the signature (RS256), the lifetime (five minutes' leeway), the audience (our app id)
and, as configured here, the issuer (the Bot Framework's). Only one thing is ours: where the
keys come from. In 1.9 the SDK picks the key set's address from the token's issuer, fixed
to Microsoft's hosts; its key lookup is a replaceable member of the validator, so ours reads
the key set the configured OpenID metadata names (Microsoft's by default, a local one in
tests), keeping every acceptance check the SDK's own. The token must also name the service
URL the activity claims (the Bot Framework's `serviceurl` claim), so a token for one
conversation service cannot vouch for an activity pointing somewhere else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
from typing import Any

from jwt import PyJWK, PyJWKClient
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
METADATA_TTL_SECONDS = 24 * 3600  # the channel's advice: fetch the metadata once a day


class KeySource:
    """The signing keys named by one OpenID metadata document, fetched and cached."""

    def __init__(self, openid_url: str, *, timeout: float = 10.0) -> None:
        self.openid_url = openid_url
        self.timeout = timeout
        self._lock = threading.Lock()
        self._client: PyJWKClient | None = None
        self._fetched = 0.0
        self._keys: dict[str, tuple[PyJWK, float]] = {}

    def _keys_client(self) -> PyJWKClient:
        with self._lock:
            if self._client is None or time.monotonic() - self._fetched > METADATA_TTL_SECONDS:
                with urllib.request.urlopen(self.openid_url, timeout=self.timeout) as answer:
                    metadata = json.loads(answer.read())
                jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
                if not isinstance(jwks_uri, str) or not jwks_uri.startswith(
                    ("https://", "http://")
                ):
                    raise ValueError("the OpenID metadata names no key set")
                self._client = PyJWKClient(jwks_uri, timeout=int(self.timeout))
                self._fetched = time.monotonic()
            return self._client

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        """The SDK's key lookup, by the token's key id; `jwks_uri` (the SDK's fixed choice)
        is replaced by the key set the OpenID metadata names. A key seen in the last day is
        answered from memory; an unknown key id fetches the set again (keys roll over)."""
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise ValueError("the token names no signing key")
        known = self._keys.get(kid)
        if known is not None and time.monotonic() - known[1] < METADATA_TTL_SECONDS:
            return known[0]

        def lookup() -> PyJWK:
            return self._keys_client().get_signing_key(kid)

        key = await asyncio.to_thread(lookup)
        self._keys[kid] = (key, time.monotonic())
        return key


class TokenCheck:
    """Says whether an Authorization header is a valid Bot Framework token for this app."""

    def __init__(self, app_id: str, tenant_id: str, openid_url: str) -> None:
        self.config = AgentAuthConfiguration(
            client_id=app_id,
            tenant_id=tenant_id,
            issuers=[BOT_FRAMEWORK_ISSUER],
            validate_issuer=True,
            anonymous_allowed=False,
        )
        self.validator = JwtTokenValidator(self.config)
        # The SDK's one injection point for keys: an instance attribute shadows its class-wide
        # cache, so this validator alone reads the configured key set.
        self.validator._jwk_client_manager = KeySource(openid_url)  # type: ignore[assignment]

    async def claims(self, authorization: str | None) -> ClaimsIdentity | None:
        """The verified claims, or None for a missing, malformed, forged or expired token."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self.validator.validate_token(token.strip())
        except Exception as error:  # PyJWT's errors, ValueError, an unreachable key set
            log.warning("teams: refused a request token (%s)", type(error).__name__)
            return None


def service_url_matches(claims: ClaimsIdentity, service_url: str) -> bool:
    """The token's `serviceurl` claim names the activity's service URL (when it has one)."""
    said = claims.claims.get("serviceurl") if claims.claims else None
    if said is None:
        return True
    return isinstance(said, str) and said.rstrip("/").lower() == service_url.rstrip("/").lower()
