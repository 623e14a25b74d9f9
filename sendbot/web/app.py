"""The staff pages inside `sendbot serve`: a sub-application at /staff/, when the school has
given the pages' public address (`SENDBOT_WEB_URL`). docs/web.md."""

from __future__ import annotations

from aiohttp import web

from sendbot.config import Settings
from sendbot.serving.app import Plugin
from sendbot.serving.core import Core
from sendbot.web import pages, parents
from sendbot.web.oidc import Provider
from sendbot.web.site import HERE, PREFIX, WEB_KEY, Web, secure_base, security_headers, templates


def provider_of(settings: Settings, base_url: str) -> Provider | None:
    """The OpenID provider, when all of its settings are given (none: links only)."""
    if not settings.web_oidc_issuer:
        return None
    secret = settings.web_oidc_client_secret
    if not (settings.web_oidc_client_id and secret and settings.web_oidc_tenant):
        raise ValueError(
            "SENDBOT_WEB_OIDC_ISSUER needs SENDBOT_WEB_OIDC_CLIENT_ID, "
            "SENDBOT_WEB_OIDC_CLIENT_SECRET and SENDBOT_WEB_OIDC_TENANT too (docs/web.md)."
        )
    return Provider(
        issuer=settings.web_oidc_issuer,
        client_id=settings.web_oidc_client_id,
        client_secret=secret.get_secret_value(),
        tenant=settings.web_oidc_tenant,
        redirect_uri=f"{base_url}{PREFIX}/oidc/callback",
    )


def staff_pages(core: Core, base_url: str) -> web.Application:
    url, secure = secure_base(base_url)
    sub = web.Application(middlewares=[security_headers], client_max_size=64_000)
    sub[WEB_KEY] = Web(core, url, secure, templates(), provider_of(core.settings, url))
    sub.add_routes(pages.ROUTES)
    sub.router.add_static("/static/", HERE / "static", follow_symlinks=False)
    return sub


def web_plugin(settings: Settings) -> Plugin:
    """Checked now, so a wrong address stops `sendbot serve` with one line, not a page."""
    assert settings.web_url is not None
    provider_of(settings, secure_base(settings.web_url)[0])

    def register(app: web.Application, core: Core) -> None:
        assert settings.web_url is not None
        app.add_subapp(PREFIX + "/", staff_pages(core, settings.web_url))
        url, secure = secure_base(settings.web_url)
        app.add_subapp(parents.PREFIX + "/", parents.parent_pages(core, url, secure))

    return register
