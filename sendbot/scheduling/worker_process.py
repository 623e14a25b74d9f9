"""A delivery worker on its own, for tests and for deployments that split the roles.

    python -m sendbot.scheduling.worker_process --database URL --webhook URL [--platform webhook]

Delivers the outbox through a JSON webhook sender until it has been idle for a while (or
for ever with `--idle-exit-seconds 0`). The multi-process delivery tests start several of
these against one database and a local fake platform, and kill one mid-run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import timedelta

from sendbot.clock import SystemClock
from sendbot.scheduling.senders import WebhookSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig, default_worker_id
from sendbot.services import SESSION_HOOKS
from sendbot.store.db import make_engine, session_factory


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--webhook", required=True, help="URL the webhook sender posts to")
    parser.add_argument(
        "--platform", action="append", default=None, help="platform names the webhook serves"
    )
    parser.add_argument("--worker-id", default=None)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--lease-seconds", type=float, default=60.0)
    parser.add_argument(
        "--rate", type=float, default=50.0, help="messages a second to the platform"
    )
    parser.add_argument("--per-chat-seconds", type=float, default=0.0)
    parser.add_argument("--idle-exit-seconds", type=float, default=5.0, help="0: run for ever")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    sessions = session_factory(make_engine(args.database), *SESSION_HOOKS)
    platforms = args.platform or ["webhook"]
    sender = WebhookSender(args.webhook)
    limit = PlatformLimit(args.rate, args.per_chat_seconds)
    config = WorkerConfig(
        batch=args.batch,
        concurrency=args.concurrency,
        lease=timedelta(seconds=args.lease_seconds),
        limits={p: limit for p in platforms},
        backoff_base_seconds=0.5,
    )
    worker = OutboxWorker(
        sessions,
        SystemClock(),
        {p: sender for p in platforms},
        worker_id=args.worker_id or default_worker_id(),
        config=config,
    )
    started = idle_since = time.monotonic()
    sent = 0
    try:
        while time.monotonic() - started < args.max_seconds:
            report = await worker.run_once()
            sent += report.sent
            if report.claimed:
                idle_since = time.monotonic()
                continue
            if args.idle_exit_seconds and time.monotonic() - idle_since > args.idle_exit_seconds:
                break
            await asyncio.sleep(0.1)
    finally:
        await sender.close()
    logging.getLogger(__name__).info("worker %s sent %s", worker.worker_id, sent)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(asyncio.run(main(parse())))
