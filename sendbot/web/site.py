"""The frame every staff page shares: the sub-application, its security headers, sessions,
form tokens, templates and kind error pages.

A page is one handler and one template. A handler decorated with `@signed_in` is given the
signed-in member of staff (`Who`) and returns `render(...)`; a form it handles is checked for
its token before the handler runs (`@form`). `pages.py` lists the routes.

Every response carries a strict Content-Security-Policy (no script at all, `default-src
'self'`), `frame-ancestors 'none'` and `X-Frame-Options: DENY`, `Referrer-Policy:
no-referrer`, `Cache-Control: no-store` (pages hold a child's details) and `nosniff`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from sendbot.services import web_access
from sendbot.services.actors import StaffActor
from sendbot.serving.core import Core
from sendbot.web.oidc import Provider

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PREFIX = "/staff"
SCHOOL_ZONE = ZoneInfo("Europe/London")  # every school sendbot serves is in England
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self'; style-src 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
MAX_FORM = 16_000

T = TypeVar("T")


class NotServable(ValueError):
    """The configured address cannot carry secure cookies; the message says what to set."""


@dataclass
class Web:
    core: Core
    base_url: str
    secure: bool
    templates: jinja2.Environment
    provider: Provider | None

    @property
    def session_cookie(self) -> str:
        # __Host- cookies are only ever sent over https, for this host, for every path.
        return "__Host-sendbot-staff" if self.secure else "sendbot-staff"

    @property
    def flow_cookie(self) -> str:
        return "__Host-sendbot-oidc" if self.secure else "sendbot-oidc"

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    async def db(self, work: Callable[..., T], *args: Any) -> T:
        """One transaction in a worker thread: the core is synchronous."""

        def run() -> T:
            with self.core.sessions() as session, session.begin():
                return work(session, *args)

        return await asyncio.to_thread(run)

    def now(self) -> datetime:
        return self.core.clock.now()


WEB_KEY: web.AppKey[Web] = web.AppKey("staff_web", Web)


def secure_base(url: str) -> tuple[str, bool]:
    """The base address and whether cookies are Secure: https, or plain http on this
    machine only (tests and the demo)."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.netloc:
        return url.rstrip("/"), True
    if parsed.scheme == "http" and (parsed.hostname or "") in LOCAL_HOSTS:
        return url.rstrip("/"), False
    raise NotServable(
        f"SENDBOT_WEB_URL must be an https:// address (or http://localhost for a test), "
        f"not {url!r}: the staff pages hold children's records."
    )


def when(moment: datetime | None) -> str:
    """A time in words, in the school's time zone: "Monday 7 December 2026 at 09:15"."""
    if moment is None:
        return ""
    return moment.astimezone(SCHOOL_ZONE).strftime("%A %-d %B %Y at %H:%M")


def day(moment: datetime | None) -> str:
    """The day alone, for a time the reporter did not know: "Monday 7 December 2026"."""
    if moment is None:
        return ""
    return moment.astimezone(SCHOOL_ZONE).strftime("%A %-d %B %Y")


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = when
    env.filters["day"] = day
    return env


# --- responses ---------------------------------------------------------------------------------


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = render(request, "problem.html", status=404, **NOT_FOUND)
    except web.HTTPMethodNotAllowed:
        response = render(request, "problem.html", status=405, **NOT_FOUND)
    except web.HTTPRequestEntityTooLarge:
        response = render(request, "problem.html", status=413, **TOO_LONG)
    except web.HTTPBadRequest:
        response = render(request, "problem.html", status=400, **NOT_A_FORM)
    site = request.app[WEB_KEY]
    response.headers.update(HEADERS)
    if site.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


NOT_FOUND = {
    "title": "Page not found",
    "lines": [
        "There is no page at this address. Check the link, or start again from the home page."
    ],
}
NOT_A_FORM = {
    "title": "That could not be read",
    "lines": [
        "What your browser sent was not a form these pages can read. Nothing was saved; go "
        "back and try again."
    ],
}
TOO_LONG = {
    "title": "That was too long",
    "lines": ["What you sent was too long to save. Nothing was saved; go back and shorten it."],
}


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    site = request.app[WEB_KEY]
    who = request.get(WHO_KEY)
    page = site.templates.get_template(template).render(
        who=who, csrf=who.csrf if who else "", prefix=PREFIX, **context
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def see_other(path: str) -> web.Response:
    """303 to another page (returned, not raised, so the cookies set on it are kept)."""
    return web.Response(status=303, headers={"Location": path})


# --- who is signed in -------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    actor: StaffActor
    cookie: str

    @property
    def csrf(self) -> str:
        return web_access.csrf_token(self.cookie)


SESSION_PROBLEMS = {
    "none": ["Please sign in to see this page."],
    "unknown": [
        "Your browser sent a sign-in that sendbot did not give it, so it was not accepted.",
        "Nothing has been lost. Please sign in again.",
    ],
    "ended": [
        "That sign-in has ended (you signed out, or it was used somewhere else).",
        "Nothing has been lost. Please sign in again.",
    ],
    "idle": [
        "You were signed out after 15 minutes without use, to keep children's records safe.",
        "Nothing you saved has been lost. Please sign in again.",
    ],
}

WHO_KEY: web.RequestKey[Who] = web.RequestKey("who", Who)

Handler = Callable[[web.Request, Who], Awaitable[web.StreamResponse]]


def set_session_cookie(response: web.StreamResponse, site: Web, cookie: str) -> None:
    response.set_cookie(
        site.session_cookie,
        cookie,
        path="/",
        secure=site.secure,
        httponly=True,
        samesite="Lax",
    )


def clear_cookie(response: web.StreamResponse, site: Web, name: str) -> None:
    response.del_cookie(name, path="/", secure=site.secure, httponly=True, samesite="Lax")


def signed_in(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The page needs a live session: otherwise a kind page to sign in again (the cookie is
    cleared when it was forged, ended or idle)."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        site = request.app[WEB_KEY]
        cookie = request.cookies.get(site.session_cookie)
        found = await site.db(web_access.current, cookie, site.now())
        if found.actor is None or cookie is None:
            response = render(
                request,
                "sign_in.html",
                status=401,
                lines=SESSION_PROBLEMS.get(found.problem or "none", SESSION_PROBLEMS["none"]),
                page=request.path,
                oidc=site.provider is not None,
            )
            if cookie is not None:
                clear_cookie(response, site, site.session_cookie)
            return response
        who = Who(found.actor, cookie)
        request[WHO_KEY] = who
        return await handler(request, who)

    return page


FORM_EXPIRED = [
    "For your safety, the form needed refreshing before it could be saved.",
    "Nothing was saved yet, and what you typed is below: check it and press the button again.",
]


async def form_of(request: web.Request) -> dict[str, str]:
    if request.content_length is not None and request.content_length > MAX_FORM:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM, actual_size=request.content_length)
    try:
        data = await request.post()
    except ValueError as problem:  # multipart with no boundary, bytes that are not UTF-8...
        log.info("staff pages: a form that could not be read (%s)", type(problem).__name__)
        raise web.HTTPBadRequest() from None
    return {key: value for key, value in data.items() if isinstance(value, str)}


def csrf_ok(who: Who, form: dict[str, str]) -> bool:
    return web_access.csrf_ok(who.cookie, form.get("csrf"))
