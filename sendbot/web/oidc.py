"""Staff sign-in with OpenID Connect: Microsoft Entra ID or Google Workspace.

The authorization code flow with PKCE (S256), `state` and `nonce`, from the provider's
discovery document (`<issuer>/.well-known/openid-configuration`). The ID token is checked
with joserfc, Authlib's JOSE library: its RS256 signature against the provider's JWKS, its
issuer (exactly the configured one, as the discovery document must also say), audience (our
client id), expiry and issue time, and the nonce this browser was given. Then the tenant:
Entra's `tid` or Google's `hd` must be the configured one, so an account of another
organisation with the same address is refused. The `email` claim must be verified
(`email_verified`); Entra's tokens carry no such claim, and there the tenant check stands
for it: addresses in the school's own tenant are given out by its administrators.

Authlib's helpers make the PKCE challenge and the random values; the HTTP calls are httpx.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

GOOGLE_ISSUER = "https://accounts.google.com"
ALGORITHMS = ["RS256"]
CLOCK_SKEW_SECONDS = 60


class SignInFailed(Exception):
    """The provider's answer was not one we can trust; the message is safe to show."""


@dataclass(frozen=True)
class Pending:
    """What this browser was given when it left for the provider (kept in its cookie)."""

    state: str
    nonce: str
    verifier: str
    page: str

    @staticmethod
    def new(page: str) -> Pending:
        return Pending(generate_token(32), generate_token(32), generate_token(64), page)


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    tenant: str
    redirect_uri: str
    timeout: float = 10.0
    _metadata: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return "google" if self.issuer.rstrip("/") == GOOGLE_ISSUER else "entra"

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            found = await self._get(url)
            if found.get("issuer") != self.issuer:
                raise SignInFailed("The sign-in service described itself as someone else.")
            self._metadata = found
        return self._metadata

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SignInFailed("The sign-in service could not be reached.") from error
        if not isinstance(data, dict):
            raise SignInFailed("The sign-in service gave an answer we could not read.")
        return data

    async def authorize_url(self, pending: Pending) -> str:
        meta = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid email profile",
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.verifier),
            "code_challenge_method": "S256",
            "prompt": "select_account",
        }
        if self.name == "google":
            query["hd"] = self.tenant
        return f"{meta['authorization_endpoint']}?{urlencode(query)}"

    async def email_of(self, code: str, pending: Pending) -> str:
        """The verified email address the provider signs for, after every check."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code_verifier": pending.verifier,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(meta["token_endpoint"], data=form)
                response.raise_for_status()
                id_token = response.json()["id_token"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise SignInFailed("The sign-in service did not confirm who you are.") from error
        keys = KeySet.import_key_set(await self._get(meta["jwks_uri"]))  # type: ignore[arg-type]
        return self.checked_email(id_token, keys, pending.nonce)

    def checked_email(self, id_token: str, keys: KeySet, nonce: str) -> str:
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=CLOCK_SKEW_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
                sub={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError) as error:
            raise SignInFailed("The sign-in service's answer did not check out.") from error
        return self._email(token.claims)

    def _email(self, claims: dict[str, Any]) -> str:
        where = "hd" if self.name == "google" else "tid"
        if claims.get(where) != self.tenant:
            raise SignInFailed("That account is not one of your school's.")
        email = claims.get("email")
        verified = claims.get("email_verified")
        if not isinstance(email, str) or "@" not in email:
            raise SignInFailed("The sign-in service did not give an email address.")
        if verified is not True and not (self.name == "entra" and verified is None):
            raise SignInFailed("The sign-in service has not verified that email address.")
        return email


def host_of(url: str) -> str:
    return urlparse(url).netloc
