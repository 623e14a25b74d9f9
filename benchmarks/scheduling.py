"""Trust-scale scheduling: the minute sweep and the SENCO digests over a trust's data.

The baseline is the floor for any sweep: one plain indexed `SELECT` of the same due rows
(open, due between today and the furthest reminder offset, about a pupil). Our sweep must
also work out owners and dedupe keys and write the outbox, so it costs more; the ratio says
how much more.
"""

from __future__ import annotations

import resource
import time
from datetime import timedelta

from sqlalchemy import func, select

from benchmarks.common import NOW, Databases, Results, Row, best_of
from benchmarks.data import Size, build_trust
from sendbot.scheduling import jobs
from sendbot.services import SESSION_HOOKS, digests, school_settings
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import Deadline, Outbox, School

NAME = "scheduling"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(databases: Databases, backend: str, size: Size, results: Results) -> None:
    url = databases.fresh(backend, "trust")
    engine = make_engine(url)
    sessions = session_factory(engine, *SESSION_HOOKS)
    trust = build_trust(engine, size, NOW)
    results.extra.setdefault("generation", {})[backend] = (trust.seconds, dict(trust.counts))
    today = NOW.date()
    with sessions() as session:
        school = session.get(School, trust.school_ids[0])
        assert school is not None
        horizon = today + timedelta(days=max(school_settings.of(school).reminder_offsets))
        total = session.scalar(select(func.count()).select_from(Deadline)) or 0

    due_query = select(Deadline.id, Deadline.kind, Deadline.due_on, Deadline.owner_role).where(
        Deadline.status == "open",
        Deadline.due_on >= today,
        Deadline.due_on <= horizon,
        Deadline.subject_type == "pupil",
    )

    def plain_select() -> int:
        with sessions() as session:
            return len(session.execute(due_query).all())

    due_rows = plain_select()
    baseline, _ = best_of(plain_select, 5)

    # First run: every due reminder is new and goes into the outbox.
    start = time.perf_counter()
    queued = jobs.run(sessions, jobs.sweep_deadline_reminders, NOW)
    first = time.perf_counter() - start
    # Every minute after: the same rows, all already queued (the dedupe keys say so).
    steady, _ = best_of(lambda: jobs.run(sessions, jobs.sweep_deadline_reminders, NOW), 3)
    start = time.perf_counter()
    jobs.run_minute_jobs(sessions, NOW + timedelta(minutes=1))
    minute_jobs = time.perf_counter() - start

    label = f"{total:,} deadlines, {due_rows:,} due in the reminder window"
    results.add(
        Row(
            NAME,
            backend,
            "minute sweep, steady state",
            steady * 1000,
            baseline * 1000,
            "ms",
            goal="< 100 ms",
            met=steady < 0.1,
            note=f"{label}; baseline = plain indexed SELECT of the same rows",
        )
    )
    results.add(
        Row(
            NAME,
            backend,
            "minute sweep, first run",
            first * 1000,
            baseline * 1000,
            "ms",
            note=f"queued {queued:,} reminders into the outbox",
        )
    )
    results.add(
        Row(NAME, backend, "all minute jobs, one tick", minute_jobs * 1000, baseline * 1000, "ms")
    )

    # The 07:30 digests: one SENCO digest (with its chart) per school.
    def all_digests() -> int:
        built = 0
        with sessions() as session:
            for school_id in trust.school_ids:
                digest = digests.build(session, school_id, "senco", today, NOW)
                built += 0 if digest.empty else 1
        return built

    start = time.perf_counter()
    built = all_digests()
    digest_time = time.perf_counter() - start

    def all_digests_without_charts() -> None:
        with sessions() as session:
            for school_id in trust.school_ids:
                digests.build(session, school_id, "senco", today, NOW, chart=False)

    start = time.perf_counter()
    all_digests_without_charts()
    text_only = time.perf_counter() - start

    def plain_per_school() -> None:
        with sessions() as session:
            for school_id in trust.school_ids:
                session.execute(due_query.where(Deadline.school_id == school_id)).all()

    digest_baseline, _ = best_of(plain_per_school, 3)
    results.add(
        Row(
            NAME,
            backend,
            f"{len(trust.school_ids)} SENCO digests",
            digest_time,
            digest_baseline,
            "s",
            goal="< 10 s",
            met=digest_time < 10,
            note=f"{built} non-empty, charts drawn; baseline = the due-rows SELECT once per school",
        )
    )
    results.add(
        Row(
            NAME,
            backend,
            f"{len(trust.school_ids)} SENCO digests, text only",
            text_only,
            digest_baseline,
            "s",
            note="the same digests without drawing the chart (matplotlib)",
        )
    )
    with sessions() as session:
        outbox_rows = session.scalar(select(func.count()).select_from(Outbox)) or 0
    results.add(
        Row(
            NAME,
            backend,
            "peak memory of the process",
            _peak_rss_mib(),
            None,
            "MiB",
            note=f"high-water mark after generation, sweeps and digests; outbox {outbox_rows:,} rows",
        )
    )
    engine.dispose()
