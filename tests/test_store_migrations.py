from sqlalchemy import inspect

from sendbot.store.models import Base


def test_migrations_create_every_table_of_the_model(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
