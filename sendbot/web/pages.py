"""The staff pages: the DSL's list of open concerns, one concern's page with its Acknowledge
and Record a decision forms, and a child's chronology with its HTML and PDF files.

Each page is a handler here and a template in `templates/`; `ROUTES` at the end adds it.
Nothing here decides who may see what: the services ask `services/policy.py` and audit every
view and refusal (a teacher who signs in and opens a safeguarding concern is refused there).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from sendbot.services import (
    chronology,
    chronology_export,
    concern_page,
    concern_record,
    escalation,
    policy,
    safeguarding,
)
from sendbot.services.actors import StaffActor
from sendbot.web import sign_in
from sendbot.web.site import (
    FORM_EXPIRED,
    PREFIX,
    WEB_KEY,
    Who,
    csrf_ok,
    form_of,
    render,
    see_other,
    signed_in,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

NOT_FOR_YOU = [
    "This page is for the designated safeguarding lead and deputies.",
    "Your request has been recorded, as every request for a concern's details is. If you are "
    "worried about a child, tell the designated safeguarding lead in person now.",
]
NO_SUCH_CONCERN = [
    "There is no concern with that number for your school. It may have been moved, or the "
    "link may be wrong.",
]
NO_SUCH_PHOTO = [
    "There is no photo with that number that you can open. Photos open for those who may "
    "read the concern they are kept with; your request has been recorded.",
]
NO_LIST = [
    "The list of open concerns is for the designated safeguarding lead and deputies.",
    "You are signed in, and there is nothing else here for you yet. To report a concern, use "
    "sendbot in your chat app.",
]


def _concern_id(request: web.Request) -> int:
    raw = request.match_info["concern_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


@signed_in
async def concerns(request: web.Request, who: Who) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    found = await site.db(concern_page.open_list, who.actor, site.now())
    if found is None:
        return render(request, "problem.html", status=403, title="Nothing to show", lines=NO_LIST)
    return render(request, "concerns.html", items=found)


async def _show(
    request: web.Request, who: Who, status: int = 200, **extra: object
) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    concern_id = _concern_id(request)
    page = await site.db(concern_page.concern_page, who.actor, concern_id, site.now())
    if isinstance(page, concern_page.Refused):
        if page.missing:
            return render(
                request,
                "problem.html",
                status=404,
                title="Concern not found",
                lines=NO_SUCH_CONCERN,
            )
        return render(
            request, "problem.html", status=403, title="You can't open this concern",
            lines=NOT_FOR_YOU,
        )  # fmt: skip
    context = {"notice": None, "lines": [], "note": "", "decision": "", **extra}
    return render(
        request, "concern.html", status=status, page=page, decisions=escalation.DECISIONS, **context
    )


DONE = {
    "acknowledged": "Acknowledged. Nobody else will be escalated to about this concern.",
    "decision": "Your decision is saved in the concern's record.",
}


@signed_in
async def concern(request: web.Request, who: Who) -> web.StreamResponse:
    done = DONE.get(request.query.get("done", ""))
    return await _show(request, who, lines=[done] if done else [])


@signed_in
async def acknowledge(request: web.Request, who: Who) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    form = await form_of(request)
    if not csrf_ok(who, form):
        return await _show(request, who, status=403, lines=FORM_EXPIRED)
    concern_id = _concern_id(request)
    result = await site.db(safeguarding.acknowledge, who.actor, concern_id, site.now())
    if not result.acknowledged:
        return await _show(request, who, status=403, lines=[result.message])
    return see_other(f"{PREFIX}/concerns/{concern_id}?done=acknowledged")


@signed_in
async def decide(request: web.Request, who: Who) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    form = await form_of(request)
    kept = {"note": form.get("note", ""), "decision": form.get("decision", "")}
    if not csrf_ok(who, form):
        return await _show(request, who, status=403, lines=FORM_EXPIRED, **kept)
    concern_id = _concern_id(request)
    problem = await site.db(
        _record, who.actor, concern_id, kept["decision"], kept["note"], site.now()
    )
    if problem is not None:
        return await _show(request, who, status=400, lines=[problem], **kept)
    return see_other(f"{PREFIX}/concerns/{concern_id}?done=decision")


def _record(
    session: Session, actor: StaffActor, concern_id: int, decision: str, note: str, now: datetime
) -> str | None:
    """The chat flow's service; its refusal or complaint, to show above the kept form."""
    if decision not in escalation.DECISIONS:
        return "Choose what you have decided."
    try:
        escalation.record_decision(session, actor, concern_id, decision, now, note)
    except (ValueError, LookupError, escalation.NotAllowed) as problem:
        return str(problem)
    return None


