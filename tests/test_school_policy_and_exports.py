"""School policy names and review defaults, term ranges, the SEN register export."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.services import provision_map, school_policy, terms
from sendbot.store.models import Pupil, School
from tests.provision_factories import AUTUMN, SPRING, Provision, build_provision


def test_defaults_and_a_tiered_schools_names():
    policy = school_policy.from_settings({})
    assert policy.level_name("sen_support") == "SEN support"
    assert policy.plan_name("ehc_plan") == "EHC plan"
    assert policy.level_name("none") == "No SEND"
    assert policy.review("monitoring") == "termly"
    tiers = school_policy.from_settings(
        {
            "send_levels": {
                "monitoring": {"name": "Tier 2", "plan_name": "Learning Plan"},
                "sen_support": {
                    "name": "Tier 3",
                    "plan_name": "SEND Support Plan",
                    "review": "half_termly",
                },
            },
            "no_send_name": "Tier 1",
        }  # fmt: skip
    )
    assert [tiers.level_name(k) for k in ("none", "monitoring", "sen_support", "ehc_plan")] == [
        "Tier 1", "Tier 2", "Tier 3", "EHC plan",
    ]  # fmt: skip
    assert tiers.plan_name("monitoring") == "Learning Plan"
    assert tiers.review("sen_support") == "half_termly"


def test_bad_settings_are_named():
    assert school_policy.problems(
        {"send_levels": {"tier9": {}, "monitoring": {"review": "weekly", "name": ""}}}
    ) == [
        "send_levels: 'tier9' is not a level (monitoring, sen_support, ehc_plan)",
        "send_levels.monitoring.name must be a non-empty text",
        "send_levels.monitoring.review must be one of half_termly, termly",
    ]
    with pytest.raises(ValueError, match="school settings"):
        school_policy.from_settings({"send_levels": []})


@pytest.mark.parametrize(
    ("review", "today", "expected"),
    [
        ("termly", date(2026, 10, 5), date(2026, 12, 18)),
        ("half_termly", date(2026, 10, 5), date(2026, 10, 23)),  # 25 Oct is a Sunday
        ("half_termly", date(2026, 10, 28), date(2026, 12, 18)),  # in the half-term break
        (
            "termly",
            date(2026, 12, 23),
            date(2027, 3, 25),
        ),  # holidays: next term; 26th is Good Friday
        ("half_termly", date(2026, 12, 23), date(2027, 2, 12)),
    ],
)
def test_review_dates_default_from_the_term_dates(sessions, school, review, today, expected):
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, [AUTUMN, SPRING])
        session.get(School, school.school_id).settings = {
            "send_levels": {"sen_support": {"review": review}}
        }
        assert (
            terms.default_review_date(session, school.school_id, "sen_support", today) == expected
        )


def test_without_term_dates_a_review_is_twelve_weeks_away(sessions, school):
    with sessions() as session:
        assert terms.default_review_date(
            session, school.school_id, "monitoring", date(2026, 11, 24)
        ) == date(2027, 2, 16)


def test_term_ranges_from_the_term_table_or_approximate(sessions, school):
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, [AUTUMN])
        found = provision_map.term_range(session, school.school_id, "2026-Autumn")
        assert (found.first, found.last, found.from_term_dates) == (
            AUTUMN.starts_on, AUTUMN.ends_on, True,
        )  # fmt: skip
        guess = provision_map.term_range(session, school.school_id, "2027-summer")
        assert (guess.first, guess.last, guess.from_term_dates) == (
            date(2027, 4, 15), date(2027, 8, 31), False,
        )  # fmt: skip
        with pytest.raises(provision_map.ExportInvalid, match="--term must look like"):
            provision_map.term_range(session, school.school_id, "autumn 2026")


def test_sen_register_export(sessions, school, db_url, tmp_path: Path):
    prov: Provision = build_provision(sessions, school)
    assert prov.phonics
    with sessions() as session, session.begin():
        amelia = session.get(Pupil, school.pupils["amelia"])
        amelia.primary_need, amelia.secondary_need, amelia.upn = "SPLD", "SLCN", "A123456789012"
    result = CliRunner().invoke(
        app,
        ["export", "sen-register", "--school", str(school.school_id), "--out", str(tmp_path),
         "--database", db_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (tmp_path / f"sen-register-{school.school_id}.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        list(provision_map.REGISTER_COLUMNS),
        ["Leo Grant", "", "3", "3B", "SEN support", "", "", "SEN support plan", "2026-12-18"],
        ["Amelia Khan", "A123456789012", "3", "3B", "SEN support",
         "SPLD (Specific learning difficulty)", "SLCN (Speech, language and communication needs)",
         "SEN support plan", "2026-12-04"],
        ["Zoë Nowak", "", "3", "3B", "Monitoring", "", "", "Monitoring plan", "2026-12-18"],
    ]  # fmt: skip


def test_export_refuses_an_unknown_school_or_term(sessions, school, db_url, tmp_path: Path):
    runner = CliRunner()
    missing = runner.invoke(
        app, ["export", "sen-register", "--school", "424242", "--out", str(tmp_path),
              "--database", db_url],
    )  # fmt: skip
    assert missing.exit_code == 2
    assert "There is no school with id or URN '424242'." in missing.output
    bad_term = runner.invoke(
        app, ["export", "provision-map", "--school", "900001", "--term", "autumn",
              "--out", str(tmp_path), "--database", db_url],
    )  # fmt: skip
    assert bad_term.exit_code == 2
    assert "--term must look like 2026-autumn" in bad_term.output
