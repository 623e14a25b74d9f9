"""The clock, the sweeps and delivery: what makes deadlines, reminders and alerts happen.

APScheduler is only the clock (DESIGN.md section 6); every job here is idempotent and
keyed in the database, so several `sendbot serve` processes on one PostgreSQL are safe.
"""
