"""`sendbot keys generate` and `sendbot keys rotate`, as an operator would run them."""

from __future__ import annotations

import os

from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store import crypto
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import Concern
from tests.factories import build_small_school
from tests.privacy_records import PLANTED, plant_records

runner = CliRunner()


def test_generate_prints_a_usable_key() -> None:
    result = runner.invoke(app, ["keys", "generate"])
    assert result.exit_code == 0
    key = result.output.strip()
    ring = crypto.Keyring((key,))
    assert ring.decrypt(ring.encrypt("hello")) == "hello"


def test_rotate_from_the_command_line_then_the_old_key_can_go(
    sessions, db_url, monkeypatch
) -> None:
    school = build_small_school(sessions)
    plant_records(sessions, school)
    old = os.environ["SENDBOT_ENCRYPTION_KEYS"]
    new = runner.invoke(app, ["keys", "generate"]).output.strip()
    monkeypatch.setenv("SENDBOT_ENCRYPTION_KEYS", f"{new},{old}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["keys", "rotate", "--database", db_url, "--batch-size", "3"])
        assert result.exit_code == 0, result.output
        assert f"now under key {crypto.fingerprint(new)}" in result.output
        assert "14 values changed" in result.output
        again = runner.invoke(app, ["keys", "rotate", "--database", db_url])
        assert "0 values changed" in again.output
    finally:
        get_settings.cache_clear()
    engine = make_engine(db_url, keyring=crypto.Keyring((new,)))
    try:
        with session_factory(engine)() as session:
            texts = set(session.scalars(select(Concern.narrative_text)))
        assert PLANTED[("concern", "narrative_text")] in texts
    finally:
        engine.dispose()


def test_rotate_against_a_server_database_without_keys_refuses(monkeypatch) -> None:
    monkeypatch.delenv("SENDBOT_ENCRYPTION_KEYS")
    get_settings.cache_clear()
    try:
        result = runner.invoke(
            app, ["keys", "rotate", "--database", "postgresql+psycopg://nobody@127.0.0.1:1/x"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "will not start against a server database" in " ".join(result.output.split())
