"""The demo school's provision, and the walkthrough steps for the staff flows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.clock import FrozenClock
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.demo.build import build_demo, sqlite_url
from sendbot.demo.provision import CALM, READING, TALK, demo_terms
from sendbot.demo.school import DEMO_SENCO_EMAIL, DEMO_TA_EMAIL, DEMO_TEACHER_EMAIL, DEMO_URN
from sendbot.domain.calendar import SchoolCalendar
from sendbot.handlers.console.chat import chat_ref
from sendbot.services import terms as school_terms
from sendbot.services.actors import staff_actor_by_email
from sendbot.store.models import Intervention, InterventionSession, SupportPlan, Target

TODAY = date(2026, 11, 24)

# What a walkthrough types for each staff flow (the demo's fixed names make it repeatable).
WALKTHROUGH: tuple[tuple[str, str], ...] = (
    (DEMO_TA_EMAIL, "session"),
    (DEMO_TA_EMAIL, "1"),  # Reading catch-up
    (DEMO_TA_EMAIL, "ok"),  # today
    (DEMO_TA_EMAIL, "ok"),  # the usual 30 minutes
    (DEMO_TA_EMAIL, "2, 5"),  # two pupils away
    (DEMO_TA_EMAIL, "1"),  # ill
    (DEMO_TA_EMAIL, "2"),  # off site
    (DEMO_TA_EMAIL, "3"),  # Amelia, first target: developing
    (DEMO_TA_EMAIL, "4"),  # Amelia, second target: secure
    (DEMO_TA_EMAIL, "3"),  # Kacper: developing
    (DEMO_TA_EMAIL, "Good focus; Kacper used his word mat."),
    (DEMO_TA_EMAIL, "1"),  # save
    (DEMO_TEACHER_EMAIL, "targets"),
    (DEMO_TEACHER_EMAIL, "Amelia"),
    (DEMO_SENCO_EMAIL, "due"),
)


def _run(path: Path, today: date) -> list[str]:
    sessions = build_demo(path, today)
    engine = Engine(
        sessions,
        REGISTRY,
        FrozenClock(datetime(today.year, today.month, today.day, 10, tzinfo=UTC)),
    )
    replies = []
    for email, says in WALKTHROUGH:
        with sessions() as session:
            actor = staff_actor_by_email(session, email)
        assert actor is not None
        replies.append(engine.handle(chat_ref(actor), actor, says).text)
    return replies


def test_the_walkthrough_records_a_session_checks_targets_and_exports(tmp_path: Path):
    path = tmp_path / "demo.db"
    replies = _run(path, TODAY)
    assert (replies[4], replies[5]) == (
        "Why was Ștefan Barbu absent?",
        "Why was Isaac Walsh absent?",
    )
    assert replies[11].startswith(
        "Saved: Reading catch-up on Tue 24 Nov 2026, 4 present, 2 absent, 3 target ratings."
    )
    targets = replies[13]
    assert targets.startswith("Amelia Hartley (Year 4 - Birches): SEN support.\nSEN support plan.")
    assert "Last ratings: Developing (Tue 24 Nov)," in targets
    assert "Interventions this term: Reading catch-up." in targets
    due = replies[14]
    assert due.startswith("Due in the next 14 days (1 overdue):\n")
    assert "(3 days ago, overdue): Review of Kacper Wiśniewski's SEN support plan" in due
    assert "(in 10 days): Review of Zainab Qureshi's EHC plan" in due

    out = tmp_path / "export"
    result = CliRunner().invoke(
        app,
        ["export", "provision-map", "--school", DEMO_URN, "--term", "2026-autumn",
         "--out", str(out), "--database", sqlite_url(path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(next(out.glob("*.csv")).read_text())))
    reading = [r for r in rows if r["intervention"] == READING]
    assert len(reading) == 6
    assert {r["intervention"] for r in rows} == {READING, TALK, CALM}


@pytest.mark.parametrize(
    "today",
    [date(2026, 8, 10), date(2026, 9, 3), date(2026, 10, 28), date(2026, 12, 25), date(2027, 5, 1)],
)
def test_provision_seeds_on_any_day_of_the_year(tmp_path: Path, today: date):
    sessions = build_demo(tmp_path / "demo.db", today)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Intervention)) == 3
        assert session.scalar(select(func.count()).select_from(Target)) == 7
        assert (
            session.scalar(
                select(func.count()).select_from(SupportPlan).where(SupportPlan.status == "active")
            )
            == 4
        )
        held = session.scalars(select(InterventionSession.held_on)).all()
        assert all(day < today for day in held)


def test_the_demo_knows_next_autumn_so_a_year_ahead_has_its_summer_holiday() -> None:
    """A year fast-forwarded from the demo's day crosses the summer: with next autumn's term
    entered, August is a holiday (no digest) and September is term again."""
    calendar = SchoolCalendar(terms=tuple(demo_terms(date(2026, 11, 24))))
    assert [t.name for t in calendar.terms][-1] == "2027-autumn"
    assert not school_terms.is_open(calendar, date(2027, 8, 12))  # a Thursday in August
    assert school_terms.is_open(calendar, date(2027, 9, 6))
    assert not school_terms.is_open(calendar, date(2027, 10, 27))  # half term
