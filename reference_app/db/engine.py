"""The async engine and session factory, configured from :class:`Settings`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from reference_app.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """The app's engine: pooled on PostgreSQL, foreign keys switched on for SQLite.

    >>> engine = create_engine(build_settings({"database_url": "postgresql://127.0.0.1/app"}))
    """
    url = settings.database_url
    if settings.is_sqlite:
        engine = create_async_engine(url, echo=settings.debug)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    pool = settings.db_pool
    return create_async_engine(
        url,
        echo=settings.debug,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=pool.recycle_seconds,
        pool_pre_ping=pool.pre_ping,
        connect_args={"server_settings": {"application_name": settings.service_name}},
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: routes read attributes after commit without another query.
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
