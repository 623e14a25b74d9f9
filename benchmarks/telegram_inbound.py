"""Telegram inbound: updates through the real python-telegram-bot Application and our core.

Staff and parents each send their updates in order (one chat never has two in flight),
and several chats are in flight at once, as when the webhook receives them: staff open the
menu, answer its question and cancel; parents ask for /help and tap "I will come" and
"I cannot come" on a review invitation. Each update is claimed by its id, routed, handled
by the engine or the parent chat, saved, and answered through the Bot API (a local fake).

The baseline is a handler on the same kind of Application that only writes one row to the
same database and commits: the floor for recording anything durably. A second floor also
sends one reply. Each runs three rounds, in turn with ours, and reports its median round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from benchmarks.common import (
    NOW,
    PACE,
    Databases,
    Results,
    Row,
    drive_chats,
    median,
    percentile,
)
from benchmarks.fakes import TOKEN, FakeBotApiProcess
from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.handlers.telegram.bot import TelegramBot, TelegramSettings
from sendbot.handlers.telegram.transport import AiohttpRequest
from sendbot.messages.registry import render as render_outbox
from sendbot.services import invites, meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.serving.core import build_core
from sendbot.store.models import Outbox, ProcessedEvent
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import person, tap_update, text_update
from tests.telegram.harness import add_guardian

NAME = "telegram inbound"
STAFF_KEYS = ("teacher", "teacher4", "senco", "ta")
PARENTS = 8
BOT_USERNAME = "bench_send_bot"
ROUNDS = 3


async def _measure(url: str, api: FakeBotApiProcess, total: int) -> dict[str, Any]:
    clock = FrozenClock(NOW)
    core = build_core(Settings(database_url=url), clock)
    school = build_small_school(core.sessions)
    # Unpaced: this measures what an update costs us, not Telegram's 30 calls a second.
    bot = TelegramBot(core, TelegramSettings(TOKEN, api.url, calls_per_second=None))
    app = bot.application
    await app.initialize()

    async def process(payload: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(payload, app.bot))

    # --- set-up, not timed: staff and parents link their chats, a review is booked --------
    staff_users = [person(710_000 + n, "Staff", "en") for n in range(len(STAFF_KEYS))]
    for key, user in zip(STAFF_KEYS, staff_users, strict=True):
        with core.sessions() as session, session.begin():
            code = invites.create_staff_invite(
                session, school.staff[key], clock.now(), BOT_USERNAME
            ).code
        await process(text_update(user, f"/start {code}"))
    parent_users = [person(720_000 + n, "Parent", "en") for n in range(PARENTS)]
    for n, user in enumerate(parent_users):
        family = add_guardian(core.sessions, school, f"p{n}", "Parent", str(n), ["kacper"])
        with core.sessions() as session, session.begin():
            code = invites.create_guardian_invite(
                session, family.guardian_id, clock.now(), BOT_USERNAME
            ).code
        await process(text_update(user, f"/start {code}"))
    with core.sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        starts = NOW + timedelta(days=21)
        meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="sen_support_review",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            place="Room 4",
            now=NOW,
        )
    with core.sessions() as session:
        rows = session.query(Outbox).filter(Outbox.template == meetings.INVITATION).all()
        buttons = {
            row.recipient_guardian_id: render_outbox(
                row.template, {**row.params, "_now": NOW.isoformat()}, "en_GB", session
            ).buttons
            for row in rows
        }
    taps = list(buttons.values())
    if len(taps) < PARENTS:
        raise RuntimeError("the review did not invite every parent")

    scripts: list[list[Callable[[], dict[str, Any]]]] = []
    for user in staff_users:
        scripts.append(
            [
                lambda u=user: text_update(u, "menu"),
                lambda u=user: text_update(u, "1"),
                lambda u=user: text_update(u, "cancel"),
            ]
        )
    for user, row_buttons in zip(parent_users, taps, strict=False):
        yes, no = row_buttons[0].action_id, row_buttons[1].action_id
        scripts.append(
            [
                lambda u=user: text_update(u, "/help"),
                lambda u=user, d=yes: tap_update(u, d),
                lambda u=user, d=no: tap_update(u, d),
            ]
        )
    # --- the floors: the same kind of Application, a handler that writes one row and
    # commits; and the same write with one reply through the Bot API, since every update of
    # ours is answered and that HTTP call is a cost no handler can avoid.
    base_app = (
        Application.builder()
        .token(TOKEN)
        .request(AiohttpRequest())  # the same transport as ours, so the floors are fair
        .base_url(f"{api.url}/bot")
        .base_file_url(f"{api.url}/file/bot")
        .build()
    )
    replying = [False]

    def write_one(update_id: int) -> None:
        with core.sessions() as session, session.begin():
            session.execute(
                insert(ProcessedEvent).values(
                    platform="baseline", event_id=str(update_id), at=clock.now()
                )
            )

    async def floor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await asyncio.to_thread(write_one, update.update_id)
        if replying[0]:
            chat = update.effective_chat
            assert chat is not None
            await base_app.bot.send_message(chat.id, "Noted.")

    async def base_process(payload: dict[str, Any]) -> None:
        await base_app.process_update(Update.de_json(payload, base_app.bot))

    base_app.add_handler(TypeHandler(Update, floor))
    await base_app.initialize()
    # Counted first, on the set-up alone, so every run counts the same paths (a first
    # answer to the invitation, not "you already told us").
    statements = await _count_statements(core.db, process, scripts, clock)
    for warm_up in (process, base_process):  # imports, caches, connections
        await drive_chats(warm_up, scripts, min(total, 60), clock)

    # Rounds in turn, so a passing change in the machine's load touches all three alike;
    # each is reported from its median round.
    rounds: dict[str, list[tuple[float, list[float]]]] = {"ours": [], "base": [], "reply": []}
    for _ in range(ROUNDS):
        rounds["ours"].append(await drive_chats(process, scripts, total, clock))
        replying[0] = False
        rounds["base"].append(await drive_chats(base_process, scripts, total, clock))
        replying[0] = True
        rounds["reply"].append(await drive_chats(base_process, scripts, total, clock))
    _, _, slowed = api.stats()
    await app.shutdown()
    await base_app.shutdown()
    core.db.dispose()
    return {
        **{name: sorted(found)[len(found) // 2] for name, found in rounds.items()},
        "chats": len(scripts),
        "slowed": slowed,
        "statements": statements,
    }


STEP_KINDS = ("staff: menu", "staff: an answer", "staff: cancel")
PARENT_KINDS = ("parent: /help", "parent: taps 'I will come'", "parent: taps 'I cannot come'")


async def _count_statements(
    db: Any,
    process: Callable[[dict[str, Any]], Awaitable[None]],
    scripts: list[list[Callable[[], dict[str, Any]]]],
    clock: FrozenClock,
) -> dict[str, float]:
    """SQL statements sent to the database for each kind of update, one chat at a time,
    untimed: the work each update costs, whatever the machine's speed."""
    sent = [0]

    def count(*_: Any) -> None:
        sent[0] += 1

    staff, parent = scripts[0], scripts[len(STAFF_KEYS)]
    found: dict[str, float] = {}
    event.listen(db, "before_cursor_execute", count)
    try:
        for kinds, script in ((STEP_KINDS, staff), (PARENT_KINDS, parent)):
            for kind, make in zip(kinds, script, strict=True):
                clock.advance(PACE)
                sent[0] = 0
                await process(make())
                found[kind] = sent[0]
    finally:
        event.remove(db, "before_cursor_execute", count)
    return found


