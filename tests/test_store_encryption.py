"""Narratives and notes are unreadable in the database and readable only through the keyring."""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from sendbot.store import crypto
from sendbot.store.db import make_engine, session_factory, upgrade
from sendbot.store.models import (
    AdultConcern,
    AuditEvent,
    Base,
    Concern,
    ConcernAction,
    ConcernAttachment,
    InterventionSession,
    Invitation,
    Meeting,
    ParentMessage,
    PlanReview,
    Pupil,
    Target,
)
from tests.privacy_records import PLANTED, SAFEGUARDING_NARRATIVE, plant_records

MODEL_COLUMNS = {
    (Concern, "narrative_text"),
    (Concern, "location_text"),
    (Concern, "child_words_text"),
    (Concern, "action_taken_text"),
    (Concern, "told_text"),
    (ConcernAttachment, "data"),
    (ConcernAction, "note_text"),
    (InterventionSession, "note_text"),
    (Target, "closed_note_text"),
    (PlanReview, "next_steps_text"),
    (Invitation, "parent_views_text"),
    (ParentMessage, "body_text"),
    (Meeting, "outcome_reason"),
    (Pupil, "destination_school"),
    (AdultConcern, "subject_name_text"),
    (AdultConcern, "narrative_text"),
    (AdultConcern, "lado_outcome_text"),
}


def _all_planted() -> list[str]:
    return [*PLANTED.values(), SAFEGUARDING_NARRATIVE]


