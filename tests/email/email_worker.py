"""An outbox worker process that sends email to a local SMTP server, for the kill test.

    python -m tests.email.email_worker --database URL --port PORT --worker-id w0

Like `sendbot.scheduling.worker_process`, with the real `SmtpEmailSender` in place of the
webhook: it delivers until it has been idle for a while, or until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta

from sendbot.clock import SystemClock
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services import SESSION_HOOKS
from sendbot.store.db import make_engine, session_factory
from tests.email.helpers import smtp_sender


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--lease-seconds", type=float, default=2.0)
    parser.add_argument("--idle-exit-seconds", type=float, default=3.0)
    return parser.parse_args()


async def main(args: argparse.Namespace) -> int:
    sessions = session_factory(make_engine(args.database), *SESSION_HOOKS)
    clock = SystemClock()
    config = WorkerConfig(
        batch=args.batch,
        concurrency=args.batch,
        lease=timedelta(seconds=args.lease_seconds),
        limits={"email": PlatformLimit(None)},
        backoff_base_seconds=0.2,
    )
    sender = smtp_sender(args.port, clock)
    worker = OutboxWorker(
        sessions, clock, {"email": sender}, worker_id=args.worker_id, config=config
    )
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < args.idle_exit_seconds:
        report = await worker.run_once()
        if report.claimed:
            idle_since = time.monotonic()
        else:
            await asyncio.sleep(0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse())))
