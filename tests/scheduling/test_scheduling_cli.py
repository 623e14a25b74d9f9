"""`sendbot deadlines`, `digest`, `tick` and `terms`, as an admin at a terminal runs them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.store.models import EhcCase, SupportPlan
from tests.factories import build_small_school
from tests.scheduling.helpers import set_settings

runner = CliRunner()


def test_deadlines_for_a_school_and_a_pupil_with_json(sessions, db_url) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.add(
            EhcCase(pupil_id=school.pupils["amelia"], request_received_on=date(2026, 11, 2))
        )
    result = runner.invoke(app, ["deadlines", "--school", "900001", "--json", "--database", db_url])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    kinds = {r["kind"]: r for r in rows}
    assert kinds["ehc.assessment_decision"]["due_on"] == "2026-12-14"
    assert kinds["ehc.final_plan"]["due_on"] == "2027-03-22"
    assert kinds["ehc.final_plan"]["owner_role"] == "la"
    assert "reg 13(2),(3)" in kinds["ehc.final_plan"]["source"]
    assert kinds["ehc.final_plan"]["pupil"] == "Amelia Khan"
    by_pupil = runner.invoke(
        app, ["deadlines", "--pupil", str(school.pupils["amelia"]), "--database", db_url]
    )
    assert by_pupil.exit_code == 0 and "13(2),(3)" in by_pupil.output
    assert "SEND_TIMESCALES" not in by_pupil.output
    assert runner.invoke(app, ["deadlines", "--database", db_url]).exit_code == 2


def test_deadlines_list_the_review_agreed_on_a_support_plan(sessions, db_url) -> None:
    """A written SEN support plan carries its agreed review date instead of a
    `sen_support.review` row: the list shows it all the same, overdue or not, in date order."""
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.add(EhcCase(pupil_id=school.pupils["amir"], request_received_on=date(2026, 11, 2)))
        session.add(
            SupportPlan(
                pupil_id=school.pupils["amelia"],
                kind="sen_support",
                started_on=date(2026, 9, 7),
                next_review_on=date(2026, 12, 4),
            )
        )
    result = runner.invoke(app, ["deadlines", "--school", "900001", "--json", "--database", db_url])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    reviews = [r for r in rows if r["pupil"] == "Amelia Khan" and "review" in r["kind"]]
    assert [(r["kind"], r["due_on"], r["id"]) for r in reviews] == [
        ("plan_review", "2026-12-04", None)
    ]
    assert reviews[0]["plan_id"] > 0 and reviews[0]["owner_role"] == "senco"
    assert reviews[0]["title"] == "SEN support plan review (the date agreed)"
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)
    one = runner.invoke(
        app, ["deadlines", "--pupil", str(school.pupils["amelia"]), "--json", "--database", db_url]
    )
    assert one.exit_code == 0, one.output
    assert "plan_review" in {r["kind"] for r in json.loads(one.output)}
    table = runner.invoke(app, ["deadlines", "--school", "900001", "--database", db_url])
    assert table.exit_code == 0 and "agreed" in table.output


def test_digest_prints_and_saves_the_chart(sessions, db_url, tmp_path: Path) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.add(
            EhcCase(pupil_id=school.pupils["amelia"], request_received_on=date(2026, 10, 19))
        )
    chart = tmp_path / "chart.png"
    result = runner.invoke(
        app,
        [
            "digest",
            "--school",
            str(school.school_id),
            "--role",
            "senco",
            "--date",
            "2026-11-24",
            "--chart",
            str(chart),
            "--database",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SENCO digest for Tuesday 24 November 2026 - Oakfield Primary School" in result.output
    assert "Amelia Khan: LA decides whether to carry out an EHC needs assessment" in result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    bad = runner.invoke(app, ["digest", "--school", "1", "--role", "cook", "--database", db_url])
    assert bad.exit_code == 2


def test_tick_fast_forwards_and_prints_what_would_be_sent(sessions, db_url) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        session.add(
            EhcCase(pupil_id=school.pupils["amelia"], request_received_on=date(2026, 11, 2))
        )
    result = runner.invoke(
        app, ["tick", "--from", "2026-11-24T09:00", "--until", "2026-12-15", "--database", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "Grace Okafor (senco, teacher) [console]" in result.output
    assert (
        "Today is the local authority's deadline: LA decides whether to carry out an EHC needs assessment"
        in result.output
    )
    assert "[Mon 14 Dec 2026 07:30 GMT]" in result.output
    assert "Clock moved from 2026-11-24 09:00 to 2026-12-15 00:00 UTC" in result.output


def test_terms_import_set_and_list(sessions, db_url, tmp_path: Path) -> None:
    build_small_school(sessions)
    csv = tmp_path / "terms.csv"
    csv.write_text(
        "name,starts_on,ends_on,half_term_starts_on,half_term_ends_on\n"
        "2026-autumn,2026-09-03,2026-12-18,2026-10-26,2026-10-30\n"
        "2027-spring,05/01/2027,26/03/2027,15/02/2027,19/02/2027\n"
    )
    done = runner.invoke(
        app, ["terms", "import", str(csv), "--school", "900001", "--database", db_url]
    )
    assert done.exit_code == 0, done.output
    assert "Saved 2 terms" in done.output
    added = runner.invoke(
        app,
        [
            "terms",
            "set",
            "2027-summer",
            "2027-04-12",
            "2027-07-21",
            "--school",
            "900001",
            "--database",
            db_url,
        ],
    )
    assert added.exit_code == 0, added.output
    overlap = runner.invoke(
        app,
        [
            "terms",
            "set",
            "2027-oops",
            "2027-07-01",
            "2027-08-01",
            "--school",
            "900001",
            "--database",
            db_url,
        ],
    )
    assert overlap.exit_code == 1 and "overlap" in overlap.output
    listed = runner.invoke(app, ["terms", "list", "--school", "900001", "--database", db_url])
    assert listed.exit_code == 0
    assert (
        listed.output.index("2026-autumn")
        < listed.output.index("2027-spring")
        < listed.output.index("2027-summer")
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("name,starts_on,ends_on\n2026-autumn,2026-13-03,2026-12-18\n")
    result = runner.invoke(
        app, ["terms", "import", str(broken), "--school", "900001", "--database", db_url]
    )
    assert result.exit_code == 1 and "line 2" in result.output


def test_tick_can_hold_each_review_and_says_what_follows(sessions, db_url) -> None:
    """`sendbot tick --hold-reviews` answers each "Was it held?" with Held, as the SENCO would
    tap it, and prints one line a review: held, and when the next is due (CFA 2014 s44(1):
    within the 12 months starting with the review, so by 1 December 2027)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sendbot.store.models import Meeting, Pupil

    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    zoe = school.pupils["zoe"]
    with sessions() as session, session.begin():
        session.get(Pupil, zoe).sen_status = "ehc_plan"
        session.add(EhcCase(pupil_id=zoe, final_issued_on=date(2025, 12, 13)))
        session.add(
            Meeting(
                school_id=school.school_id,
                pupil_id=zoe,
                kind="annual_review",
                starts_at=datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/London")),
                place="School office",
            )
        )
    result = runner.invoke(
        app,
        [
            "tick",
            "--from",
            "2026-11-24T09:00",
            "--until",
            "2026-12-15",
            "--hold-reviews",
            "--database",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    held = [line for line in result.output.splitlines() if "Held, tapped by" in line]
    assert len(held) == 1
    assert held[0].startswith("[Wed 02 Dec 2026 11:00 GMT] Held, tapped by Grace Okafor")
    assert "Recorded: Zoë Nowak's EHC plan annual review on Wed 2 Dec 2026 was held." in held[0]
    assert "Next review due by Wed 1 Dec 2027." in held[0]
    assert "Annual review of the EHC plan for Zoë Nowak" not in result.output.split(held[0])[1]


def test_tick_can_book_each_review_the_reminders_ask_for_then_hold_it(sessions, db_url) -> None:
    """`sendbot tick --book-reviews --hold-reviews`: the SENCO books the review when the
    reminders start asking (28 days ahead), on a school day with two weeks' notice (SEND Regs
    2014 reg 20), taps Held after it, and the next one is dated: CFA 2014 s44(1), within the
    12 months starting with Tue 8 Dec 2026, so by Tue 7 Dec 2027."""
    from sendbot.store.models import Meeting, Pupil

    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    zoe = school.pupils["zoe"]
    with sessions() as session, session.begin():
        session.get(Pupil, zoe).sen_status = "ehc_plan"
        session.add(EhcCase(pupil_id=zoe, final_issued_on=date(2025, 12, 13)))  # due 12 Dec
    result = runner.invoke(
        app,
        [
            "tick",
            "--from",
            "2026-11-24T09:00",
            "--until",
            "2026-12-20",
            "--book-reviews",
            "--hold-reviews",
            "--database",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    booked = [line for line in lines if "Booked by" in line and "Zoë Nowak" in line]
    assert booked == [
        "[Tue 24 Nov 2026 09:00 GMT] Booked by Grace Okafor: Zoë Nowak's EHC plan annual "
        "review on Tue 8 Dec 2026 at 09:00 (due by Sat 12 Dec 2026)"
    ]
    held = [line for line in lines if "Held, tapped by" in line and "Zoë Nowak" in line]
    assert len(held) == 1 and "Next review due by Tue 7 Dec 2027." in held[0]
    with sessions() as session:
        statuses = session.scalars(select(Meeting.status).where(Meeting.pupil_id == zoe)).all()
    assert statuses == ["held"]  # booked once: a booked review is not booked again
