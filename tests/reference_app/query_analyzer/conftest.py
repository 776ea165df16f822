"""Fixtures for the analyzer tests: a fresh PostgreSQL database of its own on the session's
server (found or started by gauntlet.services) and a SQLite file in a temp directory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gauntlet.services.postgres import create_database, drop_database
from gauntlet.services.session import ServiceSession


@pytest.fixture(scope="session")
def analyzer_database(service_session: ServiceSession) -> Iterator[str]:
    """URL of a database of its own on the session's PostgreSQL (dropped at the end)."""
    name = f"qa_{secrets.token_hex(6)}"
    url = create_database(service_session.postgres.url, name)
    try:
        yield url
    finally:
        drop_database(service_session.postgres.url, name)


@pytest.fixture(scope="session")
async def pg_engine(analyzer_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(analyzer_database.replace("postgresql://", "postgresql+asyncpg://", 1))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path = Path(tmp_path_factory.mktemp("sqlite")) / "analyzer.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    yield engine
    await engine.dispose()


def table_name(prefix: str = "items") -> str:
    return f"{prefix}_{secrets.token_hex(4)}"
