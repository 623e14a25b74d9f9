"""The parents' one-tap pages, at `/p/<token>`: the link an email or a text message carries.

One page for each purpose of a link (services/parent_links.py): an invitation (the four
answers the chat's buttons give, and "Add to my calendar"), views before a review, a
message to read (the same registry message the chat gets), and a message to the school;
every page links to the settings (language, and how the school contacts the parent).

The pages are in the parent's language (the parent catalogs, `parent_words.py`), right to
left for Arabic and Urdu, and work without script: plain forms, POST then a redirect, each
form with a token bound to its link. Each handler runs one service call in one transaction
(`site.db`); the services re-authorise and audit every use.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from aiohttp import web
from markupsafe import Markup

from sendbot.delivery.parent_params import MeetingInvitationData
from sendbot.i18n.languages import ENGLISH, PARENT_LANGUAGES, Language
from sendbot.i18n.writer import Writer
from sendbot.messages import registry
from sendbot.messages.parents.honest import machine_notice
from sendbot.messages.parents.invitation import invitation_ics, meeting_title
from sendbot.services import guardian_channels, invites, meetings, parent_links, parents
from sendbot.serving.core import Core
from sendbot.web import parent_words
from sendbot.web.site import HEADERS, HERE, WEB_KEY, Web, form_of, see_other, templates

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PREFIX = "/p"
TOKEN = r"{token:[A-Za-z0-9_-]{10,64}}"


@dataclass
class View:
    """A page to show: its template, status and context, in the reader's language."""

    template: str
    status: int = 200
    language: Language = ENGLISH
    context: dict[str, Any] = field(default_factory=dict)


def _lang(language: Language) -> str:
    return language.code.replace("_", "-")


def render(request: web.Request, view: View) -> web.Response:
    site = request.app[WEB_KEY]
    w = Writer(view.language)
    context = {"t": parent_words.words(w), "lines": [], "csrf": "", "token": "", **view.context}
    # Said once on every page, in the layout, while the page's words are unchecked; the
    # message a page shows carries it too (the registry's renderers): not twice.
    context["machine"] = machine_notice(w)
    if context["machine"] and isinstance(context.get("text"), str):
        context["text"] = context["text"].removesuffix(f"\n\n{context['machine']}")
    page = site.templates.get_template(f"parents/{view.template}").render(
        lang=_lang(view.language),
        dir="rtl" if view.language.rtl else "ltr",
        prefix=PREFIX,
        **context,
    )
    return web.Response(text=page, status=view.status, content_type="text/html", charset="utf-8")


@web.middleware
async def parent_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        response = render(request, _unknown())
    except web.HTTPRequestEntityTooLarge:
        w = Writer()
        response = render(request, View("problem.html", 413, ENGLISH, _problem(w, "too_long")))
    site = request.app[WEB_KEY]
    response.headers.update(HEADERS)
    if site.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _problem(w: Writer, status: str) -> dict[str, Any]:
    if status == "too_long":
        return {"title": parent_words.too_long(w, parents.MESSAGE_LIMIT), "lines": []}
    title, lines = parent_words.link_problem(w, status)
    return {"title": title, "lines": lines, "resend": False}


def _unknown() -> View:
    return View("problem.html", 404, ENGLISH, _problem(Writer(), "unknown"))


# --- the work each page does, in one transaction ------------------------------------------


def _broken(session: Session, token: str, opened: parent_links.Opened, now: datetime) -> View:
    """A link that opens nothing: kindly, in the guardian's language when it was real."""
    if opened.status == "unknown" or opened.language is None:
        return _unknown()
    w = Writer(opened.language, opened.timezone)
    context = _problem(w, opened.status)
    context["resend"] = parent_links.can_send_new(session, token, now)
    if not context["resend"] and parent_links.meeting_gone(session, token, now):
        context["lines"] = [*context["lines"], parent_words.done(w, "past")]
    context["csrf"] = parent_links.form_token(session, token)
    context["token"] = token
    return View("problem.html", 410, opened.language, context)


