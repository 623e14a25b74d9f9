"""Alembic environment: migrations run against the URL sendbot was given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sendbot.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    """sendbot puts the database URL into the config (store/db.py) before running alembic."""
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic was given no sqlalchemy.url to migrate")
    return url


def run_migrations_online() -> None:
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
