"""A local OpenID provider for the browser tests, speaking the protocol as Entra ID does.

Its discovery document, its JWKS (one RSA key), an authorize endpoint that signs in
whoever the test says (`next_email`) and sends the browser straight back with a code, and a
token endpoint that checks the client's secret and the PKCE verifier and returns an RS256
ID token carrying the nonce, the tenant (`tid`) and the email.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

TENANT = "oakfield-tenant-0001"
CLIENT_ID = "sendbot-staff-pages"
CLIENT_SECRET = "fake-provider-secret"


@dataclass
class FakeProvider:
    issuer: str = ""
    next_email: str = ""
    tenant: str = TENANT
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "fake-1", "use": "sig", "alg": "RS256"}
        )
    )
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/keys", self.jwks)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/keys",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query["nonce"],
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "email": self.next_email,
        }
        back = {"code": code, "state": query["state"]}
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            grant is None
            or form.get("client_secret") != CLIENT_SECRET
            or challenge.decode() != grant["challenge"]
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response({"id_token": self.id_token(grant["email"], grant["nonce"])})

    def id_token(self, email: str, nonce: str, /, **changes: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": hashlib.sha256(email.encode()).hexdigest()[:20],
            "iat": now,
            "exp": now + 600,
            "nonce": nonce,
            "tid": self.tenant,
            "email": email,
            **changes,
        }
        return jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, self.key)
