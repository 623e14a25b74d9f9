"""Every encrypted value names the key that wrote it: `k1.<fingerprint>.<Fernet token>`.

Read raw from the database, as someone holding a copy of it would; the fingerprint is all
that can be read there without a key. The refusals an operator sees at start-up are in
tests/test_wrong_key_refused.py; recording the keys that wrote a database is
tests/test_key_check.py.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.services.keys import rotate_keys
from sendbot.store import crypto
from sendbot.store.db import make_engine
from sendbot.store.key_check import KeyMismatch, check_keys
from sendbot.store.models import Base, Concern, ConcernAttachment
from tests.privacy_records import PLANTED, plant_records

runner = CliRunner()
OURS = crypto.Keyring.parse(os.environ["SENDBOT_ENCRYPTION_KEYS"], "the suite's key")
STRANGER = crypto.generate_key()
NARRATIVE = PLANTED[("concern", "narrative_text")]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the configured keys as an operator would, for the commands run in this process."""

    def configure(*configured: str) -> None:
        monkeypatch.setenv("SENDBOT_ENCRYPTION_KEYS", ",".join(configured))
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def raw_values(engine) -> dict[tuple[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Every stored encrypted value, as the database holds it, by column."""
    found: dict[tuple[str, str], list[str]] = {}
    with engine.connect() as conn:
        for table, column in crypto.encrypted_columns(Base.metadata):
            rows = conn.execute(
                text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id")
            )
            found[(table, column)] = [row[0] for row in rows]
    return {key: values for key, values in found.items() if values}


def set_raw(engine, table: str, column: str, row_id: int, value: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {table} SET {column} = :v WHERE id = :id"), {"v": value, "id": row_id}
        )


def newest_id(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())


def check(db_url: str, keyring: crypto.Keyring) -> None:
    engine = make_engine(db_url, keyring=keyring)
    try:
        check_keys(engine, keyring)
    finally:
        engine.dispose()


def test_every_new_value_names_the_key_that_wrote_it_and_nothing_else(
    sessions, engine, school
) -> None:
    plant_records(sessions, school)
    stored = raw_values(engine)
    assert ("concern_attachment", "data") in stored  # the photo too
    values = [value for column in stored.values() for value in column]
    assert len(values) == len(PLANTED) + 1
    for value in values:
        version, fingerprint, token = value.split(".")
        assert (version, fingerprint) == ("k1", OURS.newest_fingerprint)
        assert token.startswith("gAAAAA") and "." not in token  # a Fernet token after it
        assert crypto.written_with(value) == OURS.newest_fingerprint
        assert OURS.keys[0] not in value


def test_values_written_before_fingerprints_were_stored_still_read(
    sessions, engine, school, db_url
) -> None:
    records = plant_records(sessions, school)
    with engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT narrative_text FROM concern WHERE id = :id"), {"id": records.concern_id}
        ).scalar_one()
        photo = conn.execute(text("SELECT id, data FROM concern_attachment")).one()
    bare = sealed.split(".", 2)[2]
    assert crypto.written_with(bare) is None and crypto.looks_like_token(bare)
    set_raw(engine, "concern", "narrative_text", records.concern_id, bare)
    set_raw(engine, "concern_attachment", "data", photo.id, photo.data.split(".", 2)[2])

    with sessions() as session:
        assert session.get(Concern, records.concern_id).narrative_text == NARRATIVE
        assert session.get(ConcernAttachment, photo.id).data.startswith(b"\x89PNG")
    check(db_url, OURS)  # the bare token is tried with each configured key, and opens
    status = runner.invoke(app, ["keys", "status", "--database", db_url])
    assert status.exit_code == 0, status.output
    assert (
        "no fingerprint (written before fingerprints were stored): 2 values; "
        "`sendbot keys rotate` adds one"
    ) in " ".join(status.output.split())
    report = rotate_keys(engine, OURS)  # the same key: only the two bare values change
    assert sum(c.reencrypted for c in report.columns) == 2
    assert all(
        crypto.written_with(v) == OURS.newest_fingerprint
        for column in raw_values(engine).values()
        for v in column
    )


def test_rotation_rewrites_every_fingerprint_and_status_counts_them(
    sessions, engine, school, db_url, keys
) -> None:
    plant_records(sessions, school)
    stranger = crypto.fingerprint(STRANGER)
    keys(OURS.keys[0])
    before = runner.invoke(app, ["keys", "status", "--database", db_url])
    assert before.exit_code == 0, before.output
    assert f"key {OURS.newest_fingerprint} (configured, newest: encrypts): " in before.output
    assert f"{len(PLANTED) + 1} values" in before.output

    keys(STRANGER, OURS.keys[0])
    rotated = runner.invoke(app, ["keys", "rotate", "--database", db_url])
    assert rotated.exit_code == 0, rotated.output
    assert {crypto.written_with(v) for column in raw_values(engine).values() for v in column} == {
        stranger
    }
    after = runner.invoke(app, ["keys", "status", "--database", db_url])
    assert after.exit_code == 0, after.output
    assert after.output.splitlines() == [
        f"key {stranger} (configured, newest: encrypts): {len(PLANTED) + 1} values",
        f"key {OURS.newest_fingerprint} (configured): 0 values",
    ]
    assert STRANGER not in after.output + rotated.output
    assert OURS.keys[0] not in after.output + rotated.output


def test_a_database_written_with_two_keys_is_found_out(
    sessions, engine, school, db_url, keys
) -> None:
    """A process once ran with a stranger's key and wrote the newest concern under it."""
    records = plant_records(sessions, school)
    theirs = crypto.Keyring((STRANGER,))
    newest = newest_id(engine, "concern")
    set_raw(engine, "concern", "narrative_text", newest, theirs.encrypt("Written elsewhere"))
    stranger = crypto.fingerprint(STRANGER)

    with pytest.raises(KeyMismatch) as caught:
        check(db_url, OURS)
    line = str(caught.value)
    assert "\n" not in line
    assert f"({OURS.newest_fingerprint})" in line
    assert f"its newest text in concern.narrative_text was written with key {stranger}" in line
    assert STRANGER not in line and OURS.keys[0] not in line

    keys(OURS.keys[0])
    status = runner.invoke(app, ["keys", "status", "--database", db_url])
    assert status.exit_code == 1
    assert status.output.splitlines() == [
        f"key {OURS.newest_fingerprint} (configured, newest: encrypts): {len(PLANTED)} values",
        f"key {stranger} (NOT configured: cannot be read): 1 value",
    ]

    with sessions() as session, pytest.raises(crypto.DecryptionError) as unread:
        session.get(Concern, newest)
    assert f"written with key {stranger}, which is missing" in str(unread.value)
    with sessions() as session:  # the rest of the records still read
        assert session.get(Concern, records.concern_id).narrative_text == NARRATIVE


def test_a_value_naming_a_configured_key_that_does_not_decrypt_is_called_tampering(
    sessions, engine, school, db_url, keys
) -> None:
    records = plant_records(sessions, school)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT narrative_text FROM concern WHERE id = :id"), {"id": records.concern_id}
        ).scalar_one()
    middle = len(stored) // 2
    altered = stored[:middle] + ("A" if stored[middle] != "A" else "B") + stored[middle + 1 :]
    set_raw(engine, "concern", "narrative_text", records.concern_id, altered)

    with sessions() as session, pytest.raises(crypto.TamperedValue) as caught:
        session.get(Concern, records.concern_id)
    message = str(caught.value)
    assert f"key {OURS.newest_fingerprint}, which is configured" in message
    assert "altered or damaged (tampering or corruption)" in message

    keys(crypto.generate_key(), OURS.keys[0])
    result = runner.invoke(app, ["keys", "rotate", "--database", db_url])
    assert result.exit_code == 1
    assert "altered or damaged" in result.output
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT narrative_text FROM concern WHERE id = :id"),
                {"id": records.concern_id},
            ).scalar_one()
            == altered
        )


def test_a_bare_token_from_another_key_is_still_refused_at_start(
    sessions, engine, school, db_url
) -> None:
    """Before fingerprints, a stranger's token names no key: the refusal says so."""
    plant_records(sessions, school)
    newest = newest_id(engine, "concern")
    bare = crypto.Keyring((STRANGER,)).encrypt("Written elsewhere").split(".", 2)[2]
    set_raw(engine, "concern", "narrative_text", newest, bare)
    with pytest.raises(KeyMismatch) as caught:
        check(db_url, OURS)
    assert (
        "its newest text in concern.narrative_text was written with a key that is not configured"
        in str(caught.value)
    )
