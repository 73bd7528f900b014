"""Alembic environment: runs on a connection handed over by the store, or on the configured URL."""

from __future__ import annotations

from alembic import context

from wengang.adapters.db.engine import make_engine
from wengang.adapters.db.tables import compared, metadata
from wengang.config import load_settings

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True, include_name=compared)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url") or load_settings().operational_url
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url") or load_settings().operational_url,
                      target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
