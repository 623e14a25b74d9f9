"""An outbox worker on its own that sends text messages through (a fake) GOV.UK Notify.

    python -m tests.notify.notify_worker --database URL --notify URL --worker-id w0

Like `sendbot.scheduling.worker_process`, with the real Notify sender in place of the
webhook one. Each worker gives Notify its id as the text message sender id, so the fake
can tell which worker's request it received (a live school gives one sender id to all).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta

from sendbot.clock import SystemClock
from sendbot.config import Settings
from sendbot.handlers.notify.plugin import senders_of
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services import SESSION_HOOKS
from sendbot.store.db import make_engine, session_factory
from tests.notify.fake_notify import API_KEY, SMS_TEMPLATE


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--notify", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--lease-seconds", type=float, default=1.5)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--idle-exit-seconds", type=float, default=2.5)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    sessions = session_factory(make_engine(args.database), *SESSION_HOOKS)
    settings = Settings(
        notify_api_key=API_KEY,
        notify_base_url=args.notify,
        notify_sms_template_id=SMS_TEMPLATE,
        notify_sms_sender_id=args.worker_id,
    )
    config = WorkerConfig(
        batch=args.batch,
        concurrency=args.batch,
        lease=timedelta(seconds=args.lease_seconds),
        limits={"sms": PlatformLimit(args.rate)},
        backoff_base_seconds=0.5,
    )
    worker = OutboxWorker(
        sessions, SystemClock(), senders_of(settings), worker_id=args.worker_id, config=config
    )
    started = idle_since = time.monotonic()
    while time.monotonic() - started < args.max_seconds:
        report = await worker.run_once()
        if report.claimed:
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since > args.idle_exit_seconds:
            break
        await asyncio.sleep(0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse())))
