"""The health check a load balancer polls: 200 with a database, 503 without."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from sendbot.config import Settings
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core


async def _get_health(database_url: str) -> tuple[int, dict]:
    core = build_core(Settings(database_url=database_url))
    async with TestClient(TestServer(build_app(core, []))) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


def test_health_is_ok_when_the_database_answers(db_url) -> None:
    assert asyncio.run(_get_health(db_url)) == (200, {"status": "ok", "database": "ok"})


def test_health_is_503_when_the_database_is_unreachable(tmp_path) -> None:
    missing = f"sqlite:///{tmp_path}/no/such/folder/sendbot.db"
    assert asyncio.run(_get_health(missing)) == (
        503,
        {"status": "unavailable", "database": "unreachable"},
    )
