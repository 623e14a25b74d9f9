"""A key the database was not written with is refused at start, in one line naming both keys.

Every test database here was written with the suite's key (tests/conftest.py); a stranger's
key is what an operator gives by mistake: a key from another school, a test key, a typo.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store import crypto
from sendbot.store.models import AuditEvent, Concern
from tests.factories import build_small_school
from tests.privacy_records import plant_records

runner = CliRunner()
OURS = crypto.Keyring.parse(os.environ["SENDBOT_ENCRYPTION_KEYS"], "the suite's key")
STRANGER = crypto.generate_key()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the configured keys as an operator would, for the commands run in this process."""

    def configure(*configured: str) -> None:
        monkeypatch.setenv("SENDBOT_ENCRYPTION_KEYS", ",".join(configured))
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def opened_with_its_own_key(db_url: str, pupil_id: int) -> None:
    """The school has used this database with its key (here: listed a pupil's deadlines)."""
    result = runner.invoke(app, ["deadlines", "--pupil", str(pupil_id), "--database", db_url])
    assert result.exit_code == 0, result.output


def one_line_naming_both(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert crypto.fingerprint(STRANGER) in lines[0]
    assert OURS.newest_fingerprint in lines[0]
    assert STRANGER not in output and OURS.keys[0] not in output
    return lines[0]


def test_serve_with_a_key_the_database_was_not_written_with_refuses_in_one_line(
    sessions, school, db_url, tmp_path: Path
) -> None:
    records = plant_records(sessions, school)
    opened_with_its_own_key(db_url, records.pupil_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDBOT_")}
    env.update(
        SENDBOT_DATABASE_URL=db_url,
        SENDBOT_ENCRYPTION_KEYS=STRANGER,
        SENDBOT_LOG_LEVEL="WARNING",  # the migrations' INFO lines are not what is looked at
    )
    done = subprocess.run(
        [sys.executable, "-c", "from sendbot.cli import app; app()", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    line = one_line_naming_both(done.stderr)
    assert line.startswith("The configured encryption key")
    assert "sendbot keys rotate" in line


def test_a_command_that_opens_the_store_refuses_a_wrong_key_and_writes_nothing(
    sessions, school, db_url, keys, tmp_path: Path
) -> None:
    records = plant_records(sessions, school)
    opened_with_its_own_key(db_url, records.pupil_id)
    with sessions() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    keys(STRANGER)
    out = tmp_path / "export"
    result = runner.invoke(
        app, ["export", "pupil", str(records.pupil_id), "--out", str(out), "--database", db_url]
    )
    assert result.exit_code == 2
    one_line_naming_both(result.output)
    assert not out.exists() or not any(out.iterdir())
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert len(session.scalars(select(Concern.narrative_text)).all()) == 2


def test_a_wrong_key_on_a_database_with_no_text_yet_is_refused_once_a_key_is_known(
    sessions, db_url, keys
) -> None:
    school = build_small_school(sessions)
    amelia = school.pupils["amelia"]
    opened_with_its_own_key(db_url, amelia)
    keys(STRANGER)
    result = runner.invoke(app, ["deadlines", "--pupil", str(amelia), "--database", db_url])
    assert result.exit_code == 2
    assert "it was written with key " + OURS.newest_fingerprint in one_line_naming_both(
        result.output
    )


def test_the_demo_reopened_with_another_key_refuses_in_one_line(tmp_path: Path, keys) -> None:
    database = tmp_path / "demo.db"
    first = runner.invoke(
        app, ["demo", "--database", str(database)], input="1\nconcern\nAmelia\nquit\n"
    )
    assert first.exit_code == 0, first.output
    keys(STRANGER)
    again = runner.invoke(app, ["demo", "--database", str(database)], input="quit\n")
    assert again.exit_code == 2
    one_line_naming_both(again.output)
