"""Files sendbot writes that hold personal data are readable by their owner only, from the
moment they exist: the SQLite database with its -wal and -shm files, exports, invite codes.

Each test runs under the usual umask (022), which by itself gives new files mode 0644.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store.db import make_engine, upgrade
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME
from tests.telegram.harness import add_guardian


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "school.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO trust (name) VALUES ('Oak Learning Trust')"))
        files = [path, path.with_name("school.db-wal"), path.with_name("school.db-shm")]
        assert all(f.exists() for f in files), "the database should be open in WAL mode"
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        engine.dispose()


def test_a_database_first_opened_by_the_engine_is_private_too(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()
    assert mode(path) == 0o600


def test_an_older_database_others_can_read_is_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    with caplog.at_level(logging.WARNING, logger="sendbot.store.db"):
        make_engine(f"sqlite:///{path}").dispose()
    assert f"The database file {path} can be read by other users" in caplog.text


def test_an_export_over_an_earlier_file_others_could_read_never_reaches_them(
    sessions, db_url, tmp_path: Path
) -> None:
    school = build_small_school(sessions)
    earlier = tmp_path / f"sen-register-{school.school_id}.csv"
    earlier.write_text("an earlier, empty export\n", encoding="utf-8")
    earlier.chmod(0o644)
    # Someone else on the server opened the earlier file while they could read it.
    with earlier.open(encoding="utf-8") as someone_else:
        result = CliRunner().invoke(
            app,
            ["export", "sen-register", "--school", str(school.school_id), "--out", str(tmp_path)]
            + ["--database", db_url],
        )
        assert result.exit_code == 0, result.output
        assert someone_else.read() == "an earlier, empty export\n"
    assert mode(earlier) == 0o600
    assert "Khan" in earlier.read_text(encoding="utf-8")


def test_an_invite_qr_code_is_private(
    sessions, db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = build_small_school(sessions)
    family = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("SENDBOT_TELEGRAM_BOT_USERNAME", BOT_USERNAME)
    get_settings.cache_clear()
    qr = tmp_path / "letter.png"
    try:
        result = CliRunner().invoke(
            app, ["invite", "guardian", str(family.guardian_id), "--qr", str(qr)]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert qr.read_bytes().startswith(b"\x89PNG")
    assert mode(qr) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