def _notice(w: Writer, done: dict[str, str], child_of: Callable[[int], str]) -> list[str]:
    key = done.get("done", "")
    if key == "views" and done.get("child", "").isdigit():
        return [parent_words.views_saved(w, child_of(int(done["child"])))]
    if key == "message" and done.get("child", "").isdigit():
        return [parent_words.message_sent(w, child_of(int(done["child"])))]
    if key == "too_long":
        return [parent_words.too_long(w, parents.MESSAGE_LIMIT)]
    if key == "language":
        return [parent_words.language_saved(w, w.language.native_name)]
    said = parent_words.done(w, key, changed=done.get("changed") == "1")
    return [said] if said else []


def _page(session: Session, token: str, now: datetime, done: dict[str, str], part: str) -> View:
    """The link's page (`part`: main, views, message, settings), with the thank-you for
    what was just done."""
    opened = parent_links.open_link(session, token, now, doing=f"view:{part}")
    if not opened.ok or opened.language is None or opened.guardian_id is None:
        if done.get("done") == "new_link" and opened.language is not None:
            return View(
                "problem.html", 200, opened.language,
                {"title": parent_words.new_link_sent(Writer(opened.language)), "lines": []},
            )  # fmt: skip
        return _broken(session, token, opened, now)
    w = Writer(opened.language, opened.timezone)
    kids = parents.children(session, opened.guardian_id)
    names = {c.pupil_id: c.name for c in kids}
    context: dict[str, Any] = {
        "csrf": parent_links.form_token(session, token),
        "token": token,
        "lines": _notice(w, done, lambda pid: names.get(pid, "")),
        "children": kids,
        "purpose": opened.purpose,
        "part": part,
    }
    if part == "settings":
        return _settings(session, opened, w, context)
    if part == "message":
        context["title"] = parent_words.words(w)["message"]
        return View("message.html", 200, opened.language, context)
    if opened.purpose in (parent_links.LINK_TELEGRAM, parent_links.CONFIRM_EMAIL):
        return _connect(session, opened, w, context)
    shown = parent_links.shown(session, opened, now)
    message = registry.render(
        shown.template,
        parent_links.render_params(shown, opened, now),
        opened.language.code,
        session,
    )
    context.update(shown=shown, text=message.text if message else "")
    if opened.purpose in (parent_links.INVITATION, parent_links.VIEWS):
        return _invitation(w, opened, shown, context, views=part == "views")
    context["title"] = parent_words.words(w)["from_school"]
    return View("summary.html", 200, opened.language, context)


def _invitation(
    w: Writer,
    opened: parent_links.Opened,
    shown: parent_links.Shown,
    context: dict[str, Any],
    views: bool,
) -> View:
    data = MeetingInvitationData.from_params(shown.params["invitation"])
    child = data.child_name
    context.update(
        title=meeting_title(w, data.meeting_kind, child),
        answered=parent_words.answered(w, shown.rsvp),
        gone=parent_words.done(w, shown.meeting_gone) if shown.meeting_gone else "",
        interpreter_asked=parent_words.done(w, "interpreter_again") if shown.interpreter else "",
        asks_views=data.meeting_kind in meetings.VIEWS_KINDS,
        questions=parent_words.questions(w, child),
    )
    assert opened.language is not None
    if views or opened.purpose == parent_links.VIEWS:
        context["views_title"] = w._(
            "Would you like to tell us your views before the meeting about {child}?", child=child
        )
        return View("views.html", 200, opened.language, context)
    return View("invitation.html", 200, opened.language, context)


def _connect(
    session: Session, opened: parent_links.Opened, w: Writer, context: dict[str, Any]
) -> View:
    """Connect Telegram, or confirm the email address: one button, pressed by the parent."""
    assert opened.guardian_id is not None and opened.language is not None
    said = parent_words.connect(w)
    telegram = opened.purpose == parent_links.LINK_TELEGRAM
    context.update(
        said=said,
        title=said["telegram_title" if telegram else "email_title"],
        confirmed=not telegram and guardian_channels.email_confirmed(session, opened.guardian_id),
        invite="",
        qr="",
    )
    if context["confirmed"]:
        context["lines"] = [*context["lines"], said["confirmed"]]
    return View("connect.html", 200, opened.language, context)