@signed_in
async def photo(request: web.Request, who: Who) -> web.StreamResponse:
    """A photo kept with a concern, for whoever may read the concern (audited either way)."""
    site = request.app[WEB_KEY]
    raw = request.match_info["photo_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    found = await site.db(concern_record.open_attachment, who.actor, int(raw), site.now())
    if found is None or found.concern_id != _concern_id(request):
        return render(
            request, "problem.html", status=404, title="Photo not found", lines=NO_SUCH_PHOTO
        )
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        headers={"Content-Disposition": f'inline; filename="{found.filename}"'},
    )


def _pupil_id(request: web.Request) -> int:
    raw = request.match_info["pupil_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


Opened = tuple[chronology.Chronology, bytes]


def _chronology(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    now: datetime,
    fmt: chronology_export.Format | None,
) -> Opened | str:
    """The chronology (and its file, for an export), or the refusal to show; caught here so
    the refusal's audit line is committed with this transaction, not rolled back with it."""
    try:
        if fmt is None:
            return chronology.for_pupil(session, actor, pupil_id, now), b""
        return chronology_export.export(session, actor, pupil_id, now, fmt)
    except (LookupError, policy.PermissionDenied) as refused:
        return str(refused)


def _refused(request: web.Request, why: str) -> web.Response:
    return render(
        request, "problem.html", status=403, title="You can't open this chronology", lines=[why]
    )


@signed_in
async def pupil_chronology(request: web.Request, who: Who) -> web.StreamResponse:
    site = request.app[WEB_KEY]
    found = await site.db(_chronology, who.actor, _pupil_id(request), site.now(), None)
    if isinstance(found, str):
        return _refused(request, found)
    return render(request, "chronology.html", record=found[0])


@signed_in
async def chronology_file(request: web.Request, who: Who) -> web.StreamResponse:
    """The file a DSL hands to a case conference or a new school, audited as an export."""
    site = request.app[WEB_KEY]
    fmt = next((f for f in chronology_export.FORMATS if f == request.match_info["fmt"]), None)
    if fmt is None:
        raise web.HTTPNotFound()
    found = await site.db(_chronology, who.actor, _pupil_id(request), site.now(), fmt)
    if isinstance(found, str):
        return _refused(request, found)
    record, data = found
    return web.Response(
        body=data,
        content_type="application/pdf" if fmt == "pdf" else "text/html",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{chronology_export.file_name(record, fmt)}"'
            )
        },
    )


ROUTES: list[web.RouteDef] = [
    web.get("/", sign_in.home),
    web.get("/sign-in/{token}", sign_in.open_link),
    web.post("/sign-in/{token}", sign_in.use_link),
    web.post("/sign-in/{token}/new", sign_in.new_link),
    web.get("/oidc/start", sign_in.oidc_start),
    web.get("/oidc/callback", sign_in.oidc_callback),
    web.post("/sign-out", sign_in.sign_out),
    web.get("/concerns", concerns),
    web.get("/concerns/{concern_id}", concern),
    web.post("/concerns/{concern_id}/acknowledge", acknowledge),
    web.post("/concerns/{concern_id}/decision", decide),
    web.get("/concerns/{concern_id}/photos/{photo_id}", photo),
    web.get("/pupils/{pupil_id}/chronology", pupil_chronology),
    web.get("/pupils/{pupil_id}/chronology.{fmt}", chronology_file),
]