def run(databases: Databases, backend: str, total: int, results: Results) -> None:
    url = databases.fresh(backend, "telegram")
    api = FakeBotApiProcess(per_second=10**9).start()  # replies are never throttled here
    try:
        found = asyncio.run(_measure(url, api, total))
    finally:
        api.stop()
    ours_elapsed, ours = found["ours"]
    base_elapsed, base = found["base"]
    ours_rate, base_rate = len(ours) / ours_elapsed, len(base) / base_elapsed
    chats = found["chats"]
    results.add(
        Row(
            NAME,
            backend,
            "updates per second",
            ours_rate,
            base_rate,
            "upd/s",
            goal=">= 300/s",
            met=ours_rate >= 300,
            lower_is_better=False,
            note=(
                f"{len(ours):,} updates, {chats} chats in flight at once, one process; "
                f"the median of {ROUNDS} rounds"
            ),
        )
    )
    results.add(
        Row(
            NAME,
            backend,
            "replies that were the rate limit's refusal",
            found["slowed"],
            None,
            "count",
            goal="0",
            met=found["slowed"] == 0,
            note="the run times the work, not the per-sender limit's 'please slow down'",
        )
    )
    reply_elapsed, reply = found["reply"]
    reply_rate = len(reply) / reply_elapsed
    results.add(
        Row(
            NAME,
            backend,
            "cost per update vs a floor that also replies",
            1000 / ours_rate,
            1000 / reply_rate,
            "ms",
            note="the second baseline writes one row and sends one message through the Bot API",
        )
    )
    cost = base_rate / ours_rate if ours_rate else float("inf")
    results.add(
        Row(
            NAME,
            backend,
            "cost per update vs baseline",
            1000 / ours_rate,
            1000 / base_rate,
            "ms",
            goal="<= 3x",
            met=cost <= 3,
        )
    )
    for kind, count in found["statements"].items():
        results.add(
            Row(
                NAME,
                backend,
                f"SQL statements: {kind}",
                count,
                1,
                "stmts",
                note="counted, not timed; the baseline writes one row",
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
