"""The database records the keys that wrote it; rotation with the old key listed still works.

The refusals an operator sees are in tests/test_wrong_key_refused.py.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.store import crypto
from sendbot.store.db import make_engine
from sendbot.store.key_check import KeyMismatch, check_keys
from sendbot.store.models import Concern, EncryptionKey
from tests.privacy_records import PLANTED, plant_records

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


def _check(db_url: str, keyring: crypto.Keyring) -> None:
    engine = make_engine(db_url, keyring=keyring)
    try:
        check_keys(engine, keyring)
    finally:
        engine.dispose()


def test_rotation_with_the_old_key_listed_is_accepted_and_the_new_key_recorded(
    sessions, school, db_url, keys
) -> None:
    plant_records(sessions, school)
    keys(STRANGER, OURS.keys[0])
    result = runner.invoke(app, ["keys", "rotate", "--database", db_url])
    assert result.exit_code == 0, result.output
    with sessions() as session:
        known = set(session.scalars(select(EncryptionKey.fingerprint)))
    assert known == {crypto.fingerprint(STRANGER), OURS.newest_fingerprint}

    # Once everything is under the new key, the old one can go, and the new one alone starts.
    _check(db_url, crypto.Keyring((STRANGER,)))
    # The old key alone is refused now: the newest text is under the new key.
    with pytest.raises(KeyMismatch) as caught:
        _check(db_url, OURS)
    message = str(caught.value)
    assert "its newest text in " in message
    assert f"was written with key {crypto.fingerprint(STRANGER)}" in message


def test_text_written_before_keys_were_recorded_is_checked_with_the_configured_keys(
    sessions, school, db_url
) -> None:
    plant_records(sessions, school)
    with pytest.raises(KeyMismatch) as caught:
        _check(db_url, crypto.Keyring((STRANGER,)))
    assert f"was written with key {OURS.newest_fingerprint}" in str(caught.value)
    _check(db_url, OURS)
    with sessions() as session:
        assert session.scalars(select(EncryptionKey.fingerprint)).all() == [OURS.newest_fingerprint]
        assert (
            PLANTED[("concern", "narrative_text")]
            in session.scalars(select(Concern.narrative_text)).all()
        )
