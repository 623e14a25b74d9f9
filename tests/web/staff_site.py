"""The staff pages on a real `sendbot serve` app in this process, and the school they serve.

`StaffSite` starts the serving app (health check, the staff pages, nothing else) on a free
port of 127.0.0.1 and gives tests a one-time link for any member of the small school, as
the chat would send it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.domain.needs import Area
from sendbot.domain.safeguarding import Category
from sendbot.services import concern_record, web_access
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.web.app import web_plugin
from tests.factories import SmallSchool
from tests.privacy_records import photo_bytes

NARRATIVE = "Amelia said her uncle hit her with a belt; red marks on her left forearm."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class StaffSite:
    base: str
    clock: FrozenClock
    settings: Settings

    def link(self, sessions, staff_id: int, page: str | None = None) -> str:  # type: ignore[no-untyped-def]
        with sessions() as session, session.begin():
            actor = staff_actor_by_id(session, staff_id)
            assert actor is not None
            token = web_access.issue_link(session, actor, self.clock.now(), page)
        assert token is not None
        return web_access.link_url(self.base, token)


CHILD_WORDS = "my uncle said not to tell"


def a_safeguarding_concern(sessions, school: SmallSchool, clock: FrozenClock) -> int:  # type: ignore[no-untyped-def]
    """Amelia Khan's teacher logs what she said, flagged as safeguarding, with her own
    words and a photo of the note she wrote."""
    logged = clock.now() - timedelta(minutes=40)
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        receipt = log_concern(
            session,
            teacher,
            NewConcern(
                pupil_id=school.pupils["amelia"],
                area=Area.WELLBEING,
                narrative=NARRATIVE,
                safeguarding=True,
                triage={"risk_indicators": True, "immediate_danger": False},
                occurred_at=logged - timedelta(hours=1),
                location="the library corner",
                child_words=CHILD_WORDS,
                category=Category.EMOTIONAL,
            ),
            logged,
        )
        kept = concern_record.attach(
            session, teacher, receipt.concern_id, photo_bytes("her note"), "console", logged
        )
        assert kept.attachment_id is not None
    return receipt.concern_id


@contextmanager
def in_a_thread(app: web.Application, port: int) -> Iterator[None]:
    """Serve an aiohttp app on 127.0.0.1:port from its own thread and event loop."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the server did not start"
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def serving(db_url: str, clock: FrozenClock, **settings: object) -> Iterator[StaffSite]:
    """`sendbot serve`'s app with the staff pages, in a thread, until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = Settings(database_url=db_url, web_url=base, **settings)  # type: ignore[arg-type]
    core = build_core(config, clock)
    try:
        with in_a_thread(build_app(core, [web_plugin(config)]), port):
            yield StaffSite(base, clock, config)
    finally:
        core.db.dispose()
