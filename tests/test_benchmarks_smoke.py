"""The benchmarks still run: every one at a tiny size on SQLite, every row in the table.

Correctness only. Benchmarks never fail on a time, and neither does this test; it checks
that each measurement produced its numbers and that delivery lost nothing.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.__main__ import NAMES, TINY, run


@pytest.mark.slow
def test_every_benchmark_runs_at_a_tiny_size_and_loses_no_message(monkeypatch) -> None:
    # The benchmarks set their own throwaway key; give the other tests theirs back after.
    monkeypatch.setenv("SENDBOT_ENCRYPTION_KEYS", os.environ.get("SENDBOT_ENCRYPTION_KEYS", ""))
    results, info, sizes = run(TINY, ["sqlite"], list(NAMES))
    seen = {(r.benchmark, r.metric) for r in results.rows}
    expected_prefixes = {
        "telegram inbound": ["updates per second", "cost per update", "p50 latency", "p99 latency"],
        "teams inbound": [
            "activities per second",
            "cost per activity vs baseline",
            "p50 latency",
            "p99 latency",
        ],
        "slack inbound": [
            "p50 ack, 1 at once",
            "p99 ack, 1 at once",
            "submissions not saved, 1 at once",
            "acked within Slack's 3 s, 1 at once",
            "p50 ack, 20 at once",
            "p99 ack, 20 at once",
            "acked within Slack's 3 s, 20 at once",
        ],
        "scheduling": [
            "minute sweep, steady state",
            "minute sweep, first run",
            "all minute jobs, one tick",
            "2 SENCO digests",
            "peak memory",
        ],
        "delivery": ["10 parent messages", "messages lost", "duplicates"],
    }
    for benchmark, metrics in expected_prefixes.items():
        for metric in metrics:
            assert any(b == benchmark and m.startswith(metric) for b, m in seen), (
                benchmark,
                metric,
            )
    for row in results.rows:
        assert row.backend == "sqlite"
        if row.metric not in ("peak memory of the process",) and "duplicates" not in row.metric:
            assert row.ours is not None and row.ours == row.ours  # a number, not NaN
    lost = next(r for r in results.rows if r.metric == "messages lost")
    assert lost.ours == 0
    assert next(r for r in results.rows if r.metric == "duplicates").ours == 0
    one_at_a_time = next(r for r in results.rows if r.metric == "submissions not saved, 1 at once")
    assert one_at_a_time.ours == 0
    assert {"CPU", "cores", "memory", "Python", "SQLite"} <= set(info)
    assert "tiny" in sizes
