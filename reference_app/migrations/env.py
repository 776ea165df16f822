"""Alembic environment: async engine, the app's metadata, dialect-specific objects kept apart."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from reference_app.db import models  # noqa: F401 - registers the tables on the metadata
from reference_app.db.base import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # The GIN search index exists only on PostgreSQL (ddl_if); elsewhere it is not expected.
    if type_ == "index" and name == "ix_incidents_search":
        return context.get_context().dialect.name == "postgresql"
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(config.attributes["database_url"], poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # Tests hand in a live sync connection (e.g. for autogenerate comparisons).
        _run_sync(connection)
        return
    if context.is_offline_mode():
        context.configure(url=config.attributes["database_url"], target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async())


run()
