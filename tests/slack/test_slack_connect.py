"""`sendbot slack connect`: the workspace becomes the school's, and staff are found by email."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store.models import AuditEvent, Identity, School
from tests.factories import build_small_school
from tests.slack.fake_slack import TEAM_ID, fake_slack_in_thread
from tests.slack.harness import USERS


def test_connect_records_the_workspace_and_finds_staff_by_email(db_url, sessions, monkeypatch):
    school = build_small_school(sessions)
    with fake_slack_in_thread() as (fake, _loop):
        for key, user in USERS.items():
            if key != "head":  # the headteacher has not joined Slack yet
                fake.add_user(user, f"{key}@oakfield.example")
        monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
        monkeypatch.setenv("SENDBOT_SLACK_BOT_TOKEN", "xoxb-connect-test")
        monkeypatch.setenv("SENDBOT_SLACK_API_URL", fake.base_url)
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["slack", "connect", "--school", "900001"])
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Oakfield Primary School is connected to the Slack workspace" in result.output
    assert "7 staff found in Slack by email." in result.output
    assert "head@oakfield.example" in result.output
    with sessions() as session:
        assert session.get(School, school.school_id).slack_team_id == TEAM_ID
        assert session.get(School, school.other_school_id).slack_team_id is None
        assert session.scalar(select(func.count()).select_from(Identity)) == 7
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "school.slack_connect")
        ).one()
        assert event.details == {"team_id": TEAM_ID, "previous_team_id": None}


def test_connect_without_a_token_says_what_to_do(db_url, monkeypatch):
    monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
    monkeypatch.delenv("SENDBOT_SLACK_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["slack", "connect"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Set SENDBOT_SLACK_BOT_TOKEN first" in result.output