def _telegram_page(session: Session, token: str, now: datetime, bot_username: str | None) -> View:
    """The parent pressed "Get my Telegram link": their invite, made now, shown once."""
    made = parent_links.telegram_invite(session, token, now, bot_username)
    view = _page(session, token, now, {}, "main")
    if view.template != "connect.html":
        return view
    if made == "no_telegram":
        view.context["lines"] = [*view.context["lines"], view.context["said"]["no_telegram"]]
    elif isinstance(made, invites.CreatedInvite):
        qr = segno.make(made.link, error="m").svg_inline(scale=5)
        view.context.update(invite=made.link, qr=Markup(qr))
    return view


def _settings(
    session: Session, opened: parent_links.Opened, w: Writer, context: dict[str, Any]
) -> View:
    assert opened.guardian_id is not None and opened.language is not None
    choices = parent_links.channels(session, opened.guardian_id)
    context.update(
        title=parent_words.words(w)["settings"],
        languages=[ENGLISH, *PARENT_LANGUAGES],
        current=opened.language.code,
        channels=choices if len(choices) > 1 else [],
        current_channel=guardian_channels.first_channel(session, opened.guardian_id),
    )
    return View("settings.html", 200, opened.language, context)


# --- handlers -------------------------------------------------------------------------------


def _token(request: web.Request) -> str:
    return request.match_info["token"]


def _query(request: web.Request) -> dict[str, str]:
    return {k: request.query.get(k, "")[:20] for k in ("done", "changed", "child")}


def _show(part: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def show(request: web.Request) -> web.StreamResponse:
        site = request.app[WEB_KEY]
        view = await site.db(_page, _token(request), site.now(), _query(request), part)
        return render(request, view)

    return show


Work = Callable[..., str]


def _posted(work: Work) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A form's handler: the form token first (a stale or forged form saves nothing and
    shows the page again), then the work, which says where to go next. A post that is no
    readable form (multipart without a boundary, bytes that are not UTF-8) is one without
    its token: the page again, in the parent's language, with its headers."""

    @functools.wraps(work)
    async def post(request: web.Request) -> web.StreamResponse:
        site = request.app[WEB_KEY]
        token = _token(request)
        form, refused = await _checked_form(request, token)
        if refused is not None:
            return refused
        where = await site.db(work, token, form, site.now())
        return see_other(f"{PREFIX}/{token}{where}")

    return post


async def _checked_form(
    request: web.Request, token: str
) -> tuple[dict[str, str], web.StreamResponse | None]:
    """The posted form, or the page again when its form token is stale, forged or missing
    (400 for a post that is no readable form, 403 for a wrong token)."""
    site = request.app[WEB_KEY]
    try:
        form = await form_of(request)
    except web.HTTPBadRequest:
        form = {}
    if await site.db(_form_ok, token, form.get("csrf")):
        return form, None
    view = await site.db(_page, token, site.now(), {"done": "form"}, "main")
    view.status = (400 if not form else 403) if view.status == 200 else view.status
    return form, render(request, view)


def _form_ok(session: Session, token: str, given: str | None) -> bool:
    return parent_links.form_ok(session, token, given)


