"""The real aiohttp app of `sendbot serve` with Teams configured, over a test database, on a
loopback port, talking to the fake Microsoft services; the outbox worker on a frozen clock."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.handlers.teams.plugin import BOT_KEY, MESSAGES_PATH, teams_plugin
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, RunReport, WorkerConfig
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.store.models import Outbox
from tests.factories import NOW
from tests.teams.fake_connector import APP_ID, SECRET, TENANT, FakeMicrosoft


def teams_settings(db_url: str, fake: FakeMicrosoft) -> Settings:
    return Settings(
        database_url=db_url,
        teams_app_id=APP_ID,
        teams_app_secret=SECRET,  # type: ignore[arg-type]
        teams_tenant_id=TENANT,
        teams_openid_url=f"{fake.url}/openid",
        teams_token_url=f"{fake.url}/token",
        web_url="https://sendbot.oakfield.example",  # View details links to the staff pages
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Harness:
    def __init__(self, db_url: str, fake: FakeMicrosoft, at: datetime = NOW) -> None:
        self.clock = FrozenClock(at)
        self.settings = teams_settings(db_url, fake)
        self.core = build_core(self.settings, self.clock)
        self.fake = fake
        self.app = build_app(self.core, [teams_plugin(self.settings)])
        self.runner = web.AppRunner(self.app)
        self.port = free_port()
        self.http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MESSAGES_PATH}"

    async def __aenter__(self) -> Harness:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.close()
        await self.runner.cleanup()
        self.core.db.dispose()

    async def post(self, body: dict[str, Any] | bytes, token: str | None = "signed") -> int:
        """POST an activity as the channel would; `token` "signed" is a good one."""
        assert self.http is not None
        headers = {"Content-Type": "application/json"}
        if token == "signed":
            token = self.fake.sign()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with self.http.post(self.url, data=data, headers=headers) as answer:
            return answer.status

    async def deliver(self) -> RunReport:
        sender = self.app[BOT_KEY].sender
        worker = OutboxWorker(
            self.core.sessions,
            self.clock,
            {"teams": sender},
            worker_id="test-worker",
            config=WorkerConfig(limits={"teams": PlatformLimit(None, 0.0)}),
        )
        return await worker.drain(max_seconds=20)

    def outbox(self, template: str | None = None) -> list[Outbox]:
        with self.core.sessions() as session:
            query = select(Outbox).order_by(Outbox.id)
            if template:
                query = query.where(Outbox.template == template)
            return list(session.scalars(query))
