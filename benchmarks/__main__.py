"""`python -m benchmarks`: generate data, measure, print one table of results.

Run it from the repository root (it reuses the tests' fake servers and PostgreSQL helper).
It never fails on a time: goals are printed beside the numbers, met or not.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass

from benchmarks.common import Databases, Results, ensure_encryption_key, machine, table

NAMES = ("telegram", "slack", "teams", "scheduling", "delivery")


@dataclass(frozen=True)
class Plan:
    """How big each benchmark runs."""

    label: str
    telegram_updates: int
    slack_requests: int
    teams_activities: int
    trust: str  # "full" | "quick" | "tiny"
    messages: int


FULL = Plan("full", 3_000, 400, 1_500, "full", 3_000)
QUICK = Plan("quick", 300, 60, 150, "quick", 300)
TINY = Plan("tiny", 12, 6, 12, "tiny", 10)


def run(plan: Plan, backends: list[str], only: list[str]) -> tuple[Results, dict[str, str], str]:
    """Every chosen benchmark on every chosen backend; returns the results and the machine."""
    ensure_encryption_key()
    from benchmarks import (
        data,
        delivery,
        scheduling,
        slack_inbound,
        teams_inbound,
        telegram_inbound,
    )

    size = {"full": data.FULL, "quick": data.QUICK, "tiny": data.TINY}[plan.trust]
    results = Results()
    databases = Databases(backends)
    try:
        for backend in backends:
            if "telegram" in only:
                telegram_inbound.run(databases, backend, plan.telegram_updates, results)
            if "slack" in only:
                slack_inbound.run(databases, backend, plan.slack_requests, results)
            if "teams" in only:
                teams_inbound.run(databases, backend, plan.teams_activities, results)
            if "scheduling" in only:
                scheduling.run(databases, backend, size, results)
            if "delivery" in only:
                delivery.run(databases, backend, plan.messages, results)
        info = machine(databases)
    finally:
        databases.close()
    sizes = (
        f"{plan.label}: Telegram {plan.telegram_updates:,} updates; Slack "
        f"{plan.slack_requests:,} submissions at each concurrency; Teams "
        f"{plan.teams_activities:,} activities; trust {size.label}; "
        f"delivery {plan.messages:,} messages"
    )
    for backend, (seconds, counts) in results.extra.get("generation", {}).items():
        sizes += f"; generated on {backend} in {seconds:.1f} s ({sum(counts.values()):,} rows)"
    return results, info, sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller data, for a smoke run")
    size.add_argument("--tiny", action="store_true", help="the smallest run (the smoke test)")
    parser.add_argument("--only", action="append", choices=NAMES, help="run only this (repeatable)")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="database"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    plan = TINY if args.tiny else QUICK if args.quick else FULL
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    started = time.perf_counter()
    results, info, sizes = run(plan, backends, list(args.only or NAMES))
    print(table(results, info, sizes))
    print(f"\n(ran in {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
