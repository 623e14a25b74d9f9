from sqlalchemy import inspect

from sendbot.store.models import Base


def test_migrations_create_every_table_of_the_model(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_revision_0002_encrypts_conversation_state_already_there_and_0001_gets_it_back(
    db_url, sessions
) -> None:
    """An unfinished concern saved before 0002 is encrypted in place and still readable."""
    import json

    from alembic import command
    from sqlalchemy import create_engine, text

    from sendbot.store import crypto
    from sendbot.store.db import alembic_config
    from sendbot.store.models import ConversationState

    narrative = "Tamsworth-before-0002: bruise on his arm he would not explain"
    command.downgrade(alembic_config(db_url), "0001")
    plain = create_engine(db_url)
    with plain.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversation_state (platform, chat_key, flow, step, answers, "
                "history, scratch, version, updated_at, expires_at) VALUES ('console', 'k', "
                "'log_concern', 'narrative', :a, :h, :s, 1, :at, :at)"
            ),
            {
                "a": json.dumps({"narrative": narrative}),
                "h": json.dumps(["pupil"]),
                "s": json.dumps({}),
                "at": "2026-11-24 09:00:00",
            },
        )
    command.upgrade(alembic_config(db_url), "head")
    with plain.connect() as conn:
        stored = conn.execute(text("SELECT answers, history FROM conversation_state")).one()
    assert all(crypto.looks_like_token(value) for value in stored)
    assert narrative not in str(stored)
    with sessions() as session:
        row = session.query(ConversationState).one()
        assert row.answers == {"narrative": narrative} and row.history == ["pupil"]
    command.downgrade(alembic_config(db_url), "0001")
    with plain.connect() as conn:
        answers = conn.execute(text("SELECT answers FROM conversation_state")).scalar_one()
    assert narrative in str(answers)
    plain.dispose()


def test_revision_0014a_adds_the_adult_concern_table_and_takes_it_away_again(
    db_url, engine
) -> None:
    """Concerns about adults have their own table (never the pupil concern table); going back
    a revision removes it and nothing else, and coming forward brings it back empty."""
    from alembic import command

    from sendbot.store.db import alembic_config

    assert "adult_concern" in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("adult_concern")}
    assert {"subject_staff_id", "subject_name_text", "narrative_text", "lado_outcome_text"} <= (
        columns
    )
    command.downgrade(alembic_config(db_url), "0013")
    engine.dispose()
    tables = set(inspect(engine).get_table_names())
    assert "adult_concern" not in tables and "concern" in tables
    command.upgrade(alembic_config(db_url), "head")
    engine.dispose()
    assert "adult_concern" in inspect(engine).get_table_names()
