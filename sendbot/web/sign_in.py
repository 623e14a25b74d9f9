"""Signing in and out: a one-time link from the staff member's own chat, or the school's
accounts through OpenID Connect (`oidc.py`).

A link is opened with GET, which only shows a Sign in button: chat apps fetch links to show
a preview, and that must not use up the link. The button POSTs with a token from a
short-lived cookie of this browser (SameSite=Strict), so another site cannot sign someone in
with its own link.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets

from aiohttp import web

from sendbot.services import web_access
from sendbot.web.oidc import Pending, SignInFailed
from sendbot.web.site import (
    PREFIX,
    WEB_KEY,
    WHO_KEY,
    Web,
    Who,
    clear_cookie,
    csrf_ok,
    form_of,
    render,
    see_other,
    set_session_cookie,
    signed_in,
)

PRE_COOKIE = "sendbot-sign-in"

LINK_PROBLEMS = {
    "expired": (
        "This sign-in link has expired",
        [
            "Sign-in links work for 10 minutes, to keep children's records safe.",
            "Nothing has been lost. Press the button and a new link will be sent to your "
            "chat with sendbot.",
        ],
    ),
    "used": (
        "This sign-in link has been used",
        [
            "Each link works once. If it was not you who used it, tell the designated "
            "safeguarding lead.",
            "Press the button and a new link will be sent to your chat with sendbot.",
        ],
    ),
    "unknown": (
        "This sign-in link is not valid",
        [
            "Check that the whole link was copied, or ask for a new one: type 'sign in' in "
            "your chat with sendbot.",
        ],
    ),
    "refused": (
        "You can't sign in",
        [
            "This account can't sign in to sendbot's web pages. Ask the school admin if you think it should."
        ],
    ),
}


def _pre_cookie(response: web.StreamResponse, site: Web, value: str) -> None:
    response.set_cookie(
        PRE_COOKIE,
        value,
        path=PREFIX + "/",
        secure=site.secure,
        httponly=True,
        samesite="Strict",
        max_age=600,
    )


def _pre_ok(request: web.Request, form: dict[str, str]) -> bool:
    cookie, given = request.cookies.get(PRE_COOKIE), form.get("csrf")
    return bool(cookie and given) and web_access.same_secret(str(cookie), str(given))


async def home(request: web.Request) -> web.StreamResponse:
    """The sign-in page, or straight to the list for someone signed in."""
    site = request.app[WEB_KEY]
    cookie = request.cookies.get(site.session_cookie)
    if cookie:
        return see_other(PREFIX + "/concerns")
    return render(
        request, "sign_in.html", lines=[], page=PREFIX + "/concerns", oidc=site.provider is not None
    )


async def open_link(request: web.Request) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    value = secrets.token_urlsafe(24)
    response = render(request, "link.html", token=request.match_info["token"], pre=value)
    _pre_cookie(response, site, value)
    return response


async def use_link(request: web.Request) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    form = await form_of(request)
    token = request.match_info["token"]
    if not _pre_ok(request, form):
        return await open_link(request)  # the button again, with a fresh form token
    done = await site.db(web_access.redeem_link, token, site.now())
    if done.cookie is None:
        title, lines = LINK_PROBLEMS[done.problem or "unknown"]
        value = secrets.token_urlsafe(24)
        resend = done.problem in ("expired", "used") and done.staff_id is not None
        response = render(
            request, "link_problem.html", status=400, title=title, lines=lines,
            token=token, pre=value, resend=resend,
        )  # fmt: skip
        _pre_cookie(response, site, value)
        return response
    response = see_other(done.page)
    set_session_cookie(response, site, done.cookie)
    clear_cookie(response, site, PRE_COOKIE)
    return response


async def new_link(request: web.Request) -> web.StreamResponse:
    """An expired or used link's button: a new link to the same person's own chat."""
    site = request.app[WEB_KEY]
    form = await form_of(request)
    if not _pre_ok(request, form):
        return await open_link(request)
    token = request.match_info["token"]
    sent = await site.db(web_access.send_new_link_for, token, site.base_url, site.now())
    lines = (
        ["A new sign-in link is on its way to your chat with sendbot. It works for 10 minutes."]
        if sent
        else LINK_PROBLEMS["unknown"][1]
    )
    title = "A new link is on its way" if sent else LINK_PROBLEMS["unknown"][0]
    return render(request, "problem.html", title=title, lines=lines)


@signed_in
async def sign_out(request: web.Request, who: Who) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    form = await form_of(request)
    if csrf_ok(who, form):
        await site.db(web_access.end_session, who.cookie, site.now())
    response = render(
        request, "problem.html", title="Signed out", lines=["You have signed out. Close this tab."]
    )
    request.pop(WHO_KEY, None)
    clear_cookie(response, site, site.session_cookie)
    return response


# --- OpenID Connect ------------------------------------------------------------------------------


def _pack(pending: Pending) -> str:
    raw = json.dumps([pending.state, pending.nonce, pending.verifier, pending.page])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _unpack(value: str | None) -> Pending | None:
    try:
        state, nonce, verifier, page = json.loads(base64.urlsafe_b64decode(value or ""))
    except (ValueError, TypeError, binascii.Error):
        return None
    return Pending(str(state), str(nonce), str(verifier), web_access.safe_page(str(page)))


async def oidc_start(request: web.Request) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    if site.provider is None:
        raise web.HTTPNotFound()
    pending = Pending.new(web_access.safe_page(request.query.get("page")))
    try:
        target = await site.provider.authorize_url(pending)
    except SignInFailed as failed:
        return render(
            request, "problem.html", status=502, title="Sign-in failed", lines=[str(failed)]
        )
    response = see_other(target)
    response.set_cookie(
        site.flow_cookie, _pack(pending), path="/", secure=site.secure, httponly=True,
        samesite="Lax", max_age=600,
    )  # fmt: skip
    return response


async def oidc_callback(request: web.Request) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    if site.provider is None:
        raise web.HTTPNotFound()
    pending = _unpack(request.cookies.get(site.flow_cookie))
    state, code = request.query.get("state", ""), request.query.get("code", "")
    failed = None
    email = None
    if request.query.get("error"):
        failed = (
            "Signing in with your school account was cancelled or refused. Nothing has been "
            "lost; you can try again."
        )
    elif pending is None or not code or not web_access.same_secret(pending.state, state):
        failed = "This sign-in was started in another window or has expired. Please start again."
    else:
        try:
            email = await site.provider.email_of(code, pending)
        except SignInFailed as error:
            failed = str(error)
    actor = None
    if email is not None:
        actor = await site.db(
            web_access.staff_by_verified_email, email, site.provider.name, site.now()
        )
        if actor is None:
            failed = "That account is not a member of staff who can use sendbot's web pages."
    if failed is not None or actor is None or pending is None:
        response = render(
            request, "sign_in.html", status=403, lines=[failed or ""], page=PREFIX + "/",
            oidc=True,
        )  # fmt: skip
        clear_cookie(response, site, site.flow_cookie)
        return response
    cookie = await site.db(web_access.start_session, actor, site.provider.name, site.now())
    response = see_other(pending.page)
    set_session_cookie(response, site, cookie)
    clear_cookie(response, site, site.flow_cookie)
    return response
