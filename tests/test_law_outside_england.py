"""A school in Wales or Scotland: told at import and in `sendbot deadlines` that England's EHC
rules are not applied, given no EHC deadlines, and still given its own nation's bank holidays
for safeguarding timings. And, in England, the deadline reminders say what the law says."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sendbot.cli import app as sendbot_app
from sendbot.cli import roster as roster_cli
from sendbot.delivery import keys
from sendbot.messages import registry
from sendbot.services import deadlines as deadline_service
from sendbot.services import terms
from sendbot.store.models import Concern, ConcernAction, Deadline, EhcCase, Pupil, School, Staff
from tests.factories import build_small_school

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "roster"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 27 November 2026
runner = CliRunner()

Sessions = sessionmaker[Session]


def import_app() -> typer.Typer:
    """`sendbot import roster` as the command line registers it."""
    app = typer.Typer()
    app.add_typer(roster_cli.app, name="import")
    return app


def roster_in(tmp_path: Path, nation: str) -> Path:
    """The sample roster, its school moved to `nation`."""
    dest = tmp_path / f"roster-{nation}"
    shutil.copytree(EXAMPLES, dest)
    school = dest / "school.csv"
    school.write_text(
        school.read_text(encoding="utf-8").replace(",england", f",{nation}"), encoding="utf-8"
    )
    return dest


def give_ayaan_a_plan_and_a_referral(sessions: Sessions) -> int:
    """Ayaan (SEN status "EHC plan") gets a plan issued on 1 June 2026 and a phase transfer in
    2027; a concern about him was referred to children's social care on Friday 27 Nov."""
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        ayaan = session.scalars(select(Pupil).where(Pupil.external_id == "P005")).one()
        dsl = session.scalars(select(Staff).where(Staff.school_id == ayaan.school_id)).first()
        assert dsl is not None
        session.add(
            EhcCase(
                pupil_id=ayaan.id,
                local_authority="Testshire",
                final_issued_on=date(2026, 6, 1),
                phase_transfer_year=2027,
                phase_transfer_kind="other",
            )
        )
        concern = Concern(
            school_id=ayaan.school_id,
            pupil_id=ayaan.id,
            raised_by_id=dsl.id,
            raised_at=NOW,
            area="semh",
            narrative_text="not needed here",
            safeguarding=True,
        )
        session.add(concern)
        session.flush()
        session.add(ConcernAction(concern_id=concern.id, actor_id=dsl.id, at=NOW, kind="referral"))
        return ayaan.school_id


def deadline_rows(db_url: str) -> tuple[str, list[dict[str, str]]]:
    result = runner.invoke(
        sendbot_app, ["deadlines", "--school", "999902", "--json", "--database", db_url]
    )
    assert result.exit_code == 0, result.output
    return result.stderr, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("nation", "law", "referral_answer_due"),
    [
        # Mon 30 Nov 2026 is a working day in Wales; St Andrew's Day is Scotland's holiday.
        (
            "wales",
            "Additional Learning Needs and Education Tribunal (Wales) Act 2018",
            "2026-11-30",
        ),
        ("scotland", "Additional Support for Learning) (Scotland) Act 2004", "2026-12-01"),
    ],
)
def test_a_school_outside_england_is_told_and_gets_no_ehc_deadlines(
    sessions: Sessions, db_url: str, tmp_path: Path, nation: str, law: str, referral_answer_due: str
) -> None:
    imported = runner.invoke(
        import_app(), ["import", "roster", str(roster_in(tmp_path, nation)), "--database", db_url]
    )
    assert imported.exit_code == 0, imported.output
    said = " ".join(imported.stdout.split())
    assert "EHC plan deadlines in sendbot are England's" in said
    assert "not applied to this school" in said and law in said
    assert "Bank holidays and safeguarding reminders still work." in said

    school_id = give_ayaan_a_plan_and_a_referral(sessions)
    table = runner.invoke(sendbot_app, ["deadlines", "--school", "999902", "--database", db_url])
    assert table.exit_code == 0, table.output
    assert "not applied to this school" in " ".join(table.stdout.split())
    warning, rows = deadline_rows(db_url)
    assert "not applied to this school" in " ".join(warning.split())
    assert [r["kind"] for r in rows if r["kind"].startswith("ehc.")] == []
    due = {r["kind"]: r["due_on"] for r in rows}
    assert due["safeguarding.la_referral_response"] == referral_answer_due
    with sessions() as session:
        assert not session.scalars(select(Deadline).where(Deadline.kind.like("ehc.%"))).all()
        calendar = terms.calendar_for(session, school_id)
    scottish = nation == "scotland"
    assert not calendar.is_working_day(date(2027, 1, 1))  # New Year's Day, everywhere
    # Scotland only: 2 January (Tue 2 Jan 2029; in 2027 a Saturday, so Mon 4 Jan instead)
    # and St Andrew's Day (Mon 30 Nov 2026).
    assert calendar.is_working_day(date(2029, 1, 2)) is not scottish
    assert calendar.is_working_day(date(2027, 1, 4)) is not scottish
    assert calendar.is_working_day(date(2026, 11, 30)) is not scottish


