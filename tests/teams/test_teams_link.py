"""`sendbot teams link`: staff found in Microsoft Graph by their roster email, page by page;
guests and people not on the roster left out; an account linked before left as it is; and
Graph's refusal said plainly."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store.models import Identity
from tests.factories import build_small_school
from tests.teams.fake_connector import APP_ID, SECRET, TENANT, FakeMicrosoft


def _run(monkeypatch, db_url: str, fake: FakeMicrosoft) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    for name, value in {
        "SENDBOT_DATABASE_URL": db_url,
        "SENDBOT_TEAMS_APP_ID": APP_ID,
        "SENDBOT_TEAMS_APP_SECRET": SECRET,
        "SENDBOT_TEAMS_TENANT_ID": TENANT,
        "SENDBOT_TEAMS_TOKEN_URL": f"{fake.url}/token",
        "SENDBOT_TEAMS_GRAPH_URL": f"{fake.url}/graph",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["teams", "link"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, " ".join(result.output.split())


def test_link_finds_staff_by_roster_email_and_leaves_out_guests(
    monkeypatch, db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)
    fake.graph_users.extend(
        [
            {"id": "aad-dsl", "mail": "DSL@oakfield.example", "userType": "Member"},
            {"id": "aad-senco", "mail": None, "userPrincipalName": "senco@oakfield.example"},
            {"id": "aad-guest", "mail": "teacher@oakfield.example", "userType": "Guest"},
            {"id": "aad-other", "mail": "someone@elsewhere.example", "userType": "Member"},
            {"id": "aad-deputy", "mail": "deputy@oakfield.example", "userType": "Member"},
        ]
    )
    code, output = _run(monkeypatch, db_url, fake)
    assert code == 0, output
    assert "3 staff linked" in output and "1 guest accounts left out" in output
    with sessions() as session:
        linked = {
            (i.team_id, i.external_id, i.staff_id)
            for i in session.scalars(select(Identity).where(Identity.platform == "teams"))
        }
    assert linked == {
        (TENANT, "aad-dsl", school.staff["dsl"]),
        (TENANT, "aad-senco", school.staff["senco"]),
        (TENANT, "aad-deputy", school.staff["deputy"]),
    }
    # Again: nothing new, nothing changed.
    code, output = _run(monkeypatch, db_url, fake)
    assert code == 0 and "0 staff linked" in output and "3 were linked already" in output


def test_link_says_plainly_when_graph_refuses(monkeypatch, db_url, sessions, fake) -> None:  # type: ignore[no-untyped-def]
    build_small_school(sessions)
    monkeypatch.setenv("SENDBOT_TEAMS_APP_SECRET", "a-wrong-secret")
    code, output = 1, ""
    for name, value in {
        "SENDBOT_DATABASE_URL": db_url,
        "SENDBOT_TEAMS_APP_ID": APP_ID,
        "SENDBOT_TEAMS_TENANT_ID": TENANT,
        "SENDBOT_TEAMS_TOKEN_URL": f"{fake.url}/token",
        "SENDBOT_TEAMS_GRAPH_URL": f"{fake.url}/graph",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["teams", "link"])
        code, output = result.exit_code, " ".join(result.output.split())
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert "did not give sendbot a token" in output
    assert "check the app id, tenant id and secret" in output
