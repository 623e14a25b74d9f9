"""Teams inbound: activities through the real aiohttp app of `sendbot serve` and our core.

Members of staff, linked by Entra object id, each send their activities in order (one chat
never has two in flight), several chats at once, as the Bot Framework channel posts them:
they open the menu, answer its question and cancel. Each activity is authenticated (the
Agents SDK's validator, RS256 against the channel's key set), claimed by its id, routed,
handled by the engine, saved, and answered through the Bot Connector (a local fake on its
own thread).

The baseline is a route on the same stack (an aiohttp app on loopback behind the same token
check, since no Teams handler may skip it) that writes one row to the same database and
commits: the floor for recording an authenticated activity durably. Each runs three
rounds, in turn with ours, and reports its median round.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import insert

from benchmarks.common import NOW, Databases, Results, Row, drive_chats, median, percentile
from sendbot.clock import FrozenClock
from sendbot.handlers.teams.auth import TokenCheck
from sendbot.handlers.teams.plugin import MESSAGES_PATH, teams_plugin
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.store.models import Identity, ProcessedEvent
from tests.factories import build_small_school
from tests.teams.fake_connector import APP_ID, TENANT, FakeMicrosoft, activity
from tests.teams.harness import teams_settings

NAME = "teams inbound"
STAFF_KEYS = ("teacher", "teacher4", "senco", "ta", "dsl", "deputy")
ROUNDS = 3


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = _port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}{MESSAGES_PATH}"


async def _measure(url: str, fake: FakeMicrosoft, total: int) -> dict[str, Any]:
    clock = FrozenClock(NOW)
    settings = teams_settings(url, fake)
    core = build_core(settings, clock)
    school = build_small_school(core.sessions)
    users = [(f"29:bench-{key}", f"aad-bench-{key}") for key in STAFF_KEYS]
    with core.sessions() as session, session.begin():
        for key, (_, aad) in zip(STAFF_KEYS, users, strict=True):
            session.add(
                Identity(
                    platform="teams",
                    team_id=TENANT,
                    external_id=aad,
                    staff_id=school.staff[key],
                    created_at=NOW,
                )
            )
    ours_runner, ours_url = await _serve(build_app(core, [teams_plugin(settings)]))

    check = TokenCheck(APP_ID, TENANT, settings.teams_openid_url)

    def write_one(activity_id: str) -> None:
        with core.sessions() as session, session.begin():
            session.execute(
                insert(ProcessedEvent).values(
                    platform="baseline", event_id=activity_id, at=clock.now()
                )
            )

    async def floor(request: web.Request) -> web.Response:
        if await check.claims(request.headers.get("Authorization")) is None:
            return web.Response(status=401)
        body = json.loads(await request.read())
        await asyncio.to_thread(write_one, body["id"])
        return web.Response(status=200)

    base_app = web.Application()
    base_app.router.add_post(MESSAGES_PATH, floor)
    base_runner, base_url = await _serve(base_app)

    token = fake.sign(expires_in=24 * 3600)  # the channel reuses its token too
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    http = aiohttp.ClientSession()

    def poster(target: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def post(payload: dict[str, Any]) -> None:
            async with http.post(target, data=json.dumps(payload), headers=headers) as answer:
                if answer.status != 200:
                    raise RuntimeError(f"the endpoint answered {answer.status}")

        return post

    scripts = [
        [
            lambda u=user: activity(fake, *u, "menu"),
            lambda u=user: activity(fake, *u, "1"),
            lambda u=user: activity(fake, *u, "cancel"),
        ]
        for user in users
    ]
    ours, base = poster(ours_url), poster(base_url)
    for warm_up in (ours, base):
        await drive_chats(warm_up, scripts, min(total, 30), clock)
    rounds: dict[str, list[tuple[float, list[float]]]] = {"ours": [], "base": []}
    for _ in range(ROUNDS):
        rounds["ours"].append(await drive_chats(ours, scripts, total, clock))
        rounds["base"].append(await drive_chats(base, scripts, total, clock))
    replies = len(fake.posts())
    await http.close()
    await ours_runner.cleanup()
    await base_runner.cleanup()
    core.db.dispose()
    return {
        **{name: sorted(found)[len(found) // 2] for name, found in rounds.items()},
        "chats": len(scripts),
        "replies": replies,
    }


def run(databases: Databases, backend: str, total: int, results: Results) -> None:
    url = databases.fresh(backend, "teams")
    fake = FakeMicrosoft().start()
    try:
        found = asyncio.run(_measure(url, fake, total))
    finally:
        fake.stop()
    ours_elapsed, ours = found["ours"]
    base_elapsed, base = found["base"]
    ours_rate, base_rate = len(ours) / ours_elapsed, len(base) / base_elapsed
    results.add(
        Row(
            NAME,
            backend,
            "activities per second",
            ours_rate,
            base_rate,
            "act/s",
            lower_is_better=False,
            note=(
                f"{len(ours):,} activities, {found['chats']} chats in flight at once, one "
                f"process, each answered through the fake Bot Connector; the median of "
                f"{ROUNDS} rounds"
            ),
        )
    )
    cost = base_rate / ours_rate if ours_rate else float("inf")
    results.add(
        Row(
            NAME,
            backend,
            "cost per activity vs baseline",
            1000 / ours_rate,
            1000 / base_rate,
            "ms",
            goal="<= 3x",
            met=cost <= 3,
            note="the baseline checks the same token and writes one row",
        )
    )
    for q in (50, 99):
        results.add(
            Row(
                NAME,
                backend,
                f"p{q} latency",
                percentile(ours, q) * 1000,
                percentile(base, q) * 1000,
                "ms",
                note=f"median {median(ours) * 1000:.1f} ms" if q == 50 else "",
            )
        )
