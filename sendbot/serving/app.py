"""The aiohttp application: health check, then each configured platform adds its routes.

A platform plugs in with `register(app, core)` (routes, start-up and clean-up hooks), so
this module never imports a platform library itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text

from sendbot.serving.core import Core

log = logging.getLogger(__name__)

CORE_KEY: web.AppKey[Core] = web.AppKey("core", Core)

Plugin = Callable[[web.Application, Core], None]


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers; 503 otherwise, so a load balancer stops routing here."""
    core = request.app[CORE_KEY]

    def ping() -> None:
        with core.db.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.to_thread(ping)
    except Exception as exc:  # any failure to reach the database means unhealthy
        log.warning("health check failed: %s", exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


def build_app(core: Core, plugins: list[Plugin]) -> web.Application:
    app = web.Application()
    app[CORE_KEY] = core
    app.router.add_get("/healthz", healthz)
    for plugin in plugins:
        plugin(app, core)
    return app