def _text(value: str | bytes) -> str:
    """A photo's bytes as text, so the phrase in its text chunk can be looked for."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _read_back(sessions) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    with sessions() as session:
        for model, name in MODEL_COLUMNS:
            values = session.scalars(select(getattr(model, name))).all()
            found[(model.__tablename__, name)] = {_text(v) for v in values if v is not None}
    return found


def _raw_values(engine) -> list[str]:
    values: list[str] = []
    with engine.connect() as conn:
        for table, column in crypto.encrypted_columns(Base.metadata):
            rows = conn.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
            values.extend(row[0] for row in rows)
    return values


# Half-finished conversations: the answers typed so far, as encrypted JSON.
CONVERSATION_COLUMNS = {
    ("conversation_state", "answers"),
    ("conversation_state", "history"),
    ("conversation_state", "scratch"),
}
# A reply waiting for Telegram (it can name a child), as encrypted JSON.
REPLY_COLUMNS = {("chat_reply", "body")}
# An unfinished safeguarding report: the answers so far, the narrative among them.
DRAFT_COLUMNS = {("concern_draft", "answers")}


def test_exactly_the_story_columns_are_encrypted() -> None:
    assert (
        set(crypto.encrypted_columns(Base.metadata))
        == {(model.__tablename__, name) for model, name in MODEL_COLUMNS}
        | CONVERSATION_COLUMNS
        | REPLY_COLUMNS
        | DRAFT_COLUMNS
    )


def test_security_md_lists_exactly_the_encrypted_columns() -> None:
    """SECURITY.md tells a school what is encrypted at rest: its table must say the truth."""
    section = (
        Path("SECURITY.md")
        .read_text(encoding="utf-8")
        .split("## What is encrypted at rest", 1)[1]
        .split("**Not encrypted**", 1)[0]
    )
    listed: set[tuple[str, str]] = set()
    for cell in re.findall(r"^\| ([^|]+) \|", section, flags=re.M):
        table = ""
        for name in re.findall(r"`([^`]+)`", cell):
            if "." in name and not name.startswith("."):
                table, column = name.split(".", 1)
            else:
                column = name.lstrip(".")
            listed.add((table, column))
    assert listed == set(crypto.encrypted_columns(Base.metadata))


def test_the_models_still_match_the_migrations_so_no_schema_change_was_needed(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_planted_text_is_nowhere_in_the_database_but_reads_back_through_the_models(
    sessions, engine, school, db_url
) -> None:
    plant_records(sessions, school)
    raw = _raw_values(engine)
    assert len(raw) == len(PLANTED) + 1
    for value in raw:
        assert crypto.looks_like_token(value)
        for planted in _all_planted():
            assert planted not in value
    found = _read_back(sessions)
    for key, planted in PLANTED.items():
        assert any(planted in value for value in found[key]), key
    assert SAFEGUARDING_NARRATIVE in found[("concern", "narrative_text")]

    if engine.dialect.name == "sqlite":
        path = Path(make_url(db_url).database or "")
        files = [path, path.with_name(path.name + "-wal")]
        assert files[1].exists(), "the test should see the write-ahead log while it is open"
        for stored in (f.read_bytes() for f in files if f.exists()):
            for planted in _all_planted():
                for word in (planted, planted.split(":")[0]):
                    assert word.encode() not in stored
        engine.dispose()  # checkpoint the log into the main file, then look again
        stored = path.read_bytes()
        for planted in _all_planted():
            assert planted.encode() not in stored


def test_a_wrong_key_gives_a_clear_error_not_garbage(sessions, school, db_url) -> None:
    plant_records(sessions, school)
    stranger = crypto.Keyring((crypto.generate_key(),), "a test")
    wrong = make_engine(db_url, keyring=stranger)
    try:
        with session_factory(wrong)() as session, pytest.raises(crypto.DecryptionError) as caught:
            session.scalars(select(Concern.narrative_text)).all()
        message = str(caught.value)
        assert "cannot be decrypted with the configured encryption keys" in message
        assert crypto.fingerprint(stranger.keys[0]) in message
        assert stranger.keys[0] not in message
    finally:
        wrong.dispose()


def test_rotation_moves_everything_to_the_new_key_and_is_idempotent(
    sessions, engine, school, db_url
) -> None:
    from sendbot.services.keys import rotate_keys

    plant_records(sessions, school)
    old = crypto.Keyring.parse(os.environ["SENDBOT_ENCRYPTION_KEYS"], "old")
    new_key = crypto.generate_key()
    both = crypto.Keyring((new_key, *old.keys), "new then old")
    rotated_engine = make_engine(db_url, keyring=both)
    try:
        report = rotate_keys(rotated_engine, both, batch_size=2)
        assert sum(c.reencrypted for c in report.columns) == len(PLANTED) + 1
        assert report.audit_event_id is not None

        new_only = make_engine(db_url, keyring=crypto.Keyring((new_key,), "new"))
        try:
            assert _read_back(session_factory(new_only))[("concern", "narrative_text")] == {
                PLANTED[("concern", "narrative_text")],
                SAFEGUARDING_NARRATIVE,
            }
        finally:
            new_only.dispose()
        assert _read_back(session_factory(rotated_engine))[("parent_message", "body_text")] == {
            PLANTED[("parent_message", "body_text")]
        }
        old_only = make_engine(db_url, keyring=old)
        try:
            with session_factory(old_only)() as session, pytest.raises(crypto.DecryptionError):
                session.scalars(select(ParentMessage.body_text)).all()
        finally:
            old_only.dispose()

        again = rotate_keys(rotated_engine, both, batch_size=2)
        assert sum(c.reencrypted + c.encrypted_plaintext for c in again.columns) == 0
        assert sum(c.seen for c in again.columns) == len(PLANTED) + 1
        with session_factory(rotated_engine)() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "keys.rotate")
            ).all()
        assert len(events) == 2
        assert events[0].actor_kind == "cli"
        assert events[0].details["newest_key"] == crypto.fingerprint(new_key)
        assert new_key not in str(events[0].details)
    finally:
        rotated_engine.dispose()


def test_rotation_encrypts_text_written_before_encryption_was_turned_on(
    sessions, engine, school
) -> None:
    from sendbot.services.keys import rotate_keys

    records = plant_records(sessions, school)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE concern SET narrative_text = :t WHERE id = :id"),
            {"t": "Legacy plain words", "id": records.concern_id},
        )
    with sessions() as session, pytest.raises(crypto.DecryptionError, match="keys rotate"):
        session.get(Concern, records.concern_id)
    report = rotate_keys(engine, crypto.keyring_of(engine.dialect))
    assert sum(c.encrypted_plaintext for c in report.columns) == 1
    with sessions() as session:
        assert session.get(Concern, records.concern_id).narrative_text == "Legacy plain words"
    assert "Legacy plain words" not in " ".join(_raw_values(engine))


def test_sqlite_without_configured_keys_gets_a_private_key_file_beside_it(tmp_path, caplog) -> None:
    url = f"sqlite:///{tmp_path / 'school.db'}"
    with caplog.at_level(logging.WARNING, logger="sendbot.crypto"):
        first = crypto.load_keyring(url)
    key_file = tmp_path / "school.db.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "Created a new encryption key file" in caplog.text
    assert crypto.load_keyring(url).keys == first.keys  # the second start reuses it
    upgrade(url)
    engine = make_engine(url, keyring=first)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_a_postgresql_url_without_a_key_refuses_to_start_with_a_clear_message() -> None:
    with pytest.raises(crypto.KeyringError) as caught:
        crypto.load_keyring("postgresql+psycopg://sendbot@db.example/sendbot")
    message = str(caught.value)
    assert "SENDBOT_ENCRYPTION_KEYS" in message and "SENDBOT_ENCRYPTION_KEY_FILE" in message
    assert "sendbot keys generate" in message


def test_a_key_file_lists_keys_newest_first_and_ignores_comments(tmp_path) -> None:
    newest, older = crypto.generate_key(), crypto.generate_key()
    path = tmp_path / "keys"
    path.write_text(f"# rotated in the autumn term\n{newest}\n\n{older}  # retired soon\n")
    ring = crypto.load_keyring("postgresql+psycopg://h/db", key_file=path)
    assert ring.keys == (newest, older)
    assert crypto.Keyring((newest,)).decrypt(ring.encrypt("x")) == "x"


def test_a_malformed_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(crypto.KeyringError) as caught:
        crypto.Keyring.parse("not-a-real-key-at-all", "SENDBOT_ENCRYPTION_KEYS")
    assert "not-a-real-key-at-all" not in str(caught.value)
    assert "sendbot keys generate" in str(caught.value)


def test_settings_keys_reach_make_engine(monkeypatch, tmp_path) -> None:
    from sendbot.config import get_settings

    key = crypto.generate_key()
    monkeypatch.setenv("SENDBOT_ENCRYPTION_KEYS", f" {key} ")
    get_settings.cache_clear()
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
        assert crypto.keyring_of(engine.dialect).keys == (key,)
        engine.dispose()
    finally:
        get_settings.cache_clear()
    assert not (tmp_path / "a.db.key").exists()


def test_a_key_file_others_can_read_is_used_with_a_warning(tmp_path, caplog) -> None:
    path = tmp_path / "keys"
    path.write_text(crypto.generate_key() + "\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="sendbot.crypto"):
        crypto.read_key_file(path)
    assert "can be read by other users" in caplog.text