def _then(path: str = "", **query: str) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def answer(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    result = parent_links.answer(session, token, form.get("choice", ""), now)
    if result.status in ("recorded",):
        changed = "1" if result.previous else "0"
        return _then(done=result.answer or "", changed=changed)
    if result.status in ("interpreter", "interpreter_again", "unchanged", "cancelled", "past"):
        return _then(done=result.status)
    return _then(done="stale" if result.status == "stale" else "")


def views(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    given = {q: form.get(q) for q in meetings.VIEW_QUESTIONS}
    child = parent_links.save_views(session, token, given, now)
    return _then(done="views", child=str(child)) if child else _then("/views")


def message(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    raw = form.get("pupil", "")
    if not raw.isdigit() or not form.get("text", "").strip():
        return _then("/message", done="empty")
    try:
        sent = parent_links.message_school(session, token, int(raw), form["text"], now)
    except ValueError as problem:
        return _then("/message", done="too_long" if "long" in str(problem) else "empty")
    return _then("/message", done="message", child=raw) if sent else _then("/message")


def language(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    chosen = parent_links.set_language(session, token, form.get("language", ""), now)
    return _then("/settings", done="language") if chosen else _then("/settings")


def confirm(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    parent_links.confirm_email(session, token, now)
    return _then()


async def telegram(request: web.Request) -> web.StreamResponse:
    """The invite is shown on the page the button's post returns (no redirect): its code is
    never stored, so no later page could show it again. A stale form makes none."""
    site = request.app[WEB_KEY]
    token = _token(request)
    _, refused = await _checked_form(request, token)
    if refused is not None:
        return refused
    username = site.core.settings.telegram_bot_username
    return render(request, await site.db(_telegram_page, token, site.now(), username))


def channel(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    change = parent_links.set_channel(session, token, form.get("channel", ""), now)
    if change is None:
        return _then("/settings")
    said = {"changed": "channel", "same": "channel_same"}.get(change.status, "channel_none")
    return _then("/settings", done=said)


def new_link(session: Session, token: str, form: dict[str, str], now: datetime) -> str:
    """The old link's button: never shows anything; the new link goes to the guardian."""
    parent_links.send_new_link(session, token, now)
    return _then(done="new_link")


def _calendar(session: Session, token: str, now: datetime) -> bytes | None:
    opened = parent_links.open_link(session, token, now, doing="calendar")
    if not opened.ok or opened.purpose not in (parent_links.INVITATION, parent_links.VIEWS):
        return None
    assert opened.language is not None
    shown = parent_links.shown(session, opened, now)
    if shown.meeting_gone:
        return None
    data = MeetingInvitationData.from_params(shown.params["invitation"])
    # Opened from the parent's link, so the file says to answer by the link.
    return invitation_ics(Writer(opened.language, opened.timezone), data, now, answer_by="link")


async def calendar(request: web.Request) -> web.StreamResponse:
    """The meeting's calendar file, "Add to my calendar" (the email's attachment, again)."""
    site = request.app[WEB_KEY]
    data = await site.db(_calendar, _token(request), site.now())
    if data is None:
        view = await site.db(_page, _token(request), site.now(), {}, "main")
        return render(request, view)
    return web.Response(
        body=data,
        content_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="meeting.ics"'},
    )


ONE_CLICK = ("List-Unsubscribe", "One-Click")


async def one_click(request: web.Request) -> web.StreamResponse:
    """RFC 8058: the mail app posts `List-Unsubscribe=One-Click` to the link in the email's
    List-Unsubscribe header, with no cookie and no form token (the RFC's own design: the
    unguessable link is the authority). It does this one thing, once; any other post here
    does nothing."""
    site = request.app[WEB_KEY]
    try:
        form = await form_of(request)
    except web.HTTPBadRequest:
        form = {}
    if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        return web.Response(status=400, text="")
    done = await site.db(parent_links.unsubscribe, _token(request), site.now())
    return web.Response(status=200 if done else 404, text="")


ROUTES: list[web.RouteDef] = [
    web.post(f"/{TOKEN}", one_click),
    web.get(f"/{TOKEN}", _show("main")),
    web.get(f"/{TOKEN}/views", _show("views")),
    web.get(f"/{TOKEN}/message", _show("message")),
    web.get(f"/{TOKEN}/settings", _show("settings")),
    web.get(f"/{TOKEN}/meeting.ics", calendar),
    web.post(f"/{TOKEN}/answer", _posted(answer)),
    web.post(f"/{TOKEN}/views", _posted(views)),
    web.post(f"/{TOKEN}/message", _posted(message)),
    web.post(f"/{TOKEN}/language", _posted(language)),
    web.post(f"/{TOKEN}/channel", _posted(channel)),
    web.post(f"/{TOKEN}/telegram", telegram),
    web.post(f"/{TOKEN}/confirm", _posted(confirm)),
    web.post(f"/{TOKEN}/new", _posted(new_link)),
]


def parent_pages(core: Core, base_url: str, secure: bool) -> web.Application:
    sub = web.Application(middlewares=[parent_headers], client_max_size=64_000)
    sub[WEB_KEY] = Web(core, base_url, secure, templates(), None)
    sub.router.add_static("/static/", HERE / "static", follow_symlinks=False)
    sub.add_routes(ROUTES)
    return sub