def test_moving_a_school_to_wales_closes_its_ehc_deadlines(sessions: Sessions, db_url: str) -> None:
    imported = runner.invoke(
        import_app(), ["import", "roster", str(EXAMPLES), "--database", db_url]
    )
    assert imported.exit_code == 0, imported.output
    assert "not applied" not in imported.stdout  # England: nothing to say
    give_ayaan_a_plan_and_a_referral(sessions)
    warning, rows = deadline_rows(db_url)
    assert warning == ""
    due = {r["kind"]: r["due_on"] for r in rows}
    assert due["ehc.annual_review"] == "2027-05-31"  # 12 months starting with 1 June 2026
    assert due["ehc.phase_transfer"] == "2027-02-14"  # before 15 February 2027
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        school = session.scalars(select(School).where(School.urn == "999902")).one()
        school.nation = "wales"
    warning, rows = deadline_rows(db_url)
    assert "Wales" in warning
    assert [r["kind"] for r in rows if r["kind"].startswith("ehc.")] == []


# --- the staff messages -------------------------------------------------------------------


def test_deadline_messages_name_the_rule_say_the_law_and_cite_it(sessions: Sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.add(
            EhcCase(
                pupil_id=school.pupils["amelia"],
                final_issued_on=date(2025, 12, 10),
                phase_transfer_year=2027,
                phase_transfer_kind="other",
                reassessment_requested_on=date(2026, 11, 20),
            )
        )
    context = {"_now": NOW.isoformat(), "_timezone": "Europe/London"}
    with sessions() as session:
        deadline_service.recompute_pupil(session, school.pupils["amelia"], NOW)
        rows = {
            row.kind: row
            for row in session.scalars(
                select(Deadline).where(Deadline.pupil_id == school.pupils["amelia"])
            )
        }

        def text(key: str, kind: str) -> str:
            row = rows[kind]
            params = {"deadline_id": row.id, "due_on": row.due_on.isoformat(), **context}
            message = registry.render(key, params, "en_GB", session)
            assert message is not None
            return message.text

        annual = text(keys.DEADLINE_REMINDER, "ehc.annual_review")
        assert "Annual review of the EHC plan for Amelia Khan" in annual
        assert "Due: Wednesday 9 December 2026" in annual
        assert "12 months starting with the day it was made or last reviewed" in annual
        assert "the last day is 9 December 2026, the day before the anniversary" in annual
        assert "Source: CFA 2014 s44(1); Code 9.169" in annual

        phase = text(keys.DEADLINE_WATCH, "ehc.phase_transfer")
        assert "Phase transfer: plan amended and school named for Amelia Khan" in phase
        assert "Due: Sunday 14 February 2027" in phase
        assert "must be finalised before 15 February 2027, so the last day is 14 February" in phase
        assert "Source: SEND Regs 2014 reg 18(1)(a),(b)" in phase

        decision = text(keys.DEADLINE_WATCH, "ehc.reassessment_decision")
        assert "LA decides whether to re-assess for Amelia Khan" in decision
        assert "Due: Saturday 5 December 2026" in decision
        assert "within 15 days of receiving the request" in decision
        assert "Source: SEND Regs 2014 reg 25" in decision
