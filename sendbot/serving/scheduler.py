"""The clock inside `sendbot serve`: an APScheduler `AsyncIOScheduler` with a few jobs.

APScheduler is only the clock: its memory job store belongs to this process alone (its
docs warn never to share one), and every job is idempotent against the database, so any
number of `sendbot serve` processes can run against one PostgreSQL.

- every few seconds: deliver the outbox (safeguarding alerts must not wait a minute), and
  the chat replies the platform asked us to hold back (`scheduling/replies.py`);
- every minute: escalations, referral chases, the cumulative-concern check, deadline and
  meeting reminders, the digests whose school-time hour has come, and a signed checkpoint
  of the audit log's head when it has grown;
- daily at 06:00 in each school's timezone (and once at start-up): recompute deadlines,
  term-start reminders, the annual review look-ahead.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from sendbot.scheduling import jobs
from sendbot.scheduling.replies import ReplyCourier
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.serving.core import Core
from sendbot.store.models import School

log = logging.getLogger(__name__)

DELIVER_EVERY_SECONDS = 2
MINUTE_JOBS_EVERY_SECONDS = 60


def daily_trigger(timezone: str) -> CronTrigger:
    return CronTrigger(hour=jobs.DAILY_AT.hour, minute=jobs.DAILY_AT.minute, timezone=timezone)


class SchedulerService:
    def __init__(self, core: Core, config: WorkerConfig | None = None) -> None:
        self.core = core
        config = config or WorkerConfig(web_url=core.settings.web_url)
        self.worker = OutboxWorker(core.sessions, core.clock, core.senders, config=config)
        self.replies = ReplyCourier(core.sessions, core.clock, core.senders)
        self.scheduler: AsyncIOScheduler | None = None
        self._zones: set[str] = set()

    async def deliver(self) -> None:
        try:
            replies = await self.replies.sweep()
        except Exception:  # the outbox (safeguarding alerts among it) still goes
            log.exception("chat replies could not be swept this time")
            replies = 0
        if replies:
            log.info("chat replies: %s sent after a wait", replies)
        report = await self.worker.drain(max_seconds=30)
        if report.claimed:
            log.info(
                "outbox: %s sent, %s retried, %s held, %s cancelled, %s released, %s failed, "
                "%s blocked",
                report.sent,
                report.retried,
                report.held,
                report.cancelled,
                report.released,
                report.failed,
                report.blocked,
            )

    async def minute(self) -> None:
        await asyncio.to_thread(jobs.run_minute_jobs, self.core.sessions, self.core.clock.now())

    async def daily(self) -> None:
        await asyncio.to_thread(jobs.run_daily_jobs, self.core.sessions, self.core.clock.now())

    def _timezones(self) -> set[str]:
        with self.core.sessions() as session:
            return set(session.scalars(select(School.timezone).distinct())) or {"Europe/London"}

    async def refresh_daily_jobs(self) -> None:
        """One daily cron job per school timezone in use, added as schools appear."""
        assert self.scheduler is not None
        for tz in await asyncio.to_thread(self._timezones) - self._zones:
            self.scheduler.add_job(
                self.daily,
                daily_trigger(tz),
                id=f"daily:{tz}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=6 * 3600,
                replace_existing=True,
            )
            self._zones.add(tz)

    def start(self) -> AsyncIOScheduler:
        # A line every two seconds for the delivery job would drown the log; failures still show.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler = scheduler
        now = datetime.now(UTC)
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
        scheduler.add_job(
            self.deliver,
            IntervalTrigger(seconds=DELIVER_EVERY_SECONDS),
            id="deliver",
            next_run_time=now,
            **common,
        )
        scheduler.add_job(
            self.minute,
            IntervalTrigger(seconds=MINUTE_JOBS_EVERY_SECONDS),
            id="minute",
            next_run_time=now,
            **common,
        )
        scheduler.add_job(self.daily, id="daily:startup", next_run_time=now)
        scheduler.add_job(
            self.refresh_daily_jobs,
            IntervalTrigger(minutes=10),
            id="zones",
            next_run_time=now,
            **common,
        )
        scheduler.start()
        return scheduler

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)


SERVICE_KEY: web.AppKey[SchedulerService] = web.AppKey("scheduler", SchedulerService)


def scheduler_plugin(app: web.Application, core: Core) -> None:
    """`sendbot serve` plugin: start the clock with the app and stop it with the app."""
    service = SchedulerService(core)
    app[SERVICE_KEY] = service

    async def on_startup(_: web.Application) -> None:
        service.start()

    async def on_cleanup(_: web.Application) -> None:
        service.stop()
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
