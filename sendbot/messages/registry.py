"""Outbox template keys to renderers, so a message is written at send time, not enqueue time.

A renderer is `(params, language, session) -> OutgoingMessage | None`: the row's params, the
recipient's language code (a guardian's resolved choice; "en_GB" for staff) and a database
session for anything it must look up now. Returning None means the message is no longer
needed (a reminder for a deadline already done, an escalation already acknowledged); the
worker records that and sends nothing.

The worker adds context keys that start with an underscore and are never stored: `_now`
(ISO time), `_timezone` (the school's), `_school_id`, `_recipient_staff_id`,
`_recipient_guardian_id`, `_outbox_id`.

Renderers come from two places, in order: the staff templates of this package
(`register`), then colleagues' platform-neutral renderers adapted as providers in
`renderers.py` (the concern alerts, the parent and meeting notices in the language team's
catalogs). An unknown template is an error the worker records and retries, never a
silent drop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from sendbot.delivery.contract import OutgoingMessage

log = logging.getLogger(__name__)

Renderer = Callable[[Mapping[str, Any], str, Session], "OutgoingMessage | None"]

_OWN: dict[str, Renderer] = {}
# A provider renders the templates it knows and returns NOT_MINE for the rest.
NOT_MINE = object()
Provider = Callable[[str, Mapping[str, Any], str, Session], Any]
_PROVIDERS: list[Provider] = []


def register(template: str) -> Callable[[Renderer], Renderer]:
    """Decorator: this function renders `template`."""

    def add(fn: Renderer) -> Renderer:
        _OWN[template] = fn
        return fn

    return add


def add_provider(provider: Provider) -> Provider:
    _PROVIDERS.append(provider)
    return provider


def _load_builtin() -> None:
    # Imported here so the renderers can import services without a cycle.
    from sendbot.messages.staff import scheduled  # noqa: F401


def render(
    template: str, params: Mapping[str, Any], language: str, session: Session
) -> OutgoingMessage | None:
    _load_builtin()
    fn = _OWN.get(template)
    if fn is not None:
        return fn(params, language, session)
    for provider in _PROVIDERS:
        result = provider(template, params, language, session)
        if result is not NOT_MINE:
            return result
    raise LookupError(f"no renderer for outbox template '{template}'")
